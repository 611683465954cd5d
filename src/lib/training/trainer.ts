import { NewArtifact } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { codeVersion } from './code-version';
import { createRng, Rng } from './random';

/** One progress report; trainers send one per iteration/epoch. */
export interface TrainingProgress {
  readonly model: string;
  readonly phase: string;
  readonly iteration: number;
  readonly iterations: number;
  readonly seconds: number;
  readonly loss?: number;
}

export interface TrainOptions {
  readonly onProgress?: (progress: TrainingProgress) => void;
  /** Checked between iterations; aborting rejects with TrainingAbortedError. */
  readonly signal?: AbortSignal;
  /** Worker threads for the parallel kernels (default 2; 1 runs in-process). */
  readonly workers?: number;
}

/**
 * Every model family implements this: train(snapshot, params, seed) → artifact.
 * The artifact is written with writeArtifact and read back by loadScorer.
 */
export interface Trainer<P extends object> {
  readonly modelType: string;
  readonly defaults: P;
  train(data: InteractionDataset, params: Partial<P>, seed: number, opts?: TrainOptions): Promise<NewArtifact>;
}

export class TrainingAbortedError extends Error {
  constructor(readonly model: string) {
    super(`training of ${model} was interrupted`);
    this.name = 'TrainingAbortedError';
  }
}

export function throwIfAborted(model: string, signal?: AbortSignal): void {
  if (signal?.aborted) throw new TrainingAbortedError(model);
}

/** Lets timers, signals and I/O run between iterations of a CPU-bound loop. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The bookkeeping every trainer repeats around its numeric loop: its merged
 * parameters, the clock it reports seconds on, progress reports and the
 * abort check between iterations, and the artifact envelope at the end.
 */
export class TrainingRun<P extends object> {
  readonly params: P;
  /** The run's random stream, seeded once; a trainer that draws no numbers never touches it. */
  readonly rng: Rng;
  private readonly started = performance.now();

  constructor(
    readonly model: string,
    defaults: P,
    partial: Partial<P>,
    readonly seed: number,
    private readonly opts: TrainOptions = {},
  ) {
    this.params = mergeParams(defaults, partial);
    this.rng = createRng(seed);
  }

  /** Seconds since the run started. */
  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  progress(phase: string, iteration: number, iterations: number, loss?: number): void {
    const report = { model: this.model, phase, iteration, iterations, seconds: this.seconds() };
    this.opts.onProgress?.(loss === undefined ? report : { ...report, loss });
  }

  throwIfAborted(): void {
    throwIfAborted(this.model, this.opts.signal);
  }

  /** Between iterations: lets timers and signals run, then stops if aborted. */
  async checkpoint(): Promise<void> {
    await yieldToEventLoop();
    this.throwIfAborted();
  }

  /** The envelope of the finished artifact, with the seconds trained so far. */
  envelope(data: InteractionDataset, seconds = this.seconds()): ReturnType<typeof artifactEnvelope> {
    return artifactEnvelope(data, this.model, this.params, this.seed, seconds);
  }
}

/** Default progress sink: one JSON line per report on stderr. */
export function stderrProgress(progress: TrainingProgress): void {
  const loss = progress.loss === undefined ? '' : ` loss=${progress.loss.toPrecision(5)}`;
  process.stderr.write(
    `[train ${progress.model}] ${progress.phase} ${progress.iteration}/${progress.iterations}${loss} t=${progress.seconds.toFixed(1)}s\n`,
  );
}

/** The parts of a NewArtifact every trainer fills the same way. */
export function artifactEnvelope(
  data: InteractionDataset,
  modelType: string,
  params: object,
  seed: number,
  trainingSeconds: number,
): Pick<
  NewArtifact,
  'modelType' | 'params' | 'seed' | 'snapshotId' | 'snapshotHash' | 'codeVersion' | 'trainingSeconds' | 'ids'
> {
  return {
    modelType,
    params: { ...params } as Record<string, unknown>,
    seed,
    snapshotId: data.snapshotId,
    snapshotHash: data.contentHash,
    codeVersion: codeVersion(),
    trainingSeconds,
    ids: { users: data.users.map((u) => u.id), items: data.movies.map((m) => m.id) },
  };
}

export function mergeParams<P extends object>(defaults: P, params: Partial<P>): P {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

const DAY_MS = 86_400_000;

/**
 * Time decay of an interaction's weight: 2^(−age / halfLife), age counted back
 * from the newest interaction in the snapshot (time-weighted CF, Ding & Li
 * 2005). halfLifeDays ≤ 0 disables it (weight 1).
 */
export function recencyWeights(data: InteractionDataset, halfLifeDays: number, floor = 0): Float32Array {
  const n = data.timestamp.length;
  const out = new Float32Array(n).fill(1);
  if (!(halfLifeDays > 0)) return out;
  let newest = -Infinity;
  for (let k = 0; k < n; k++) if (data.timestamp[k] > newest) newest = data.timestamp[k];
  const rate = Math.LN2 / (halfLifeDays * DAY_MS);
  for (let k = 0; k < n; k++) out[k] = floor + (1 - floor) * Math.exp(-rate * (newest - data.timestamp[k]));
  return out;
}

/** 1 for users with at least one training row: the only users a learned model may claim to know. */
export function activeUsers(data: InteractionDataset): Int32Array {
  const active = new Int32Array(data.users.length);
  for (let k = 0; k < data.userIndex.length; k++) active[data.userIndex[k]] = 1;
  return active;
}
