import { createRng } from '../../random';
import { HybridWasmKernel, HybridWasmLayout } from './hybrid-wasm';

/**
 * LightFM-style hybrid factorisation (Kula 2015) trained with WARP (Weston,
 * Bengio & Usunier 2011) or BPR (Rendle et al. 2009) by SGD with Adagrad.
 * A user (item) representation is the sum of the embeddings of its features;
 * the score is ⟨user, item⟩ + Σ item-feature biases.
 */
export interface FeatureMatrix {
  /** Row → feature ids (CSR). */
  readonly indptr: Int32Array;
  readonly features: Int32Array;
  /**
   * Weight of each entry of `features`. LightFM normalises a row's weights to
   * sum to 1 (`Dataset.build_*_features(normalize=True)`), so a user with
   * three profile features is not three times as loud as one with none.
   */
  readonly weights: Float32Array;
  readonly count: number;
}

export interface HybridState {
  readonly dim: number;
  readonly userEmb: Float32Array;
  readonly itemEmb: Float32Array;
  readonly itemFeatBias: Float32Array;
  readonly userEmbG: Float32Array;
  readonly itemEmbG: Float32Array;
  readonly itemFeatBiasG: Float32Array;
}

export interface HybridEpochParams {
  readonly loss: 'warp' | 'bpr';
  readonly learningRate: number;
  readonly regularization: number;
  readonly maxSampled: number;
  /**
   * Negatives are screened against item representations cached for this many
   * steps (refreshed in place), so a WARP trial costs one dot product instead
   * of re-summing the item's features; gradients always use fresh embeddings.
   */
  readonly cacheRefresh: number;
}

/** What every thread of a multi-threaded (Hogwild) run shares; arrays over SharedArrayBuffers. */
export interface HybridKernelInit {
  readonly state: HybridState;
  readonly users: FeatureMatrix;
  readonly items: FeatureMatrix;
  readonly pairUser: Int32Array;
  readonly pairItem: Int32Array;
  readonly pairWeight: Float32Array;
  readonly order: Int32Array;
  readonly nItems: number;
  readonly params: HybridEpochParams;
  /** The run's WebAssembly memory (hybrid-wasm.ts; `state` and the matrices are views of it), or null. */
  readonly wasm: HybridWasmLayout | null;
}

/** One thread's share of an epoch: positions [from, to) of `order`, with a random stream of its own. */
export interface HybridTask {
  readonly from: number;
  readonly to: number;
  readonly seed: number;
}

/**
 * The worker side of the multi-threaded mode: each thread runs the same SGD
 * loop on its slice of the shuffled pairs, updating the shared embeddings
 * without locks (Hogwild, Recht et al. 2011; LightFM's num_threads does the
 * same). Updates from the two threads interleave as the scheduler decides, so
 * that mode is not reproducible bit for bit. Returns the slice's violations.
 */
export function createKernelHandler(init: HybridKernelInit): (task: HybridTask) => number {
  const kernel = init.wasm ? new HybridWasmKernel(init.wasm) : null;
  return (task) => {
    const random = createRng(task.seed).next;
    const order = init.order.subarray(task.from, task.to);
    const share = kernel
      ? kernel.epoch(init.pairUser, init.pairItem, init.pairWeight, order, random, init.params)
      : hybridEpoch(
          init.state,
          init.users,
          init.items,
          init.pairUser,
          init.pairItem,
          init.pairWeight,
          order,
          init.nItems,
          random,
          init.params,
        );
    return share * (task.to - task.from);
  };
}

/** Sum of a row's feature embeddings into out. */
export function represent(m: FeatureMatrix, emb: Float32Array, row: number, dim: number, out: Float32Array): void {
  out.fill(0);
  for (let a = m.indptr[row]; a < m.indptr[row + 1]; a++) {
    const base = m.features[a] * dim;
    const w = m.weights[a];
    for (let d = 0; d < dim; d++) out[d] += w * emb[base + d];
  }
}

function itemBiasOf(m: FeatureMatrix, bias: Float32Array, row: number): number {
  let b = 0;
  for (let a = m.indptr[row]; a < m.indptr[row + 1]; a++) b += m.weights[a] * bias[m.features[a]];
  return b;
}

/**
 * One epoch over the positive (user, item) pairs in `order`. `random()` is the
 * seeded stream; single-threaded so a seed gives identical weights. Returns
 * the mean loss proxy (share of pairs with a violating negative).
 */
