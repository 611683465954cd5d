import cluster, { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { METRICS_REQUEST, METRICS_RESPONSE } from '@modules/metrics';

/** A crash loop backs off up to this long between restarts. */
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The supervisor of HTTP_WORKERS service processes sharing one port
 * (node:cluster). One Node event loop saturates one core; these use the
 * others. Each process is a full replica, exactly like a second pod, so
 * everything replica-safe (consumer groups, the one-running-retraining lock,
 * the audit chain's serialised appends) stays correct. The supervisor:
 *   - restarts a process that dies (with back-off), so capacity comes back;
 *   - forwards SIGHUP (model reload) and SIGTERM/SIGINT (drain) to every
 *     process and exits when the last one has drained;
 *   - answers /metrics for the whole set: the process that receives a scrape
 *     asks here, and prom-client's aggregator collects every process's
 *     registry (each labelled with its worker number, so no series merges).
 */
export function runSupervisor(workers: number, logger: Logger): void {
  let stopping = false;
  let restarts = 0;
  const aggregator = new AggregatorRegistry();
  // Run from TypeScript source (scripts/run-ts.js): the children need the same loader.
  if (process.argv[1]?.endsWith('.ts')) {
    cluster.setupPrimary({ execArgv: [...process.execArgv, '--require', '@swc-node/register'] });
  }
  /** Worker id → its slot (1..workers): a restarted process takes over its predecessor's number. */
  const slots = new Map<number, number>();

  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ MARQUEE_WORKER: String(slot) });
    slots.set(worker.id, slot);
    return worker;
  };
  for (let slot = 1; slot <= workers; slot++) fork(slot);

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.get(worker.id) ?? 1;
    slots.delete(worker.id);
    if (stopping) {
      if (slots.size === 0) {
        logger.info('every service process has drained; supervisor exiting');
        process.exit(0);
      }
      return;
    }
    restarts++;
    const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** Math.min(restarts, 7));
    logger.error(
      { pid: worker.process.pid, slot, code, signal, restartInMs: delay },
      'service process died; restarting it',
    );
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, delay).unref();
  });

  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
      (error: Error) => worker.send({ type: METRICS_RESPONSE, id: message.id, error: error.message }),
    );
  });

  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'supervisor: draining every service process');
    if (slots.size === 0) process.exit(0);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ workers }, 'supervisor started service processes');
}
