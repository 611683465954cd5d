import { NewArtifact, itemFeatureNames, userFeatureNames } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { shuffleInPlace } from '../../random';
import { activeUsers, recencyWeights, Trainer, TrainingRun, TrainOptions } from '../../trainer';
import { KernelPool } from '../../parallel/kernel-pool';
import {
  createKernelHandler,
  FeatureMatrix,
  hybridEpoch,
  HybridKernelInit,
  HybridState,
  HybridTask,
  represent,
} from './hybrid.kernel';
import { HybridWasmKernel } from './hybrid-wasm';

export interface HybridParams {
  readonly dim: number;
  /**
   * Passes over the positive pairs; 'auto' = as many as make about
   * `autoSteps` SGD steps (at least 1, at most 60). What WARP needs is a
   * number of sampled updates, not of passes: ML-100k's 82k positives peak
   * near 30 epochs (NDCG@10 0.33 after 2, 0.44 after 30), while the 20k-user
   * simulated world's 800k peak at 4 and lose 13% by 30 (0.192 → 0.166);
   * both optima sit at 2.5–3.2M steps.
   */
  readonly epochs: number | 'auto';
  readonly autoSteps: number;
  readonly loss: 'warp' | 'bpr';
  readonly learningRate: number;
  readonly regularization: number;
  readonly maxSampled: number;
  readonly cacheRefresh: number;
  /** Rows with a rating at or below this are not used as positives (explicit dislikes). */
  readonly dislikeRating: number;
  /** Half-life (days) of a positive's gradient weight; 0 = no time decay. */
  readonly halfLifeDays: number;
  /**
   * Train profile features (age band, gender, occupation) jointly with each
   * user's identity feature, as LightFM does. Off by default: every user's
   * pairs update the few shared profile embeddings, whose Adagrad steps add up
   * like √(all pairs × epochs) against √(one user's pairs × epochs) for an
   * identity embedding, so they come to dominate every representation and the
   * model drifts towards one ranking per demographic group (ML-100k, random
   * 75/25: NDCG@10 0.31 jointly against 0.44 without). Off, new users are still
   * served from their profile: each profile feature's embedding is the mean
   * representation of the trained users who have it (`projectProfileFeatures`).
   */
  readonly userFeatures: boolean;
  /** Use content features (genres, year bucket, language) besides each item's identity feature. */
  readonly itemFeatures: boolean;
  /** Scale each row's feature weights to sum to 1 (LightFM's `normalize=True`). */
  readonly normalizeFeatures: boolean;
  /**
   * 'deterministic' (default): one thread, a seed gives byte-identical weights.
   * 'hogwild': the epoch's shuffled pairs are split across the training
   * workers (TrainOptions.workers), which update shared embeddings without
   * locks, as LightFM's num_threads does; faster, not reproducible bit for bit.
   */
  readonly parallel: 'deterministic' | 'hogwild';
}

/** Feature vocabulary: identity features first (one per row), then shared features. */
function featureMatrix<T>(
  rows: readonly T[],
  names: (row: T) => string[],
  normalize: boolean,
): { matrix: FeatureMatrix; shared: string[] } {
  const vocab = new Map<string, number>();
  const shared: string[] = [];
  const indptr = new Int32Array(rows.length + 1);
  const features: number[] = [];
  rows.forEach((row, r) => {
    features.push(r);
    for (const name of names(row)) {
      let id = vocab.get(name);
      if (id === undefined) {
        id = shared.length;
        vocab.set(name, id);
        shared.push(name);
      }
      features.push(rows.length + id);
    }
    indptr[r + 1] = features.length;
  });
  const weights = new Float32Array(features.length);
  for (let r = 0; r < rows.length; r++) {
    const w = normalize ? 1 / (indptr[r + 1] - indptr[r]) : 1;
    weights.fill(w, indptr[r], indptr[r + 1]);
  }
  return {
    matrix: { indptr, features: Int32Array.from(features), weights, count: rows.length + shared.length },
    shared,
  };
}

