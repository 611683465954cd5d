/**
 * Biased matrix factorisation of explicit ratings trained by SGD — the
 * "Funk SVD" of the Netflix Prize as formulated by Koren, Bell & Volinsky
 * (2009), eq. 5: r̂_ui = μ + b_u + b_i + p_u·q_i, minimising squared error
 * with L2 regularisation, one rating at a time in a shuffled order.
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
}

/** One SGD pass over the ratings in `order`; returns the training RMSE seen during the pass. */
export function sgdEpoch(
  model: SvdModel,
  users: Int32Array,
  items: Int32Array,
  ratings: Float32Array,
  order: Int32Array,
  p: SvdEpochParams,
): number {
  const f = model.factors;
  const { userBias: bu, itemBias: bi, userFactors: P, itemFactors: Q } = model;
  const mu = model.globalMean;
  const lr = p.learningRate;
  const reg = p.regularization;
  const regB = p.biasRegularization;
  let sq = 0;
  for (let n = 0; n < order.length; n++) {
    const k = order[n];
    const u = users[k];
    const i = items[k];
    const pu = u * f;
    const qi = i * f;
    let dot = 0;
    for (let a = 0; a < f; a++) dot += P[pu + a] * Q[qi + a];
    const e = ratings[k] - (mu + bu[u] + bi[i] + dot);
    sq += e * e;
    bu[u] += lr * (e - regB * bu[u]);
    bi[i] += lr * (e - regB * bi[i]);
    for (let a = 0; a < f; a++) {
      const pa = P[pu + a];
      const qa = Q[qi + a];
      P[pu + a] = pa + lr * (e * qa - reg * pa);
      Q[qi + a] = qa + lr * (e * pa - reg * qa);
    }
  }
  return Math.sqrt(sq / Math.max(1, order.length));
}