export function hybridEpoch(
  s: HybridState,
  users: FeatureMatrix,
  items: FeatureMatrix,
  pairUser: Int32Array,
  pairItem: Int32Array,
  pairWeight: Float32Array,
  order: Int32Array,
  nItems: number,
  random: () => number,
  p: HybridEpochParams,
): number {
  const dim = s.dim;
  const u = new Float32Array(dim);
  const pos = new Float32Array(dim);
  const neg = new Float32Array(dim);
  const diff = new Float32Array(dim);
  const cache = new Float32Array(nItems * dim);
  const cacheBias = new Float32Array(nItems);
  const refresh = () => {
    for (let i = 0; i < nItems; i++) {
      represent(items, s.itemEmb, i, dim, neg);
      cache.set(neg, i * dim);
      cacheBias[i] = itemBiasOf(items, s.itemFeatBias, i);
    }
  };
  let violations = 0;
  for (let n = 0; n < order.length; n++) {
    if (n % p.cacheRefresh === 0) refresh();
    const k = order[n];
    const user = pairUser[k];
    const item = pairItem[k];
    represent(users, s.userEmb, user, dim, u);
    represent(items, s.itemEmb, item, dim, pos);
    const posScore = dot(u, pos, 0, dim) + itemBiasOf(items, s.itemFeatBias, item);
    let negItem = -1;
    let weight = 0;
    if (p.loss === 'warp') {
      for (let trial = 1; trial <= p.maxSampled; trial++) {
        const j = Math.floor(random() * nItems);
        if (j === item) continue;
        if (dot(u, cache, j * dim, dim) + cacheBias[j] > posScore - 1) {
          negItem = j;
          // WARP rank estimate: ⌊(N − 1) / trials⌋; weight log(rank) as in LightFM.
          weight = Math.log(Math.max(1, Math.floor((nItems - 1) / trial)));
          break;
        }
      }
    } else {
      const j = Math.floor(random() * nItems);
      if (j !== item) {
        represent(items, s.itemEmb, j, dim, neg);
        const x = posScore - dot(u, neg, 0, dim) - itemBiasOf(items, s.itemFeatBias, j);
        negItem = j;
        weight = 1 / (1 + Math.exp(x)); // −∂/∂x log σ(x)
      }
    }
    if (negItem >= 0 && p.loss === 'warp') represent(items, s.itemEmb, negItem, dim, neg);
    if (negItem < 0 || weight === 0) continue;
    weight *= pairWeight[k];
    violations++;
    // Gradient of weight·(s_neg − s_pos): user ← (neg − pos), pos ← −user, neg ← +user.
    for (let d = 0; d < dim; d++) diff[d] = neg[d] - pos[d];
    adagradRows(users, s.userEmb, s.userEmbG, user, diff, weight, dim, p);
    adagradRowsNeg(items, s.itemEmb, s.itemEmbG, item, u, -weight, dim, p);
    adagradRowsNeg(items, s.itemEmb, s.itemEmbG, negItem, u, weight, dim, p);
    adagradBias(items, s.itemFeatBias, s.itemFeatBiasG, item, -weight, p);
    adagradBias(items, s.itemFeatBias, s.itemFeatBiasG, negItem, weight, p);
  }
  return violations / Math.max(1, order.length);
}

function dot(a: Float32Array, b: Float32Array, base: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    s0 += a[d] * b[base + d];
    s1 += a[d + 1] * b[base + d + 1];
    s2 += a[d + 2] * b[base + d + 2];
    s3 += a[d + 3] * b[base + d + 3];
  }
  for (; d < dim; d++) s0 += a[d] * b[base + d];
  return s0 + s1 + s2 + s3;
}

/** Adagrad step on every feature row of `row` with gradient scale·grad (+ L2). */
function adagradRows(
  m: FeatureMatrix,
  emb: Float32Array,
  acc: Float32Array,
  row: number,
  grad: Float32Array,
  scale: number,
  dim: number,
  p: HybridEpochParams,
): void {
  for (let a = m.indptr[row]; a < m.indptr[row + 1]; a++) {
    const base = m.features[a] * dim;
    const w = scale * m.weights[a];
    for (let d = 0; d < dim; d++) {
      const g = w * grad[d] + p.regularization * emb[base + d];
      acc[base + d] += g * g;
      emb[base + d] -= (p.learningRate * g) / Math.sqrt(acc[base + d]);
    }
  }
}

const adagradRowsNeg = adagradRows;

function adagradBias(
  m: FeatureMatrix,
  bias: Float32Array,
  acc: Float32Array,
  row: number,
  scale: number,
  p: HybridEpochParams,
): void {
  for (let a = m.indptr[row]; a < m.indptr[row + 1]; a++) {
    const f = m.features[a];
    const g = scale * m.weights[a];
    acc[f] += g * g;
    bias[f] -= (p.learningRate * g) / Math.sqrt(acc[f]);
  }
}
