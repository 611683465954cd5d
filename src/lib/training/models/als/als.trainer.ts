import { NewArtifact } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { allocFloat32, buildCsr, Csr, transposeCsr } from '../../csr';
import { balancedRanges, KernelPool } from '../../parallel/kernel-pool';
import { activeUsers, recencyWeights, Trainer, TrainingRun, TrainOptions } from '../../trainer';
import { AlsWasmSolver } from './als-wasm';
import { AlsKernelInit, AlsResult, AlsSide, AlsTask, createKernelHandler, partialGram } from './als.kernel';

export interface AlsParams {
  readonly factors: number;
  readonly iterations: number;
  readonly regularization: number;
  /** Confidence scale α in c = 1 + α·f (HKV 2008 use α = 40 with raw counts). */
  readonly alpha: number;
  /** Minutes are squashed with log(1 + minutes / minutesScale) (HKV's log-scaling variant). */
  readonly minutesScale: number;
  /** Weight of a rating r (1…max) in f: ratingWeight · r / max. */
  readonly ratingWeight: number;
  readonly cgSteps: number;
  /** Half-life (days) of an interaction's confidence; 0 = no time decay. */
  readonly halfLifeDays: number;
  /** Share of the confidence an old interaction keeps however old it is. */
  readonly decayFloor: number;
}

/** Preference strength f(minutes, rating) ≥ 0 of one interaction row. */
export function interactionStrength(minutes: number, rating: number, ratingMax: number, p: AlsParams): number {
  return Math.log1p(minutes / p.minutesScale) + (rating > 0 ? (p.ratingWeight * rating) / ratingMax : 0);
}

/**
 * The user × item confidence matrix ALS trains on: c = 1 + α · recency · f(minutes, rating).
 * bench:train exports it to its peer (implicit), so both train on the same values.
 */
export function confidenceCsr(
  data: InteractionDataset,
  params: AlsParams,
  opts: { shared?: boolean; compactColumns?: boolean } = {},
): Csr {
  const ratingMax = data.ratingScaleMax;
  // Without decay every weight is 1: no array of them (4 bytes per interaction) is made.
  const recency = params.halfLifeDays > 0 ? recencyWeights(data, params.halfLifeDays, params.decayFloor) : null;
  return buildCsr(
    data.users.length,
    data.movies.length,
    data.userIndex,
    data.itemIndex,
    (k) =>
      1 +
      params.alpha *
        (recency ? recency[k] : 1) *
        interactionStrength(data.watchMinutes[k], data.rating[k], ratingMax, params),
    opts,
  );
}

/** About how many stored entries one solve task covers at most (see `chunks` in train). */
const TASK_ENTRIES = 2 ** 19;

