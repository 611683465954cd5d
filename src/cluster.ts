import cluster, { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';

/** IPC message types between the supervisor and its service processes. */
export const METRICS_REQUEST = 'marquee:metrics-request';
export const METRICS_RESPONSE = 'marquee:metrics-response';
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

/** This process's worker number under the supervisor, or null when it runs alone. */
export function workerNumber(): string | null {
  if (!cluster.isWorker) return null;
  // Set by runSupervisor for its own children: process plumbing, not operator configuration.
  // eslint-disable-next-line no-restricted-properties
  return process.env.MARQUEE_WORKER ?? String(cluster.worker?.id ?? '');
}

let nextRequest = 0;
const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let listening = false;

/** Metrics of every service process, through the supervisor (call only in a worker). */
export function clusterMetrics(timeoutMs = 5_000): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: { type?: string; id?: number; text?: string; error?: string }) => {
      if (message?.type !== METRICS_RESPONSE || message.id === undefined) return;
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (!waiter) return;
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.text ?? '');
    });
  }
  const id = nextRequest++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the supervisor did not answer the metrics request'));
    }, timeoutMs);
    pending.set(id, {
      resolve: (text) => {
        clearTimeout(timer);
        resolve(text);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    process.send?.({ type: METRICS_REQUEST, id });
  });
}
