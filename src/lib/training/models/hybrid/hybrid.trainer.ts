import { NewArtifact, itemFeatureNames, userFeatureNames } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { shuffleInPlace } from '../../random';
import { activeUsers, recencyWeights, Trainer, TrainingRun, TrainOptions } from '../../trainer';
import { FeatureMatrix, hybridEpoch, HybridState, represent } from './hybrid.kernel';

export interface HybridParams {
  readonly dim: number;
  readonly epochs: number;
  readonly loss: 'warp' | 'bpr';
  readonly learningRate: number;
  readonly regularization: number;
  readonly maxSampled: number;
  readonly cacheRefresh: number;
  /** Rows with a rating at or below this are not used as positives (explicit dislikes). */
  readonly dislikeRating: number;
  /** Half-life (days) of a positive's gradient weight; 0 = no time decay. */
  readonly halfLifeDays: number;
}

/** Feature vocabulary: identity features first (one per row), then shared features. */
function featureMatrix<T>(
  rows: readonly T[],
  names: (row: T) => string[],
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
  return { matrix: { indptr, features: Int32Array.from(features), count: rows.length + shared.length }, shared };
}

export const hybridTrainer: Trainer<HybridParams> = {
  modelType: 'hybrid',
  defaults: {
    dim: 32,
    epochs: 8,
    loss: 'warp',
    learningRate: 0.05,
    regularization: 1e-6,
    maxSampled: 30,
    cacheRefresh: 20_000,
    dislikeRating: 2,
    halfLifeDays: 0,
  },

  async train(data: InteractionDataset, partial, seed, opts: TrainOptions = {}): Promise<NewArtifact> {
    const run = new TrainingRun('hybrid', this.defaults, partial, seed, opts);
    const { params, rng } = run;
    const nU = data.users.length;
    const nI = data.movies.length;
    const dim = params.dim;
    const users = featureMatrix(data.users, userFeatureNames);
    const items = featureMatrix(data.movies, itemFeatureNames);
    const init = (count: number) => new Float32Array(count * dim).map(() => (rng.next() - 0.5) / dim);
    const state: HybridState = {
      dim,
      userEmb: init(users.matrix.count),
      itemEmb: init(items.matrix.count),
      itemFeatBias: new Float32Array(items.matrix.count),
      userEmbG: new Float32Array(users.matrix.count * dim).fill(1),
      itemEmbG: new Float32Array(items.matrix.count * dim).fill(1),
      itemFeatBiasG: new Float32Array(items.matrix.count).fill(1),
    };
    const keep: number[] = [];
    for (let k = 0; k < data.userIndex.length; k++) {
      const r = data.rating[k];
      if (r > 0 && r <= params.dislikeRating) continue;
      keep.push(k);
    }
    const pairUser = Int32Array.from(keep, (k) => data.userIndex[k]);
    const pairItem = Int32Array.from(keep, (k) => data.itemIndex[k]);
    const recency = recencyWeights(data, params.halfLifeDays, 0.1);
    const pairWeight = Float32Array.from(keep, (k) => recency[k]);
    const order = Int32Array.from({ length: keep.length }, (_, k) => k);
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, rng);
      const loss = hybridEpoch(
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
      run.progress('epoch', epoch, params.epochs, loss);
      await run.checkpoint();
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
        itemBias[i] += state.itemFeatBias[items.matrix.features[a]];
      }
    }
    const userFeatureEmbeddings = state.userEmb.slice(nU * dim);
    return {
      ...run.envelope(data),
      tensors: {
        userRepr: { data: userRepr, shape: [nU, dim] },
        itemRepr: { data: itemRepr, shape: [nI, dim] },
        itemBias: { data: itemBias, shape: [nI] },
        userActive: { data: activeUsers(data), shape: [nU] },
        userFeatureEmbeddings: { data: userFeatureEmbeddings, shape: [users.shared.length, dim] },
      },
      extra: { userFeatures: users.shared, itemFeatures: items.shared },
    };
  },
};
