import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry is `<dir>/<baseName>.js` (compiled,
 * dist/) or `<dir>/<baseName>.ts` (tests, `run-ts`). A TypeScript entry gets
 * the same transpiler registered first, so one code path serves both.
 */
export function startWorkerThread(dir: string, baseName: string, options: WorkerOptions = {}): Worker {
  const compiled = path.join(dir, `${baseName}.js`);
  if (__filename.endsWith('.js')) return new Worker(compiled, options);
  const root = path.resolve(__dirname, '../../..');
  const register = require.resolve('@swc-node/register', { paths: [root] });
  const entry = path.join(dir, `${baseName}.ts`);
  const source = [
    `process.env.SWC_NODE_PROJECT ??= ${JSON.stringify(path.join(root, 'tsconfig.json'))};`,
    `require(${JSON.stringify(register)});`,
    `require(${JSON.stringify(entry)});`,
  ].join('\n');
  return new Worker(source, { ...options, eval: true });
}

/**
 * Lowers the CPU priority of the calling thread only (Linux: a thread id is a
 * valid setpriority target, so the rest of the process keeps its priority).
 * Returns false where that is not possible; the thread then simply runs at
 * normal priority.
 */
export function lowerThisThreadPriority(nice: number): boolean {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, nice);
    return true;
    // eslint-disable-next-line no-restricted-syntax -- no /proc/thread-self or no permission: false is the documented answer
  } catch {
    return false;
  }
}
