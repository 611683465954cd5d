import { NewArtifact } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { shuffleInPlace } from '../../random';
import { activeUsers, recencyWeights, Trainer, TrainingRun, TrainOptions } from '../../trainer';
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
   * γ in the ranking score d_i + γ·ln(1 + n_i) + p_u·q_i (d_i: the learned
   * choice bias; b_i, the rating bias, when the choice term is off). A rating
   * model estimates how much a user would like a movie *given* they watch it;
   * top-N ranking also needs how likely they are to pick it. The choice term
   * learns that from sampled unobserved movies; without it, the log of the
   * item's interaction count n_i is the usual surrogate (γ = 1 then).
   */
  readonly rankingPopularityWeight: number;
  /** Half-life (days) of the interaction counts n_i in the ranking prior; 0 = plain counts. */
  readonly rankingHalfLifeDays: number;
  /** Steck (2010) imputation of missing ratings: value r_m, weight w_m, samples per observed rating (0 = off). */
  readonly imputedRating: number;
  readonly imputedWeight: number;
  readonly imputedPerRating: number;
  /**
   * Choice term (see svd.kernel.ts): BPR steps per interaction, each against
   * one uniformly sampled unobserved movie (0 = ratings only, the plain Funk
   * model), and their learning-rate weight relative to the rating steps.
   */
  readonly implicitPerInteraction: number;
  readonly implicitWeight: number;
}

/**
 * Fits the ratings (rows with an explicit rating) and, through the choice
 * term, which movies users watched at all (every row) against sampled
 * unobserved movies. The same factors serve rating prediction
 * (μ + b_u + b_i + p_u·q_i, RMSE) and ranking (d_i + p_u·q_i).
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
    rankingPopularityWeight: 0,
    rankingHalfLifeDays: 0,
    imputedRating: 1,
    imputedWeight: 0.5,
    imputedPerRating: 0,
    implicitPerInteraction: 2,
    implicitWeight: 5,
  },

  async train(data: InteractionDataset, partial, seed, opts: TrainOptions = {}): Promise<NewArtifact> {
    const run = new TrainingRun('svd', this.defaults, partial, seed, opts);
    const { params, rng } = run;
    const nU = data.users.length;
    const nI = data.movies.length;
    const f = params.factors;
    const rows = data.userIndex.length;
    let n = 0;
    let sum = 0;
    const itemRatings = new Int32Array(nI);
    for (let k = 0; k < rows; k++) {
      if (data.rating[k] > 0) {
        n++;
        sum += data.rating[k];
        itemRatings[data.itemIndex[k]]++;
      }
    }
    const choice = params.implicitPerInteraction > 0;
    // Without the choice term only rated rows are visited (the plain rating model).
    const visited = choice ? rows : n;
    const users = new Int32Array(visited);
    const items = new Int32Array(visited);
    const ratings = new Float32Array(visited);
    for (let k = 0, at = 0; k < rows; k++) {
      if (!choice && data.rating[k] <= 0) continue;
      users[at] = data.userIndex[k];
      items[at] = data.itemIndex[k];
      ratings[at] = data.rating[k] > 0 ? data.rating[k] : 0;
      at++;
    }
    const model: SvdModel = {
      factors: f,
      globalMean: n ? sum / n : 0,
      userBias: new Float32Array(nU),
      itemBias: new Float32Array(nI),
      choiceBias: new Float32Array(nI),
      userFactors: new Float32Array(nU * f).map(() => rng.normal() * params.initStd),
      itemFactors: new Float32Array(nI * f).map(() => rng.normal() * params.initStd),
    };
    const order = Int32Array.from({ length: visited }, (_, k) => k);
    let learningRate = params.learningRate;
    let trainRmse = NaN;
    let choiceLoss = NaN;
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, rng);
      ({ rmse: trainRmse, choiceLoss } = sgdEpoch(
        model,
        users,
        items,
        ratings,
        order,
        { ...params, learningRate },
        rng.next,
      ));
      learningRate *= params.learningRateDecay;
      run.progress('epoch', epoch, params.epochs, trainRmse);
      await run.checkpoint();
    }
    const itemActive = Int32Array.from(itemRatings, (c) => (c >= params.minItemRatings ? 1 : 0));
    const rankingItemTerm = choice ? model.choiceBias : model.itemBias;
    const interactions = new Float64Array(nI);
    const recency = recencyWeights(data, params.rankingHalfLifeDays);
    for (let k = 0; k < data.itemIndex.length; k++) interactions[data.itemIndex[k]] += recency[k];
    const rankingBias = Float32Array.from(
      rankingItemTerm,
      (b, i) => b + params.rankingPopularityWeight * Math.log1p(interactions[i]),
    );
    return {
      ...run.envelope(data),
      tensors: {
        userFactors: { data: model.userFactors, shape: [nU, f] },
        itemFactors: { data: model.itemFactors, shape: [nI, f] },
        userBias: { data: model.userBias, shape: [nU] },
        itemBias: { data: model.itemBias, shape: [nI] },
        itemActive: { data: itemActive, shape: [nI] },
        userActive: { data: activeUsers(data), shape: [nU] },
        rankingBias: { data: rankingBias, shape: [nI] },
      },
      extra: {
        globalMean: model.globalMean,
        predictsRatings: true,
        trainRmse,
        choiceLoss: choice ? choiceLoss : null,
        ratings: n,
        interactions: rows,
      },
    };
  },
};