export const alsTrainer: Trainer<AlsParams> = {
  modelType: 'als',
  defaults: {
    factors: 32,
    iterations: 12,
    regularization: 20,
    alpha: 1.5,
    minutesScale: 10,
    ratingWeight: 1,
    cgSteps: 3,
    halfLifeDays: 0,
    decayFloor: 0.1,
  },

  async train(data: InteractionDataset, partial, seed, opts: TrainOptions = {}): Promise<NewArtifact> {
    const run = new TrainingRun('als', this.defaults, partial, seed, opts);
    const params = run.params;
    const workers = opts.workers ?? 2;
    const shared = workers > 1;
    const nU = data.users.length;
    const nI = data.movies.length;
    const f = params.factors;

    // Item indices in 16 bits when the catalog allows (27k movies: −63 MB at 31.5M interactions); the
    // kernel widens a task's chunk as it copies it in. The transpose is built from it into preallocated arrays.
    let userItems: Csr | null = confidenceCsr(data, params, { shared, compactColumns: true });
    let itemUsers: Csr | null = transposeCsr(userItems, shared);
    run.progress('csr', 0, params.iterations);
    run.throwIfAborted();
    // What the artifact needs from the CSRs, taken now so they can be let go before the factors are copied out.
    const itemActive = new Int32Array(nI);
    for (let i = 0; i < nI; i++) itemActive[i] = itemUsers.indptr[i + 1] > itemUsers.indptr[i] ? 1 : 0;
    let meanConfidence = 0;
    for (let k = 0; k < userItems.values.length; k++) meanConfidence += userItems.values[k];
    meanConfidence /= Math.max(1, userItems.values.length);

    // At least 8 tasks per worker, and tasks of at most about 2^19 stored entries: each thread copies its
    // task's chunk into its own region of the WebAssembly memory, and that region is sized for the largest
    // chunk (≈ 4 MB instead of 18 MB per thread at 31.5M interactions). A row's solve does not depend on
    // the chunk it is in, so neither do the factors.
    const chunks = Math.max(1, workers * 8, Math.ceil(userItems.values.length / TASK_ENTRIES));
    const userRanges = balancedRanges(userItems.indptr, nU, chunks, 2 * f);
    const itemRanges = balancedRanges(itemUsers.indptr, nI, chunks, 2 * f);
    let maxRows = 1;
    let maxNnz = 1;
    for (const [ranges, csr] of [
      [userRanges, userItems],
      [itemRanges, itemUsers],
    ] as const) {
      for (const [start, end] of ranges) {
        maxRows = Math.max(maxRows, end - start);
        maxNnz = Math.max(maxNnz, csr.indptr[end] - csr.indptr[start]);
      }
    }
    // Both factor matrices in one shared WebAssembly memory when the SIMD kernel applies (als-wasm.ts).
    const wasm = AlsWasmSolver.layout(nU, nI, f, Math.max(1, workers), maxRows, maxNnz);
    const userFactors = wasm?.userFactors ?? allocFloat32(nU * f, shared);
    const itemFactors = wasm?.itemFactors ?? allocFloat32(nI * f, shared);
    // Small random init (as implicit does); users are solved first, so only Y matters.
    const { rng } = run;
    for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = rng.normal() * 0.01;
    for (let k = 0; k < userFactors.length; k++) userFactors[k] = rng.normal() * 0.01;

    const init: AlsKernelInit = {
      userItems,
      itemUsers,
      userFactors,
      itemFactors,
      factors: f,
      cgSteps: params.cgSteps,
      wasm: wasm?.layout ?? null,
    };
    const pool = KernelPool.start<AlsTask, AlsResult>(
      require.resolve('./als.kernel'),
      workers,
      init,
      createKernelHandler,
    );
    // YᵀY is summed over a fixed number of parts, whatever the worker count, so
    // its rounding (and hence every factor) does not depend on the worker split.
    const GRAM_PARTS = 16;
    const plainRanges = (rows: number): [number, number][] =>
      Array.from({ length: GRAM_PARTS }, (_, c) => [
        Math.floor((rows * c) / GRAM_PARTS),
        Math.floor((rows * (c + 1)) / GRAM_PARTS),
      ]);

    let halfIteration = 0;
    const halfStep = async (side: AlsSide) => {
      halfIteration++;
      const fixedRows = side === 'users' ? nI : nU;
      const partials = (await pool.run(
        plainRanges(fixedRows).map(([start, end]) => ({ kind: 'gram' as const, side, start, end, halfIteration })),
      )) as Float64Array[];
      const gram = new Float64Array(f * f);
      for (const g of partials) for (let k = 0; k < gram.length; k++) gram[k] += g[k];
      for (let a = 0; a < f; a++) gram[a * f + a] += params.regularization;
      const ranges = side === 'users' ? userRanges : itemRanges;
      await pool.run(ranges.map(([start, end]) => ({ kind: 'solve' as const, side, start, end, halfIteration, gram })));
    };

    const iterationSeconds: number[] = [];
    try {
      for (let it = 1; it <= params.iterations; it++) {
        const t0 = performance.now();
        await halfStep('users');
        await run.checkpoint();
        await halfStep('items');
        iterationSeconds.push((performance.now() - t0) / 1000);
        run.progress('iteration', it, params.iterations);
        await run.checkpoint();
      }
    } finally {
      await pool.close();
    }
    // The CSRs (≈ 0.5 GB at 32M interactions) go before the factors are copied out.
    userItems = itemUsers = null;
    (init as { userItems: Csr | null }).userItems = null;
    (init as { itemUsers: Csr | null }).itemUsers = null;

    const itemGram = Float32Array.from(partialGram(itemFactors, f, 0, nI));
    return {
      ...run.envelope(data),
      tensors: {
        // The factors as trained, not copied (a copy was 256 MB at 1M users × 64): views of the run's shared
        // (WebAssembly) memory, which nothing writes once the workers are gone; writeArtifact streams them.
        userFactors: { data: userFactors, shape: [nU, f] },
        itemFactors: { data: itemFactors, shape: [nI, f] },
        itemActive: { data: itemActive, shape: [nI] },
        userActive: { data: activeUsers(data), shape: [nU] },
        itemGram: { data: itemGram, shape: [f, f] },
      },
      extra: {
        regularization: params.regularization,
        foldInConfidence: meanConfidence,
        iterationSeconds,
      },
    };
  },
};
