/**
 * The hybrid trainer's per-pair arithmetic in WebAssembly SIMD (hybrid.wat
 * beside this file, embedded by `npm run kernels:build`): feature sums, the
 * positive's score, WARP's cached screening dot products, the Adagrad updates
 * and the cache refresh. It computes in float64 lanes and rounds to float32
 * exactly where the TypeScript kernel stores into a Float32Array, so both
 * kernels give the same weights bit for bit (hybrid.spec.ts checks it); the
 * random stream and the WARP sampling loop stay in TypeScript, so the draws
 * are the same too.
 *
 * One WebAssembly memory per training run holds the embeddings, their Adagrad
 * accumulators, the feature biases and both feature matrices (the trainer's
 * arrays are views of it), then one private region per thread: four scratch
 * rows and the thread's negative-screening cache. Hogwild threads instantiate
 * the kernel over that same (shared) memory and update it in place.
 */
import { WASM_BASE64 } from './hybrid.wasm';

/** Row → feature ids with weights (CSR), as hybrid.kernel.ts's FeatureMatrix. */
interface Features {
  readonly indptr: Int32Array;
  readonly features: Int32Array;
  readonly weights: Float32Array;
  readonly count: number;
}

interface EpochParams {
  readonly loss: 'warp' | 'bpr';
  readonly learningRate: number;
  readonly regularization: number;
  readonly maxSampled: number;
  readonly cacheRefresh: number;
}

let compiled: WebAssembly.Module | null = null;
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  return compiled;
}

const PAGE = 65536;
/** wasm32 addresses 4 GiB; a run that needs more trains with the TypeScript kernel. */
const MAX_BYTES = 4 * 1024 ** 3 - PAGE;
/** Cache-line alignment of every array (and so of every 16-byte-multiple row). */
const align = (n: number) => Math.ceil(n / 64) * 64;

/** Byte offsets of everything in the run's memory; cloned to every worker thread. */
export interface HybridWasmLayout {
  readonly memory: WebAssembly.Memory;
  readonly dim: number;
  readonly nItems: number;
  readonly uIndptr: number;
  readonly uFeat: number;
  readonly uW: number;
  readonly uEmb: number;
  readonly uAcc: number;
  readonly iIndptr: number;
  readonly iFeat: number;
  readonly iW: number;
  readonly iEmb: number;
  readonly iAcc: number;
  readonly iBias: number;
  readonly iBiasAcc: number;
  /** Items' shared (content) features: ids nItems … nItems + nShared − 1. */
  readonly nShared: number;
  /** Thread regions: `slots` of `slotBytes` from `slotsAt`; a kernel takes the next free one. */
  readonly slotsAt: number;
  readonly slotBytes: number;
  readonly slots: number;
}

/**
 * Hogwild threads update private copies of the items' shared (content)
 * feature rows and merge them every SYNC_EVERY pairs: every pair updates
 * a few of these few dozen rows, so two threads writing them in place keep
 * stealing each other's cache lines (measured: 37% more CPU per epoch with two
 * threads than with one). One thread updates them in place.
 */
const privateSharedRows = (layout: HybridWasmLayout) => layout.slots > 1;
/**
 * Pairs between merges. A merge touches every shared-feature row once (~40
 * rows at full scale, about one pair's work); the other thread's updates to
 * those rows reach this one that many pairs later. Merging only every
 * 20,000 pairs measured ~0.001 lower NDCG@20 on a 50k-user world
 * (bench/results/train.md); every 1,000 is within the noise of in-place.
 */
const SYNC_EVERY = 1000;

/** The trainer's state and feature matrices as views of the layout's memory. */
export interface HybridWasmViews {
  readonly layout: HybridWasmLayout;
  readonly userEmb: Float32Array;
  readonly userEmbG: Float32Array;
  readonly itemEmb: Float32Array;
  readonly itemEmbG: Float32Array;
  readonly itemFeatBias: Float32Array;
  readonly itemFeatBiasG: Float32Array;
  readonly users: Features;
  readonly items: Features;
}