/** The number of passes `params.epochs` stands for on `pairs` positive pairs. */
export function hybridEpochs(params: Pick<HybridParams, 'epochs' | 'autoSteps'>, pairs: number): number {
  if (params.epochs !== 'auto') {
    if (!Number.isInteger(params.epochs) || params.epochs < 1) {
      throw new Error(`hybrid: epochs must be a positive integer or 'auto' (got ${String(params.epochs)})`);
    }
    return params.epochs;
  }
  return Math.max(1, Math.min(60, Math.round(params.autoSteps / Math.max(1, pairs))));
}

/**
 * Profile-feature embeddings for new users when profile features were not
 * trained: the mean representation of the active users having each feature
 * (a cold user is then the mean over their features).
 */
export function projectProfileFeatures(
  profile: FeatureMatrix,
  userRepr: Float32Array,
  active: Int32Array,
  dim: number,
): Float32Array {
  const nShared = profile.count - active.length;
  const out = new Float32Array(nShared * dim);
  const count = new Int32Array(nShared);
  for (let u = 0; u < active.length; u++) {
    if (active[u] !== 1) continue;
    for (let a = profile.indptr[u]; a < profile.indptr[u + 1]; a++) {
      const f = profile.features[a] - active.length;
      if (f < 0) continue; // the user's own identity feature
      count[f]++;
      for (let d = 0; d < dim; d++) out[f * dim + d] += userRepr[u * dim + d];
    }
  }
  for (let f = 0; f < nShared; f++) {
    if (count[f] > 0) for (let d = 0; d < dim; d++) out[f * dim + d] /= count[f];
  }
  return out;
}

