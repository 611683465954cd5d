/**
 * A constant-arrival-rate HTTP load generator (what wrk2 and k6's
 * constant-arrival-rate executor do; neither is installable here).
 *
 * Why not autocannon's `overallRate`: it lets each connection send as fast as
 * it can until its share of the second is used up, then pauses until the next
 * one-second tick, so "1,000/s" arrives as a burst at the top of every second
 * and the latencies measure how fast a burst of 64 drains. Here request i is
 * due at t0 + i/rate whatever happened before (open loop), and its latency is
 * measured from when it was due, not from when a free connection sent it, so
 * a stall is charged to every request it delayed (no coordinated omission).
 */
import * as http from 'node:http';

export interface OpenLoopResult {
  readonly requests: number;
  readonly completed: number;
  readonly throughputPerSecond: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
  /** Requests that were due but still waiting for a connection when the run ended. */
  readonly neverSent: number;
}

export interface OpenLoopOptions {
  readonly host: string;
  readonly port: number;
  readonly rate: number;
  readonly durationSeconds: number;
  /** Keep-alive connections (requests beyond them queue on the client and are charged their wait). */
  readonly connections: number;
  readonly path: () => string;
  readonly timeoutMs?: number;
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.round(options.rate * options.durationSeconds);
  const intervalMs = 1000 / options.rate;
  const latencies: number[] = [];
  let sent = 0;
  let finished = 0;
  let errors = 0;
  let non2xx = 0;
  let timeouts = 0;
  let done!: () => void;
  const allDone = new Promise<void>((resolve) => (done = resolve));
  const start = performance.now();

  const settle = (): void => {
    finished++;
    if (finished === total) done();
  };
  const fire = (due: number): void => {
    const request = http.get(
      { agent, host: options.host, port: options.port, path: options.path(), timeout: options.timeoutMs ?? 10_000 },
      (response) => {
        response.resume();
        response.on('end', () => {
          latencies.push(performance.now() - due);
          if ((response.statusCode ?? 0) < 200 || (response.statusCode ?? 0) >= 300) non2xx++;
          settle();
        });
      },
    );
    request.on('timeout', () => {
      timeouts++;
      request.destroy(new Error('timeout'));
    });
    request.on('error', () => {
      errors++;
      settle();
    });
  };
  const tick = (): void => {
    const dueNow = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < dueNow) fire(start + sent++ * intervalMs);
    if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, intervalMs / 2)));
  };
  tick();
  // Wait for the last responses, but not forever: a wedged server shows as timeouts.
  const grace = new Promise<void>((resolve) =>
    setTimeout(resolve, options.durationSeconds * 1000 + (options.timeoutMs ?? 10_000) + 2_000).unref(),
  );
  await Promise.race([allDone, grace]);
  const elapsedSeconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies.length
      ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10
      : NaN;
  return {
    requests: sent,
    completed: latencies.length,
    throughputPerSecond: Math.round(latencies.length / Math.max(options.durationSeconds, elapsedSeconds)),
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) },
    errors,
    non2xx,
    timeouts,
    neverSent: total - sent,
  };
}
