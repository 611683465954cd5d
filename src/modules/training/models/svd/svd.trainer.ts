import { NewArtifact } from '../../../model-artifacts/artifact-format';
import { InteractionDataset } from '../../../datasets/interaction-dataset';
import { createRng, shuffleInPlace } from '../../random';
import {
  activeUsers,
  artifactEnvelope,
  mergeParams,
  recencyWeights,
  throwIfAborted,
  Trainer,
  TrainOptions,
  yieldToEventLoop,
} from '../../trainer';
import { sgdEpoch, SvdModel } from './svd.kernel';

export interface SvdParams {
  readonly factors: number;
  readonly epochs: number;
  readonly learningRate: number;
  /** Per-epoch multiplicative learning-rate decay. */
  readonly learningRateDecay: number;
  readonly regularization: number;
  readonly biasRegularization: number;
  readonly initStd: number;
  /** Items with fewer ratings are not ranked: their predicted rating is mostly noise. */
  readonly minItemRatings: number;
  /**
   * γ in the ranking score b_i + γ·ln(1 + n_i) + p_u·q_i. A rating model
   * estimates how much a user would like a movie *given* they watch it; top-N
   * ranking also needs how likely they are to pick it, for which the log of
   * the item's interaction count n_i is the usual surrogate (cf. Steck 2010 on
   * missing-not-at-random ratings). γ = 0 ranks by predicted rating alone.
   */
  readonly rankingPopularityWeight: number;
  /** Half-life (days) of the interaction counts n_i in the ranking prior; 0 = plain counts. */
  readonly rankingHalfLifeDays: number;
  /** Steck (2010) imputation of missing ratings: value r_m, weight w_m, samples per observed rating (0 = off). */
  readonly imputedRating: number;
  readonly imputedWeight: number;
  readonly imputedPerRating: number;
}

/**
 * Trains on rows with an explicit rating only. The same factors serve rating
 * prediction (RMSE) and ranking (by b_i + p_u·q_i, the user-specific part).
 */
export const svdTrainer: Trainer<SvdParams> = {
  modelType: 'svd',
  defaults: {
    factors: 32,
    epochs: 15,
    learningRate: 0.02,
    learningRateDecay: 0.95,
    regularization: 0.05,
    biasRegularization: 0.01,
    initStd: 0.1,
    minItemRatings: 5,
    rankingPopularityWeight: 1,
    rankingHalfLifeDays: 0,
    imputedRating: 1,
    imputedWeight: 0.5,
    imputedPerRating: 0,
  },

  async train(data: InteractionDataset, partial, seed, opts: TrainOptions = {}): Promise<NewArtifact> {
    const params = mergeParams(this.defaults, partial);
    const started = performance.now();
    const rng = createRng(seed);
    const nU = data.users.length;
    const nI = data.movies.length;
    const f = params.factors;
    let n = 0;
    let sum = 0;
    for (let k = 0; k < data.rating.length; k++) {
      if (data.rating[k] > 0) {
        n++;
        sum += data.rating[k];
      }
    }
    const users = new Int32Array(n);
    const items = new Int32Array(n);
    const ratings = new Float32Array(n);
    const itemRatings = new Int32Array(nI);
    for (let k = 0, at = 0; k < data.rating.length; k++) {
      if (data.rating[k] <= 0) continue;
      users[at] = data.userIndex[k];
      items[at] = data.itemIndex[k];
      ratings[at] = data.rating[k];
      itemRatings[items[at]]++;
      at++;
    }
    const model: SvdModel = {
      factors: f,
      globalMean: n ? sum / n : 0,
      userBias: new Float32Array(nU),
      itemBias: new Float32Array(nI),
      userFactors: new Float32Array(nU * f).map(() => rng.normal() * params.initStd),
      itemFactors: new Float32Array(nI * f).map(() => rng.normal() * params.initStd),
    };
    const order = Int32Array.from({ length: n }, (_, k) => k);
    let learningRate = params.learningRate;
    let trainRmse = NaN;
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, rng);
      trainRmse = sgdEpoch(model, users, items, ratings, order, { ...params, learningRate }, rng.next);
      learningRate *= params.learningRateDecay;
      opts.onProgress?.({
        model: 'svd',
        phase: 'epoch',
        iteration: epoch,
        iterations: params.epochs,
        loss: trainRmse,
        seconds: (performance.now() - started) / 1000,
      });
      await yieldToEventLoop();
      throwIfAborted('svd', opts.signal);
    }
    const itemActive = Int32Array.from(itemRatings, (c) => (c >= params.minItemRatings ? 1 : 0));
    const interactions = new Float64Array(nI);
    const recency = recencyWeights(data, params.rankingHalfLifeDays);
    for (let k = 0; k < data.itemIndex.length; k++) interactions[data.itemIndex[k]] += recency[k];
    const rankingBias = Float32Array.from(
      model.itemBias,
      (b, i) => b + params.rankingPopularityWeight * Math.log1p(interactions[i]),
    );
    return {
      ...artifactEnvelope(data, 'svd', params, seed, (performance.now() - started) / 1000),
      tensors: {
        userFactors: { data: model.userFactors, shape: [nU, f] },
        itemFactors: { data: model.itemFactors, shape: [nI, f] },
        userBias: { data: model.userBias, shape: [nU] },
        itemBias: { data: model.itemBias, shape: [nI] },
        itemActive: { data: itemActive, shape: [nI] },
        userActive: { data: activeUsers(data), shape: [nU] },
        rankingBias: { data: rankingBias, shape: [nI] },
      },
      extra: { globalMean: model.globalMean, predictsRatings: true, trainRmse, ratings: n },
    };
  },
};
