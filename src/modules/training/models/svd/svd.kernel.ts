/**
 * Biased matrix factorisation of explicit ratings trained by SGD — the
 * "Funk SVD" of the Netflix Prize as formulated by Koren, Bell & Volinsky
 * (2009), eq. 5: r̂_ui = μ + b_u + b_i + p_u·q_i, minimising squared error
 * with L2 regularisation, one rating at a time in a shuffled order.
 *
 * Ratings are missing not at random: users rate what they chose to watch, so
 * observed ratings say little about the movies they skipped, and a model fit
 * to them alone ranks poorly (Cremonesi et al. 2010). Following Steck (2010,
 * "Training and testing of recommender systems on data missing not at
 * random"), each observed rating is followed by `imputedPerRating` updates on
 * random (user, movie) pairs towards a low imputed rating r_m with a small
 * weight w_m. RMSE is still measured on observed ratings only.
 */
export interface SvdModel {
  readonly factors: number;
  readonly globalMean: number;
  readonly userBias: Float32Array;
  readonly itemBias: Float32Array;
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
}

export interface SvdEpochParams {
  readonly learningRate: number;
  readonly regularization: number;
  readonly biasRegularization: number;
  readonly imputedRating: number;
  readonly imputedWeight: number;
  readonly imputedPerRating: number;
}

/** One SGD pass over the ratings in `order`; returns the training RMSE seen during the pass. */
export function sgdEpoch(
  model: SvdModel,
  users: Int32Array,
  items: Int32Array,
  ratings: Float32Array,
  order: Int32Array,
  p: SvdEpochParams,
  random: () => number,
): number {
  const bi = model.itemBias;
  const lr = p.learningRate;
  const reg = p.regularization;
  const regB = p.biasRegularization;
  let sq = 0;
  const nItems = bi.length;
  for (let n = 0; n < order.length; n++) {
    const k = order[n];
    const u = users[k];
    const e = step(model, u, items[k], ratings[k], lr, reg, regB);
    sq += e * e;
    for (let m = 0; m < p.imputedPerRating; m++) {
      step(model, u, Math.floor(random() * nItems), p.imputedRating, lr * p.imputedWeight, reg, regB);
    }
  }
  return Math.sqrt(sq / Math.max(1, order.length));
}

/** One SGD step on (u, i, r) with learning rate lr; returns the error before the step. */
function step(model: SvdModel, u: number, i: number, r: number, lr: number, reg: number, regB: number): number {
  const f = model.factors;
  const { userBias: bu, itemBias: bi, userFactors: P, itemFactors: Q } = model;
  const pu = u * f;
  const qi = i * f;
  let dot = 0;
  for (let a = 0; a < f; a++) dot += P[pu + a] * Q[qi + a];
  const e = r - (model.globalMean + bu[u] + bi[i] + dot);
  bu[u] += lr * (e - regB * bu[u]);
  bi[i] += lr * (e - regB * bi[i]);
  for (let a = 0; a < f; a++) {
    const pa = P[pu + a];
    const qa = Q[qi + a];
    P[pu + a] = pa + lr * (e * qa - reg * pa);
    Q[qi + a] = qa + lr * (e * pa - reg * qa);
  }
  return e;
}
