import { parentPort, workerData } from 'node:worker_threads';
import type { LineSink } from '../output/line-sink';
import { createWorld } from '../world';
import { planAttack } from './attack';
import { Simulation } from './engine';
import type { ShardJob, WorkerMessage } from './parallel-simulation';

/** Worker thread: rebuilds the world from its seed, simulates one shard of users, streams batches to the parent. */
const MAX_IN_FLIGHT = 4;

async function main(job: ShardJob): Promise<void> {
  const port = parentPort!;
  let inFlight = 0;
  let release: (() => void) | null = null;
  port.on('message', () => {
    inFlight--;
    const r = release;
    release = null;
    r?.();
  });
  const sink: LineSink = {
    async write(lines, times) {
      if (lines.length === 0) return;
      const ends = new Int32Array(lines.length);
      let offset = -1;
      for (let i = 0; i < lines.length; i++) {
        offset += lines[i].length + 1;
        ends[i] = offset;
      }
      const message: WorkerMessage = { type: 'batch', text: lines.join('\n'), ends, times: Float64Array.from(times!) };
      inFlight++;
      port.postMessage(message, [ends.buffer as ArrayBuffer, message.times.buffer as ArrayBuffer]);
      while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (release = resolve));
    },
    async close() {},
  };
  const world = createWorld(job.world);
  const attack = job.attack ? planAttack(world, job.attack) : undefined;
  const stats = await new Simulation(world, sink, {
    durationMs: job.durationMs,
    ratingScaleMax: job.ratingScaleMax,
    attack,
    shard: job.shard,
    batchLines: 8192,
  }).run();
  port.postMessage({ type: 'done', stats } satisfies WorkerMessage);
}

main(workerData as ShardJob).catch((error: unknown) => {
  parentPort!.postMessage({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  } satisfies WorkerMessage);
});