export const hybridTrainer: Trainer<HybridParams> = {
  modelType: 'hybrid',
  defaults: {
    dim: 32,
    epochs: 'auto',
    autoSteps: 3_000_000,
    loss: 'warp',
    learningRate: 0.05,
    regularization: 1e-6,
    maxSampled: 30,
    cacheRefresh: 20_000,
    dislikeRating: 2,
    halfLifeDays: 0,
    userFeatures: false,
    itemFeatures: true,
    normalizeFeatures: false,
    parallel: 'deterministic',
  },

  async train(data: InteractionDataset, partial, seed, opts: TrainOptions = {}): Promise<NewArtifact> {
    const run = new TrainingRun('hybrid', this.defaults, partial, seed, opts);
    const { params, rng } = run;
    const nU = data.users.length;
    const nI = data.movies.length;
    const dim = params.dim;
    const users = featureMatrix(
      data.users,
      params.userFeatures ? userFeatureNames : () => [],
      params.normalizeFeatures,
    );
    const items = featureMatrix(
      data.movies,
      params.itemFeatures ? itemFeatureNames : () => [],
      params.normalizeFeatures,
    );
    const threads = params.parallel === 'hogwild' ? Math.max(1, opts.workers ?? 2) : 1;
    const shared = threads > 1;
    const f32 = (count: number) =>
      shared ? new Float32Array(new SharedArrayBuffer(count * 4)) : new Float32Array(count);
    const i32 = (count: number) => (shared ? new Int32Array(new SharedArrayBuffer(count * 4)) : new Int32Array(count));
    const init = (a: Float32Array) => {
      for (let k = 0; k < a.length; k++) a[k] = (rng.next() - 0.5) / dim;
      return a;
    };
    // The WebAssembly kernel (same arithmetic, bit for bit) keeps everything in one memory; the arrays are views of it.
    const wasm = HybridWasmKernel.layout(users.matrix, items.matrix, nI, dim, threads);
    const state: HybridState = {
      dim,
      userEmb: init(wasm?.userEmb ?? f32(users.matrix.count * dim)),
      itemEmb: init(wasm?.itemEmb ?? f32(items.matrix.count * dim)),
      itemFeatBias: wasm?.itemFeatBias ?? f32(items.matrix.count),
      userEmbG: (wasm?.userEmbG ?? f32(users.matrix.count * dim)).fill(1),
      itemEmbG: (wasm?.itemEmbG ?? f32(items.matrix.count * dim)).fill(1),
      itemFeatBiasG: (wasm?.itemFeatBiasG ?? f32(items.matrix.count)).fill(1),
    };
    let kept = 0;
    for (let k = 0; k < data.userIndex.length; k++) {
      const r = data.rating[k];
      if (!(r > 0 && r <= params.dislikeRating)) kept++;
    }
    const pairUser = i32(kept);
    const pairItem = i32(kept);
    const pairWeight = f32(kept);
    const recency = params.halfLifeDays > 0 ? recencyWeights(data, params.halfLifeDays, 0.1) : null;
    for (let k = 0, n = 0; k < data.userIndex.length; k++) {
      const r = data.rating[k];
      if (r > 0 && r <= params.dislikeRating) continue;
      pairUser[n] = data.userIndex[k];
      pairItem[n] = data.itemIndex[k];
      pairWeight[n] = recency ? recency[k] : 1;
      n++;
    }
    const order = i32(kept);
    for (let k = 0; k < kept; k++) order[k] = k;
    const epochs = hybridEpochs(params, kept);
    const pool = shared
      ? KernelPool.start<HybridTask, number>(
          require.resolve('./hybrid.kernel'),
          threads,
          {
            state,
            users: users.matrix,
            items: items.matrix,
            pairUser,
            pairItem,
            pairWeight,
            order,
            nItems: nI,
            params,
            wasm: wasm?.layout ?? null,
          } satisfies HybridKernelInit,
          createKernelHandler,
        )
      : null;
    const kernel = !pool && wasm ? new HybridWasmKernel(wasm.layout) : null;
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        shuffleInPlace(order, rng);
        let loss: number;
        if (pool) {
          const tasks = Array.from({ length: threads }, (_, t) => ({
            from: Math.floor((kept * t) / threads),
            to: Math.floor((kept * (t + 1)) / threads),
            seed: rng.uint32(),
          }));
          const violations = await pool.run(tasks);
          loss = violations.reduce((a, b) => a + b, 0) / Math.max(1, kept);
        } else if (kernel) {
          loss = kernel.epoch(pairUser, pairItem, pairWeight, order, rng.next, params);
        } else {
          loss = hybridEpoch(
            state,
            users.matrix,
            items.matrix,
            pairUser,
            pairItem,
            pairWeight,
            order,
            nI,
            rng.next,
            params,
          );
        }
        run.progress('epoch', epoch, epochs, loss);
        await run.checkpoint();
      }
    } finally {
      await pool?.close();
    }

    // Serving artifacts: summed representations, plus shared user-feature embeddings for new users.
    const userRepr = new Float32Array(nU * dim);
    const itemRepr = new Float32Array(nI * dim);
    const itemBias = new Float32Array(nI);
    const row = new Float32Array(dim);
    for (let u = 0; u < nU; u++) {
      represent(users.matrix, state.userEmb, u, dim, row);
      userRepr.set(row, u * dim);
    }
    for (let i = 0; i < nI; i++) {
      represent(items.matrix, state.itemEmb, i, dim, row);
      itemRepr.set(row, i * dim);
      for (let a = items.matrix.indptr[i]; a < items.matrix.indptr[i + 1]; a++) {
        itemBias[i] += items.matrix.weights[a] * state.itemFeatBias[items.matrix.features[a]];
      }
    }
    const active = activeUsers(data);
    const profile = params.userFeatures ? users : featureMatrix(data.users, userFeatureNames, false);
    const userFeatureEmbeddings = params.userFeatures
      ? state.userEmb.slice(nU * dim)
      : projectProfileFeatures(profile.matrix, userRepr, active, dim);
    return {
      ...run.envelope(data),
      tensors: {
        userRepr: { data: userRepr, shape: [nU, dim] },
        itemRepr: { data: itemRepr, shape: [nI, dim] },
        itemBias: { data: itemBias, shape: [nI] },
        userActive: { data: active, shape: [nU] },
        userFeatureEmbeddings: { data: userFeatureEmbeddings, shape: [profile.shared.length, dim] },
      },
      extra: {
        userFeatures: profile.shared,
        itemFeatures: items.shared,
        // How a new user's profile-feature embeddings combine (HybridScorer).
        coldUser: params.userFeatures && !params.normalizeFeatures ? 'sum' : 'mean',
      },
    };
  },
};
