import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LineSink } from '../output/line-sink';
import { WorldOptions } from '../world';
import { AttackModel } from './attack';
import type { SimulationProgress, SimulationStats } from './engine';

/** Everything a worker needs to rebuild the world and run its shard (structured-clone safe). */
export interface ShardJob {
  readonly world: WorldOptions;
  readonly durationMs: number;
  readonly ratingScaleMax: number;
  readonly attack?: {
    readonly model: AttackModel;
    readonly target?: number;
    readonly start: number;
    readonly burstMs: number;
  };
  readonly shard: { readonly index: number; readonly count: number };
}

/** A worker's batch: the lines joined by '\n', where each line ends, and each line's time. */
export interface ShardBatch {
  readonly type: 'batch';
  readonly text: string;
  readonly ends: Int32Array;
  readonly times: Float64Array;
}
export type WorkerMessage =
  | ShardBatch
  | { readonly type: 'done'; readonly stats: SimulationStats }
  | { readonly type: 'error'; readonly message: string };

class ShardStream {
  readonly batches: ShardBatch[] = [];
  done = false;
  error: Error | null = null;
  stats: SimulationStats | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'batch') this.batches.push(message);
      else if (message.type === 'done') {
        this.stats = message.stats;
        this.done = true;
      } else {
        this.error = new Error(message.message);
        this.done = true;
      }
      this.notify();
    });
    worker.on('error', (error) => {
      this.error = error;
      this.done = true;
      this.notify();
    });
    worker.on('exit', (code) => {
      if (!this.done) this.error = new Error(`simulation worker exited with code ${code}`);
      this.done = true;
      this.notify();
    });
  }

  /** Resolves when a batch is available or the shard is finished. */
  async ready(): Promise<void> {
    while (this.batches.length === 0 && !this.done) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.error) throw this.error;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * Runs a world split by user across worker threads (Simulation `shard`) and
 * merges their time-ordered streams into one: ties go to the lower shard, so
 * the same job gives the same bytes. Workers run at most a few batches ahead
 * of the writer (credit-based back-pressure), so memory stays bounded.
 */
export async function runParallelSimulation(
  job: Omit<ShardJob, 'shard'>,
  workers: number,
  sink: LineSink,
  onProgress?: (progress: SimulationProgress) => void,
): Promise<SimulationStats> {
  const streams = Array.from(
    { length: workers },
    (_, index) => new ShardStream(startWorker({ ...job, shard: { index, count: workers } })),
  );
  const start = job.world.start!;
  const cursor = new Int32Array(workers);
  const lineStart = new Int32Array(workers);
  let out: string[] = [];
  let lines = 0;
  let lastReport = 0;
  try {
    for (const s of streams) await s.ready();
    for (;;) {
      let best = -1;
      let bestTime = Infinity;
      for (let w = 0; w < workers; w++) {
        const batch = streams[w].batches[0];
        if (batch && batch.times[cursor[w]] < bestTime) {
          best = w;
          bestTime = batch.times[cursor[w]];
        }
      }
      if (best < 0) break;
      const s = streams[best];
      const batch = s.batches[0];
      const i = cursor[best];
      out.push(batch.text.slice(lineStart[best], batch.ends[i]));
      lineStart[best] = batch.ends[i] + 1;
      cursor[best] = i + 1;
      if (cursor[best] === batch.ends.length) {
        s.batches.shift();
        cursor[best] = 0;
        lineStart[best] = 0;
        s.worker.postMessage('ack');
        // A shard that has run dry must show its next line (or finish) before anything later is written.
        await s.ready();
      }
      if (out.length >= 4096) {
        lines += out.length;
        await sink.write(out);
        out = [];
        const now = Date.now();
        if (onProgress && now - lastReport > 500) {
          lastReport = now;
          onProgress({ simTime: bestTime, fraction: Math.min(1, (bestTime - start) / job.durationMs), lines });
        }
      }
    }
    lines += out.length;
    await sink.write(out);
  } finally {
    await Promise.all(streams.map((s) => s.worker.terminate()));
  }
  onProgress?.({ simTime: start + job.durationMs, fraction: 1, lines });
  const total = { ...streams[0].stats! };
  for (const s of streams.slice(1))
    for (const key of Object.keys(total) as (keyof SimulationStats)[]) total[key] += s.stats![key];
  return total;
}

function startWorker(job: ShardJob): Worker {
  const file = path.join(__dirname, `simulation-worker${path.extname(__filename)}`);
  // From TypeScript sources (npm run simulate, jest) the worker registers the same SWC transpiler.
  return file.endsWith('.ts')
    ? new Worker(`require('@swc-node/register'); require(${JSON.stringify(file)});`, { eval: true, workerData: job })
    : new Worker(file, { workerData: job });
}