interface Exports {
  readonly prepare: (user: number, item: number) => number;
  readonly trial: (j: number) => number;
  readonly negDot: (j: number) => number;
  readonly itemBias: (row: number) => number;
  readonly step: (user: number, item: number, negItem: number, weight: number, fresh: number) => void;
  readonly refresh: () => void;
  readonly sync: (push: number) => void;
}

export class HybridWasmKernel {
  private readonly x: Exports;

  /** The kernel needs rows of a multiple of 16 bytes (four float32 lanes). */
  static supports(dim: number): boolean {
    return dim > 0 && dim % 4 === 0;
  }

  /**
   * Lays out one memory (shared when `slots` > 1) and copies the feature
   * matrices into it; the embeddings and accumulators start zeroed. Null when
   * the dimension is unsupported or the run would not fit in wasm32's 4 GiB.
   */
  static layout(users: Features, items: Features, nItems: number, dim: number, slots: number): HybridWasmViews | null {
    if (!HybridWasmKernel.supports(dim)) return null;
    const row = dim * 4;
    let at = 64; // bytes 0..3: the next free thread region (Atomics)
    const take = (bytes: number) => {
      const start = at;
      at = align(at + bytes);
      return start;
    };
    const uIndptr = take(users.indptr.length * 4);
    const uFeat = take(users.features.length * 4);
    const uW = take(users.weights.length * 4);
    const uEmb = take(users.count * row);
    const uAcc = take(users.count * row);
    const iIndptr = take(items.indptr.length * 4);
    const iFeat = take(items.features.length * 4);
    const iW = take(items.weights.length * 4);
    const iEmb = take(items.count * row);
    const iAcc = take(items.count * row);
    const iBias = take(items.count * 4);
    const iBiasAcc = take(items.count * 4);
    // Hogwild threads also keep a private copy of the items' shared-feature rows, and its state at the last sync.
    const nShared = items.count - nItems;
    const privateBytes = slots > 1 ? 2 * align(nShared * (2 * row + 8)) : 0;
    const slotBytes = align(4 * row) + align(nItems * row) + align(nItems * 4) + privateBytes;
    const slotsAt = at;
    const bytes = slotsAt + slots * slotBytes;
    if (bytes > MAX_BYTES) return null;
    const pages = Math.ceil(bytes / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const buffer = memory.buffer;
    const f32 = (offset: number, length: number) => new Float32Array(buffer, offset, length);
    const i32 = (offset: number, length: number) => new Int32Array(buffer, offset, length);
    const copy = (m: Features, indptr: number, feat: number, w: number): Features => {
      const out = {
        indptr: i32(indptr, m.indptr.length),
        features: i32(feat, m.features.length),
        weights: f32(w, m.weights.length),
        count: m.count,
      };
      out.indptr.set(m.indptr);
      out.features.set(m.features);
      out.weights.set(m.weights);
      return out;
    };
    const layout: HybridWasmLayout = {
      memory,
      dim,
      nItems,
      uIndptr,
      uFeat,
      uW,
      uEmb,
      uAcc,
      iIndptr,
      iFeat,
      iW,
      iEmb,
      iAcc,
      iBias,
      iBiasAcc,
      nShared,
      slotsAt,
      slotBytes,
      slots,
    };
    return {
      layout,
      userEmb: f32(uEmb, users.count * dim),
      userEmbG: f32(uAcc, users.count * dim),
      itemEmb: f32(iEmb, items.count * dim),
      itemEmbG: f32(iAcc, items.count * dim),
      itemFeatBias: f32(iBias, items.count),
      itemFeatBiasG: f32(iBiasAcc, items.count),
      users: copy(users, uIndptr, uFeat, uW),
      items: copy(items, iIndptr, iFeat, iW),
    };
  }

  /** Instantiates the kernel over the layout's memory and takes the next free thread region. */
  constructor(private readonly layout: HybridWasmLayout) {
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: layout.memory } });
    const e = instance.exports as unknown as Exports & Record<string, { value: number }>;
    const slot = Atomics.add(new Int32Array(layout.memory.buffer, 0, 1), 0, 1);
    if (slot >= layout.slots) throw new Error(`hybrid kernel: more threads than the ${layout.slots} laid out`);
    const row = layout.dim * 4;
    const region = layout.slotsAt + slot * layout.slotBytes;
    const cache = region + align(4 * row);
    const globals: Record<string, number> = {
      rowBytes: row,
      nItems: layout.nItems,
      uIndptr: layout.uIndptr,
      uFeat: layout.uFeat,
      uW: layout.uW,
      uEmb: layout.uEmb,
      uAcc: layout.uAcc,
      iIndptr: layout.iIndptr,
      iFeat: layout.iFeat,
      iW: layout.iW,
      iEmb: layout.iEmb,
      iAcc: layout.iAcc,
      iBias: layout.iBias,
      iBiasAcc: layout.iBiasAcc,
      u: region,
      pos: region + row,
      neg: region + 2 * row,
      diff: region + 3 * row,
      cache,
      cacheBias: cache + align(layout.nItems * row),
      nShared: layout.nShared,
      ...this.sharedRows(region + align(4 * row) + align(layout.nItems * row) + align(layout.nItems * 4)),
    };
    for (const [name, value] of Object.entries(globals)) e[name].value = value;
    this.x = e;
  }

  /** Where this thread keeps the items' shared-feature rows: in place, or a private copy at `at`. */
  private sharedRows(at: number): Record<string, number> {
    const { nItems, nShared, dim } = this.layout;
    const row = dim * 4;
    if (!privateSharedRows(this.layout)) {
      return {
        sEmb: this.layout.iEmb + nItems * row,
        sAcc: this.layout.iAcc + nItems * row,
        sBias: this.layout.iBias + nItems * 4,
        sBiasAcc: this.layout.iBiasAcc + nItems * 4,
        snap: 0,
      };
    }
    // [emb][acc][bias][bias acc], then the same as of the last sync.
    return {
      sEmb: at,
      sAcc: at + nShared * row,
      sBias: at + 2 * nShared * row,
      sBiasAcc: at + 2 * nShared * row + nShared * 4,
      snap: at + align(nShared * (2 * row + 8)),
    };
  }

  /**
   * One pass over the pairs in `order`, as `hybridEpoch` in hybrid.kernel.ts
   * (same draws from `random`, same updates). Returns the share of pairs with
   * a violating negative.
   */
  epoch(
    pairUser: Int32Array,
    pairItem: Int32Array,
    pairWeight: Float32Array,
    order: Int32Array,
    random: () => number,
    p: EpochParams,
  ): number {
    const e = this.x as unknown as Record<string, { value: number }>;
    e.lr.value = p.learningRate;
    e.reg.value = p.regularization;
    const { prepare, trial, negDot, itemBias, step, refresh, sync } = this.x;
    const merge = privateSharedRows(this.layout);
    if (merge) sync(0);
    const nItems = this.layout.nItems;
    const warp = p.loss === 'warp';
    const maxSampled = p.maxSampled;
    const refreshEvery = p.cacheRefresh;
    let violations = 0;
    for (let n = 0; n < order.length; n++) {
      // BPR never reads the cache, so it is not kept.
      if (merge && n % SYNC_EVERY === 0 && n > 0) sync(1);
      if (warp && n % refreshEvery === 0) refresh();
      const k = order[n];
      const user = pairUser[k];
      const item = pairItem[k];
      const posScore = prepare(user, item);
      let negItem = -1;
      let weight = 0;
      if (warp) {
        for (let t = 1; t <= maxSampled; t++) {
          const j = Math.floor(random() * nItems);
          if (j === item) continue;
          if (trial(j) > posScore - 1) {
            negItem = j;
            // WARP rank estimate: ⌊(N − 1) / trials⌋; weight log(rank) as in LightFM.
            weight = Math.log(Math.max(1, Math.floor((nItems - 1) / t)));
            break;
          }
        }
      } else {
        const j = Math.floor(random() * nItems);
        if (j !== item) {
          const x = posScore - negDot(j) - itemBias(j);
          negItem = j;
          weight = 1 / (1 + Math.exp(x)); // −∂/∂x log σ(x)
        }
      }
      if (negItem < 0 || weight === 0) continue;
      weight *= pairWeight[k];
      violations++;
      step(user, item, negItem, weight, warp ? 1 : 0);
    }
    if (merge) sync(1);
    return violations / Math.max(1, order.length);
  }
}
