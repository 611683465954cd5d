import cluster from 'node:cluster';

/**
 * The service-process side of metrics under the supervisor (src/cluster.ts,
 * HTTP_WORKERS > 1): a scrape that reaches one process asks the supervisor,
 * which collects every process's registry. Kept in the metrics module, the
 * one user of it in src/modules, so no module imports a root file; the
 * supervisor imports the message types from here.
 */

/** IPC message types between the supervisor and its service processes. */
export const METRICS_REQUEST = 'marquee:metrics-request';
export const METRICS_RESPONSE = 'marquee:metrics-response';

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
