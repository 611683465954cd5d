import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  bottomMarginFor,
  escapeXml,
  leftMarginFor,
  linearScale,
  niceDomain,
  numericTicks,
  renderAxes,
  svgDocument,
  textWidth,
} from '@lib/svg-chart';
import type { LoopCycle, LoopResult, TimelinePoint } from './loop-simulate-harness';

export interface LoopReportFiles {
  readonly dir: string;
  readonly markdownPath: string;
  readonly jsonPath: string;
  readonly svgPath: string;
}

/** Writes report.md, report.json and timeline.svg of a retraining-loop run into `dir`. */
export async function writeLoopReport(result: LoopResult, dir: string, command: string): Promise<LoopReportFiles> {
  await mkdir(dir, { recursive: true });
  const files = {
    dir,
    markdownPath: path.join(dir, 'report.md'),
    jsonPath: path.join(dir, 'report.json'),
    svgPath: path.join(dir, 'timeline.svg'),
  };
  await writeFile(files.jsonPath, JSON.stringify({ command, ...result }, null, 2) + '\n');
  await writeFile(files.svgPath, timelineSvg(result.timeline, result.options.loopStart, result.options.simEnd));
  await writeFile(files.markdownPath, markdown(result, command));
  return files;
}

const pct = (v: number | null | undefined, digits = 1) =>
  typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '–';
const num = (v: number | undefined) => (typeof v === 'number' ? v.toFixed(4) : '–');

/** The audit trail of one cycle, one line per record (also printed by the CLI). */
export function cycleAuditText(cycle: LoopCycle, index: number): string {
  const head =
    `cycle ${index + 1}: run ${cycle.runId} (${cycle.trigger}) snapshot cut at ${cycle.cutoff ?? '–'} → ` +
    `${cycle.model ?? 'no model'}: ${cycle.complete ? 'PROMOTED' : (cycle.canary?.status ?? (cycle.canaryDecision?.allowed === false ? 'held at the gate' : 'no canary'))}`;
  return [head, ...cycle.audit.map((a) => `  #${a.seq} ${a.at.slice(11, 19)} ${a.actor} ${a.kind}: ${a.summary}`)].join(
    '\n',
  );
}

