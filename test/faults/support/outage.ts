/** How long each fault case keeps its dependency down: FAULT_OUTAGE_MS, default 30 s (the figure). */
export function outageMs(): number {
  const raw = process.env.FAULT_OUTAGE_MS;
  const ms = raw === undefined ? 30_000 : Number(raw);
  if (!Number.isInteger(ms) || ms < 1_000 || ms > 300_000) {
    throw new Error(`FAULT_OUTAGE_MS must be an integer from 1000 to 300000 (got ${raw})`);
  }
  return ms;
}
