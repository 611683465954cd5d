import { Worker } from 'node:worker_threads';

/**
 * A kernel module exports `createKernelHandler(init)` returning a function that
 * executes one task. The same handler runs in-process (size 1, tests) or in
 * worker threads, so both paths share one implementation. Large inputs are
 * passed as typed arrays over SharedArrayBuffers: workers read and write them
 * in place, nothing is copied.
 */
export type KernelHandler<Task, Result> = (task: Task) => Result;

/**
 * Worker bootstrap. Under TypeScript sources (CLIs and benchmarks through
 * run-ts, jest) the kernel is transpiled by @swc/core alone: @swc-node/register
 * would load the TypeScript compiler into every thread (~25 MB of RSS each),
 * and kernels import nothing but relative modules. Compiled code (dist/) needs
 * neither.
 */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.swc) {
  const swc = require(workerData.swc);
  const fs = require('node:fs');
  process.setSourceMapsEnabled(true);
  require.extensions['.ts'] = (module, filename) => {
    const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
      filename,
      sourceMaps: 'inline',
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    module._compile(code, filename);
  };
}
const handler = require(workerData.module).createKernelHandler(workerData.init);
parentPort.on('message', (message) => {
  try {
    parentPort.postMessage({ id: message.id, result: handler(message.task) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.stack) || error) });
  }
});
`;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class KernelPool<Task, Result> {
  private constructor(
    private readonly inline: KernelHandler<Task, Result> | null,
    private readonly workers: Worker[],
  ) {}

  get size(): number {
    return this.inline ? 1 : this.workers.length;
  }

  /**
   * @param modulePath absolute path of the kernel module (its __filename)
   * @param size number of worker threads; 1 runs the handler on this thread
   */
  static start<Task, Result>(
    modulePath: string,
    size: number,
    init: unknown,
    inlineFactory: (init: never) => KernelHandler<Task, Result>,
  ): KernelPool<Task, Result> {
    if (size <= 1) return new KernelPool<Task, Result>(inlineFactory(init as never), []);
    const workers: Worker[] = [];
    for (let w = 0; w < size; w++) {
      workers.push(
        new Worker(BOOTSTRAP, {
          eval: true,
          workerData: {
            module: modulePath,
            init,
            swc: modulePath.endsWith('.ts') ? require.resolve('@swc/core') : null,
          },
        }),
      );
    }
    return new KernelPool<Task, Result>(null, workers);
  }

  /**
   * Runs every task and returns results in task order. Tasks are handed out
   * dynamically (next free worker), which balances load when the CPU is shared;
   * results do not depend on which worker ran a task.
   */
  async run(tasks: readonly Task[]): Promise<Result[]> {
    const results: Result[] = new Array(tasks.length);
    if (this.inline) {
      for (let t = 0; t < tasks.length; t++) results[t] = this.inline(tasks[t]);
      return results;
    }
    let next = 0;
    const drive = async (worker: Worker): Promise<void> => {
      while (next < tasks.length) {
        const t = next++;
        results[t] = (await this.call(worker, t, tasks[t])) as Result;
      }
    };
    await Promise.all(this.workers.map(drive));
    return results;
  }

  private call(worker: Worker, id: number, task: Task): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      const onMessage = (message: { id: number; result?: unknown; error?: string }) => {
        if (message.id !== id) return;
        cleanup();
        if (message.error) pending.reject(new Error(`kernel worker failed: ${message.error}`));
        else pending.resolve(message.result);
      };
      const onError = (error: Error) => {
        cleanup();
        pending.reject(error);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Splits [0, rows) into about `parts` contiguous ranges of similar cost (cost = rows + nnz). */
export function balancedRanges(indptr: Int32Array, rows: number, parts: number, rowCost = 1): [number, number][] {
  const total = indptr[rows] + rows * rowCost;
  const ranges: [number, number][] = [];
  let start = 0;
  for (let p = 1; p <= parts && start < rows; p++) {
    const target = (total * p) / parts;
    let end = start + 1;
    while (end < rows && indptr[end] + end * rowCost < target) end++;
    if (p === parts) end = rows;
    ranges.push([start, end]);
    start = end;
  }
  if (start < rows) ranges.push([start, rows]);
  return ranges;
}