function markdown(r: LoopResult, command: string): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(`# Retraining loop in compressed time`, '');
  lines.push(`Command: \`${command}\``, '');
  lines.push(
    `World: ${o.users} users × ${o.movies} movies, seed ${o.seed}, activity ${o.activity} sessions/user/day, taste drift ${o.drift} per 30 days; ` +
      `${o.warmupDays} warm-up day(s) from ${o.simStart.slice(0, 16)} (no recommendations), then ${o.days} closed-loop day(s) ` +
      `${o.loopStart.slice(0, 16)} → ${o.simEnd.slice(0, 16)}. Store ${o.store}, bus ${o.bus}. ` +
      `Schedule \`RETRAIN_CRON="${o.retrainCron}"\` (model ${o.modelType}); checkpoints every ${o.checkpointMinutes} simulated minutes.`,
    '',
  );
  lines.push(
    `Canary plan of the automatic canaries: ${o.canaryPlan === 'defaults' ? "the controller's defaults" : `\`${JSON.stringify(o.canaryPlan)}\` (PUT /admin/retraining/canary-plan, audited)`}. ` +
      `Fairness gate dimensions: ${o.fairnessGateDimensions.join(', ')} (FAIRNESS_GATE_DIMENSIONS; the others are measured and recorded on the model, not gated). ` +
      'Promotion policy, its thresholds and the other gates: unchanged.',
    '',
  );
  lines.push(
    `Wall time ${r.wallSeconds.toFixed(0)} s. ` +
      (r.interrupted
        ? "**Interrupted** (SIGINT): a partial run; the simulator's totals are not collected."
        : `Simulated: ${r.simulation.sessions} sessions, ${r.simulation.recommendationRequests} recommendation requests to the service, ` +
          `${r.simulation.watches} watches (${r.simulation.watchesFromRecommendations} from recommendations), ${r.simulation.lines} stream lines.`),
    '',
  );
  lines.push(`## Result`, '');
  lines.push(
    `- Cycle 0 (bootstrap, audited admin override as \`npm start\` does): **${r.bootstrapModel.id}** (holdout NDCG@20 ${num(r.bootstrapModel.metrics['ndcg@20'])}).`,
  );
  lines.push(
    `- Automatic retraining runs: ${r.cycles.length} (the service's counter by outcome: ${JSON.stringify(r.retrainingRuns)}; ` +
      '`skipped_canary_running` = the schedule fired while a canary was still being decided); ' +
      `complete cycles (retrain → gates → canary → promote): **${r.completeCycles}**.`,
  );
  lines.push(
    `- Promoted by the canary controller: ${r.promoted.length ? r.promoted.map((p) => `**${p}**`).join(', ') : 'none'}.`,
  );
  lines.push(`- In production at the end: **${r.finalProduction ?? '–'}**.`);
  lines.push(
    `- Audit hash chain: ${r.audit.ok ? `**intact** (${r.audit.checked} records verified, head \`${(r.audit.head ?? '').slice(0, 16)}…\`)` : `**BROKEN**: ${r.audit.detail}`}.`,
    '',
  );
  lines.push(`## Cycles`, '');
  lines.push(
    '| # | run (trigger) | snapshot cutoff | interactions | candidate | NDCG@20 cand. / champion | gates | policy → canary | canary | promoted at | online conv. cand. / control |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  r.cycles.forEach((c, i) => {
    const gates = Object.entries(c.gates)
      .map(([g, v]) => `${g} ${v.passed ? '✓' : '✗'}`)
      .join(', ');
    const tel = c.canary?.telemetry as Record<string, number> | null | undefined;
    lines.push(
      `| ${i + 1} | ${c.runId} (${c.trigger}) | ${c.cutoff?.slice(0, 16) ?? '–'} | ${c.interactions ?? '–'} | ${c.model ?? '–'} | ` +
        `${num(c.metrics['ndcg@20'])} / ${num(c.championMetrics['ndcg@20'])} (${c.championAtStart ?? '–'}) | ${gates || '–'} | ` +
        `${c.canaryDecision ? (c.canaryDecision.allowed ? 'allowed' : `denied: ${c.canaryDecision.reasons.join('; ')}`) : '–'} | ` +
        `${c.canary ? `${c.canary.status}; steps ${c.canary.steps.map((s) => `${pct(s.share, 0)}@${s.simTime?.slice(5, 16) ?? '–'}`).join(' → ')}` : '–'} | ` +
        `${c.promotedAt?.slice(0, 16) ?? '–'} | ${tel ? `${pct(tel.onlineMetric)} / ${pct(tel.championOnlineMetric)} (${tel.requests} responses, p95 ${tel.latencyP95Ms} ms)` : '–'} |`,
    );
  });
  lines.push('');
  lines.push(
    "NDCG@20 is each model's own holdout evaluation at training time (what the promotion policy compares with the champion's); " +
      "online conversion is the canary controller's measure (conversions per response, averaged over users; a response converts " +
      'when the user starts one of its movies within the conversion window), the telemetry the policy judged at canary → production.',
    '',
  );
  lines.push(`## Why each promotion happened`, '');
  r.cycles.forEach((c, i) => {
    if (!c.complete) {
      const why = c.canary?.reasons.length
        ? `rolled back: ${c.canary.reasons.join('; ')}`
        : c.canaryDecision && !c.canaryDecision.allowed
          ? `the policy kept it a candidate: ${c.canaryDecision.reasons.join('; ')}`
          : c.canary
            ? `canary ${c.canary.status} when the run ended`
            : 'no canary';
      lines.push(`- Cycle ${i + 1} (${c.model ?? c.runId}): not promoted — ${why}.`);
      return;
    }
    const tel = (c.canary?.telemetry ?? {}) as Record<string, number>;
    const step = (
      c.canary?.telemetry as { comparedInStep?: { share: number; candidateUsers: number; controlUsers: number } } | null
    )?.comparedInStep;
    lines.push(
      `- Cycle ${i + 1}: **${c.model}** trained on ${c.interactions} interactions (snapshot cut ${c.cutoff?.slice(0, 16)}), ` +
        `NDCG@20 ${num(c.metrics['ndcg@20'])} vs champion ${c.championAtStart}'s ${num(c.championMetrics['ndcg@20'])}; ` +
        `gates ${Object.keys(c.gates).join(', ')} passed; policy ${c.canaryDecision?.policyVersion.slice(0, 12)}… allowed the canary; ` +
        `canary ramped ${c.canary!.steps.map((s) => pct(s.share, 0)).join(' → ')} and was promoted with ${tel.requests} candidate responses, ` +
        `error rate ${pct(tel.errorRate, 2)}, p95 ${tel.latencyP95Ms} ms, conversions per response ${pct(tel.onlineMetric)} vs champion ${pct(tel.championOnlineMetric)}` +
        `${step ? ` (both arms in the ${pct(step.share, 0)} step: ${step.candidateUsers} vs ${step.controlUsers} users)` : ''}; ` +
        `the policy denies only a regression of more than ${pct(0.02, 0)} shown by the canary ` +
        `(upper one-sided 95% bound of the difference below −${pct(0.02, 0)}` +
        `${typeof tel.onlineDifferenceStdError === 'number' ? `; standard error ${pct(tel.onlineDifferenceStdError)}` : ''}).`,
    );
  });
  lines.push('');
  lines.push(`## Timeline`, '', '![timeline](timeline.svg)', '');
  lines.push('| simulated time | production | canary | responses | online conversion |', '|---|---|---|---|---|');
  for (const p of r.timeline.filter((_, i, all) => i % 6 === 0 || i === all.length - 1 || changed(all, i))) {
    lines.push(
      `| ${p.simTime.slice(0, 16)} | ${p.production ?? '–'} | ${p.canary ? `${p.canary.candidate} ${pct(p.canary.share, 0)}` : '–'} | ${p.responses} | ${pct(p.conversion)} |`,
    );
  }
  lines.push('', `## Audit trail per cycle`, '');
  r.cycles.forEach((c, i) => lines.push('```', cycleAuditText(c, i), '```', ''));
  lines.push(
    `## What this does and does not show`,
    '',
    "- Every retraining run was started by the service's own schedule on the stream clock (`trigger = schedule` in `training_run`); " +
      'the driver only plays the world, waits at checkpoints for ingestion and for a run in progress, and reads the results.',
    '- Simulated time stands still while the service trains (the world waits at the checkpoint), so a run costs no simulated time.',
    '- Determinism: the world (catalogue, users, tastes, arrivals), the warm-up and the first model are fixed by the seed and ' +
      "the dates, and every snapshot is cut at one of the schedule's occurrences; the closed loop is not bit-for-bit " +
      "reproducible, because measured HTTP latencies feed back into the simulated users' timing and the canary controller " +
      'ticks on the wall clock (its steps land at slightly different simulated times, and so which occurrences fire while ' +
      'no canary runs can differ). The per-step canary figures include responses served just before the step started and ' +
      'finalised in it (30-minute conversion window), hence unequal arm sizes in the 50% step.',
    '- Settings that differ from a production deployment: the canary plan (steps and users per step sized for a few ' +
      'thousand users) and the fairness gate dimensions (small occupation groups in a small world); both are stated above.',
    '',
  );
  return lines.join('\n');
}

function changed(all: readonly TimelinePoint[], i: number): boolean {
  if (i === 0) return true;
  return all[i].production !== all[i - 1].production || all[i].canary?.share !== all[i - 1].canary?.share;
}

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

/** Three panels over simulated time: model version live, canary share, online conversion. */
export function timelineSvg(timeline: readonly TimelinePoint[], from: string, to: string): string {
  const W = 960;
  const right = 20;
  const t0 = Date.parse(from);
  const t1 = Math.max(t0 + 1, Date.parse(to));
  const shareTicks = [0, 0.5, 1].map((value) => ({ value, label: pct(value, 0) }));
  const values = timeline.map((p) => p.conversion).filter((v): v is number => v !== null);
  const conversion = niceDomain(0, Math.max(0.05, ...values), 5);
  const conversionTicks = numericTicks(conversion, true);
  const shareTitle = 'canary share';
  const conversionTitle = 'online conversion';
  const left = Math.max(
    leftMarginFor({ ticks: shareTicks, title: shareTitle }),
    leftMarginFor({ ticks: conversionTicks, title: conversionTitle }),
    textWidth('production') + 12,
  );
  const x = linearScale(t0, t1, left, W - right);
  const days: { value: number; label: string }[] = [];
  for (let t = Math.ceil(t0 / 86_400_000) * 86_400_000; t <= t1; t += 86_400_000)
    days.push({ value: t, label: new Date(t).toISOString().slice(5, 10) });
  const xAt = (t: string) => x.at(Date.parse(t));
  const width = (p: TimelinePoint, i: number) =>
    Math.max(0.5, xAt(timeline[i + 1]?.simTime ?? to) - xAt(p.simTime)).toFixed(1);
  const versions = [
    ...new Set(timeline.flatMap((p) => [p.production, p.canary?.candidate]).filter((v): v is string => !!v)),
  ];
  const colour = (v: string) => COLOURS[versions.indexOf(v) % COLOURS.length];

  const p1 = { left, top: 40, width: W - right - left, height: 40 };
  const p2 = { ...p1, top: 100, height: 120 };
  const p3 = { ...p1, top: 245, height: 140 };
  const timeAxis = { ticks: days, title: 'simulated time (UTC, one tick per day)', grid: true };
  const legendTop = p3.top + p3.height + bottomMarginFor(timeAxis) + 8;
  const H = legendTop + Math.ceil(versions.length / 3) * 16 + 8;
  const doc = svgDocument(W, H, 'Retraining loop: model live, canary share, online conversion (simulated time)');
  const out: string[] = [doc.open];

  // Panel 1: production version bands.
  out.push(
    `<text x="${left - 8}" y="${p1.top + p1.height / 2 + 4}" text-anchor="end">production</text>`,
    ...timeline.flatMap((p, i) =>
      p.production
        ? [
            `<rect x="${xAt(p.simTime).toFixed(1)}" y="${p1.top}" width="${width(p, i)}" height="${p1.height}" fill="${colour(p.production)}"/>`,
          ]
        : [],
    ),
  );
  // Panel 2: canary share.
  const y2 = linearScale(0, 1, p2.top + p2.height, p2.top);
  out.push(
    renderAxes(p2, {
      y: { scale: y2, ticks: shareTicks, title: shareTitle, grid: true },
      x: { scale: x, ticks: days.map((d) => ({ value: d.value, label: '' })), grid: true },
    }).svg,
    ...timeline.flatMap((p, i) =>
      p.canary
        ? [
            `<rect x="${xAt(p.simTime).toFixed(1)}" y="${y2.at(p.canary.share).toFixed(1)}" width="${width(p, i)}" height="${(y2.at(0) - y2.at(p.canary.share)).toFixed(1)}" fill="${colour(p.canary.candidate)}" fill-opacity="0.7"/>`,
          ]
        : [],
    ),
  );
  // Panel 3: online conversion per checkpoint, with the time axis.
  const y3 = linearScale(conversion.lo, conversion.hi, p3.top + p3.height, p3.top);
  out.push(
    renderAxes(p3, {
      y: { scale: y3, ticks: conversionTicks, title: conversionTitle, grid: true },
      x: { scale: x, ...timeAxis },
    }).svg,
  );
  const points = timeline
    .filter((p) => p.conversion !== null)
    .map((p) => `${xAt(p.simTime).toFixed(1)},${y3.at(p.conversion!).toFixed(1)}`);
  if (points.length > 1)
    out.push(`<polyline fill="none" stroke="#333" stroke-width="1.5" points="${points.join(' ')}"/>`);
  // Legend.
  versions.forEach((v, i) => {
    const lx = left + (i % 3) * 290;
    const ly = legendTop + Math.floor(i / 3) * 16;
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${colour(v)}"/>`,
      `<text x="${lx + 14}" y="${ly}">${escapeXml(v)}</text>`,
    );
  });
  out.push(doc.close);
  return out.join('\n');
}
