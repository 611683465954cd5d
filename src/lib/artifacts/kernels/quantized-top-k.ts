import { TopK } from '../top-k';
import { WASM_BASE64 } from './quantized-scores.wasm';

const WASM_PAGE = 65_536;
/** Items per block of the block-max pass (one 64-byte step of four f32x4). */
const BLOCK = 16;
/** The int8 kernel consumes 16 factors at a time. */
const STRIDE_STEP = 16;
/** User factors are quantized to int16 with this peak: fine enough that item quantization dominates the error. */
const USER_PEAK = 16_383;
const ITEM_PEAK = 127;
/** Relative bound on float32 rounding in the approximate score (a few ulps of 2⁻²⁴, rounded up generously). */
const FLOAT_SLACK = 1e-6;

let compiled: WebAssembly.Module | null = null;
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  return compiled;
}

export interface RankedIndices {
  /** Item indices, best first. */
  readonly items: Int32Array;
  /** Their exact scores, bias[i] + ⟨user, item_i⟩. */
  readonly scores: Float32Array;
}

/**
 * Exact top-k of scores[i] = bias[i] + ⟨user, item_i⟩ over the whole catalog,
 * at a quarter of the memory traffic of float32 scoring.
 *
 * Why: scoring a user against 27k items × 64 float32 factors reads 6.9 MB, so
 * it is bound by memory bandwidth (≈ 0.35 ms here), not arithmetic. This
 * keeps an int8 copy of the item factors (one scale per item) and:
 *   1. scores every item approximately in WebAssembly SIMD (int8 × int16 dot products);
 *   2. bounds the k-th best approximate score from below by per-block maxima;
 *   3. bounds the quantization error ε for this user (‖u‖₁ and the largest item
 *      scale), so every item whose exact score can reach the exact top k has an
 *      approximate score within 2ε of the k-th approximate one;
 *   4. re-scores only those candidates exactly (float64 over the float32
 *      factors) and ranks them.
 * The result equals exact float scoring (up to ties in the last float bit);
 * the error bound, not luck, guarantees it. Items that may not be recommended
 * (inactive, or excluded per request) score −∞.
 *
 * One instance per loaded model; synchronous and reusing its buffers, so safe
 * on Node's single request thread.
 */
export class QuantizedTopK {
  readonly items: number;
  readonly factors: number;
  private readonly stride: number;
  private readonly padded: number;
  private readonly exactBias: Float32Array;
  private maxScale = 0;
  private maxAbsBias = 0;
  /** Rows quantized so far; topK needs all of them. */
  private quantizedRows = 0;
  /** What the quantization reads, kept only until it is done. */
  private source: {
    readonly itemFactors: Float32Array;
    readonly bias: Float32Array | null;
    readonly active: Int32Array | null;
    readonly quantized: Int8Array;
    readonly scales: Float32Array;
    readonly kernelBias: Float32Array;
  } | null;
  private readonly run: (...args: number[]) => void;
  private readonly blockMax: (scores: number, n: number, blocks: number) => void;
  private readonly rescoreKernel: (...args: number[]) => number;
  private readonly kthLargest: (vals: number, n: number, k: number, top: number) => number;
  private readonly at: Record<
    | 'items'
    | 'scales'
    | 'bias'
    | 'user'
    | 'out'
    | 'blocks'
    | 'exact'
    | 'exactBias'
    | 'userExact'
    | 'candIdx'
    | 'candScore'
    | 'kth',
    number
  >;
  private readonly candIdx: Int32Array;
  private readonly candScore: Float64Array;
  private readonly user: Int16Array;
  /** The request's user vector in float64, in the kernel's memory for the exact re-scoring pass. */
  private readonly userExact: Float64Array;
  private readonly out: Float32Array;
  private readonly blocks: Float32Array;
  /** Items re-scored exactly by the last call (observability and tests). */
  lastCandidates = 0;
  private readonly exactHeap: TopK;

  /**
   * @param itemFactors row-major items × factors (copied into the kernel for exact re-scoring)
   * @param bias per-item term added to the dot product, or null
   * @param active per-item 0/1; inactive items are never returned (null = all active)
   * @param maxK largest k a caller will ask for
   * @param deferQuantization leave the items to quantizeInSlices() (a hot swap: the constructor then
   *        takes milliseconds of the request thread instead of ~50 ms at 27k × 64)
   */
  constructor(
    itemFactors: Float32Array,
    factors: number,
    bias: Float32Array | null,
    active: Int32Array | null,
    maxK = 1000,
    deferQuantization = false,
  ) {
    this.factors = factors;
    const n = factors > 0 ? itemFactors.length / factors : 0;
    this.items = n;
    this.stride = Math.max(STRIDE_STEP, Math.ceil(factors / STRIDE_STEP) * STRIDE_STEP);
    this.padded = Math.max(BLOCK, Math.ceil(n / BLOCK) * BLOCK);
    const p = this.padded;
    const itemsAt = 0;
    const scalesAt = p * this.stride;
    const biasAt = scalesAt + p * 4;
    const userAt = biasAt + p * 4;
    const outAt = userAt + this.stride * 2;
    const blocksAt = outAt + p * 4;
    // Exact re-scoring inputs and outputs (float64 regions 8-byte aligned).
    const exactAt = align8(blocksAt + (p / BLOCK) * 4);
    const exactBiasAt = exactAt + n * factors * 4;
    const userExactAt = align8(exactBiasAt + n * 4);
    const candIdxAt = userExactAt + factors * 8;
    const candScoreAt = align8(candIdxAt + n * 4);
    const kthAt = candScoreAt + n * 8;
    const bytes = kthAt + Math.max(1, maxK) * 4;
    this.at = {
      items: itemsAt,
      scales: scalesAt,
      bias: biasAt,
      user: userAt,
      out: outAt,
      blocks: blocksAt,
      exact: exactAt,
      exactBias: exactBiasAt,
      userExact: userExactAt,
      candIdx: candIdxAt,
      candScore: candScoreAt,
      kth: kthAt,
    };

    const instance = new WebAssembly.Instance(kernelModule(), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    memory.grow(Math.ceil(bytes / WASM_PAGE));
    this.run = instance.exports.score as (...args: number[]) => void;
    this.blockMax = instance.exports.blockMax as (scores: number, n: number, blocks: number) => void;
    this.rescoreKernel = instance.exports.rescore as (...args: number[]) => number;
    this.kthLargest = instance.exports.kthLargest as (vals: number, n: number, k: number, top: number) => number;

    const quantized = new Int8Array(memory.buffer, itemsAt, p * this.stride);
    const scales = new Float32Array(memory.buffer, scalesAt, p);
    const kernelBias = new Float32Array(memory.buffer, biasAt, p).fill(-Infinity);
    new Float32Array(memory.buffer, exactAt, n * factors).set(itemFactors.subarray(0, n * factors));
    this.exactBias = new Float32Array(memory.buffer, exactBiasAt, n);
    this.source = { itemFactors, bias, active, quantized, scales, kernelBias };
    if (!deferQuantization) this.quantizeRows(n);
    this.user = new Int16Array(memory.buffer, userAt, this.stride);
    this.userExact = new Float64Array(memory.buffer, userExactAt, factors);
    this.candIdx = new Int32Array(memory.buffer, candIdxAt, n);
    this.candScore = new Float64Array(memory.buffer, candScoreAt, n);
    this.out = new Float32Array(memory.buffer, outAt, p);
    this.blocks = new Float32Array(memory.buffer, blocksAt, p / BLOCK);
    this.exactHeap = new TopK(maxK);
  }

  /** Quantizes the items a slice at a time, with a turn of the event loop between slices. */
  async quantizeInSlices(rowsPerSlice = 2048): Promise<void> {
    while (this.quantizedRows < this.items) {
      this.quantizeRows(Math.min(this.items, this.quantizedRows + rowsPerSlice));
      if (this.quantizedRows < this.items) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Quantizes rows [quantizedRows, to): int8 values with a per-row scale, and the bounds the re-scoring relies on. */
  private quantizeRows(to: number): void {
    const source = this.source;
    if (!source) return;
    const { itemFactors, bias, active, quantized, scales, kernelBias } = source;
    const factors = this.factors;
    for (let i = this.quantizedRows; i < to; i++) {
      const row = i * factors;
      let peak = 0;
      for (let k = 0; k < factors; k++) peak = Math.max(peak, Math.abs(itemFactors[row + k]));
      // A non-finite row (a corrupt artifact) is zeroed here and never recommended below.
      const scale = Number.isFinite(peak) ? peak / ITEM_PEAK : 0;
      scales[i] = scale;
      // Stored as float32: the bound in topK must use the scale the kernel multiplies by.
      this.maxScale = Math.max(this.maxScale, scales[i]);
      if (scale > 0) {
        for (let k = 0; k < factors; k++) quantized[i * this.stride + k] = Math.round(itemFactors[row + k] / scale);
      }
      const b = bias ? bias[i] : 0;
      const recommendable = (active === null || active[i] !== 0) && Number.isFinite(b) && Number.isFinite(peak);
      this.exactBias[i] = recommendable ? b : -Infinity;
      kernelBias[i] = this.exactBias[i];
      if (recommendable) this.maxAbsBias = Math.max(this.maxAbsBias, Math.abs(b));
    }
    this.quantizedRows = to;
    if (to >= this.items) this.source = null;
  }

  /** Best `k` item indices for `user` (length = factors), never one in `excluded`; exact scores. */
  topK(user: ArrayLike<number>, k: number, excluded: Iterable<number> = []): RankedIndices {
    if (this.quantizedRows < this.items) throw new Error('QuantizedTopK used before quantizeInSlices() finished');
    const limit = Math.min(k, this.items, this.exactHeap.capacity);
    const f = this.factors;
    const exactUser = this.userExact;
    let l1 = 0;
    let peak = 0;
    for (let j = 0; j < f; j++) {
      exactUser[j] = user[j];
      const a = Math.abs(exactUser[j]);
      l1 += a;
      if (a > peak) peak = a;
    }
    // A corrupt user vector ranks nothing (serving then falls back); it never ranks garbage.
    if (limit <= 0 || !Number.isFinite(l1)) return { items: new Int32Array(0), scores: new Float32Array(0) };
    const userScale = Math.fround(peak / USER_PEAK);
    for (let j = 0; j < f; j++) this.user[j] = userScale > 0 ? Math.round(exactUser[j] / userScale) : 0;

    const { at, out } = this;
    this.run(at.items, at.scales, at.bias, at.user, at.out, this.padded, this.stride, userScale);
    for (const i of excluded) if (i >= 0 && i < this.items) out[i] = -Infinity;
    this.blockMax(at.out, this.padded, at.blocks);

    const kth = this.kthApproximate(limit);
    this.lastCandidates = 0;
    // |approx − exact| ≤ maxScale·(‖u‖₁ + 127·f·userScale)/2 + float rounding; see the class comment.
    const epsilon = (this.maxScale * (l1 + ITEM_PEAK * f * userScale)) / 2;
    const rounding = FLOAT_SLACK * (ITEM_PEAK * this.maxScale * l1 + this.maxAbsBias + 1);
    const threshold = kth - 2 * (epsilon + rounding);
    return this.rescore(limit, threshold);
  }

  /**
   * A lower bound on the k-th largest approximate score: the k-th largest block
   * maximum (the k best blocks each hold a distinct item at least that good).
   * −∞ when fewer than k blocks hold a recommendable item.
   */
  private kthApproximate(k: number): number {
    return this.kthLargest(this.at.blocks, this.blocks.length, k, this.at.kth);
  }

  /** Exact scores of the candidates (in WebAssembly: see `rescore` in quantized-scores.wat), then the exact top k. */
  private rescore(k: number, threshold: number): RankedIndices {
    const { at, exactHeap, candIdx, candScore } = this;
    const count = this.rescoreKernel(
      at.out,
      at.blocks,
      this.blocks.length,
      this.items,
      threshold,
      at.exact,
      at.exactBias,
      at.userExact,
      this.factors,
      at.candIdx,
      at.candScore,
    );
    this.lastCandidates = count;
    exactHeap.reset();
    for (let c = 0; c < count; c++) exactHeap.push(candIdx[c], candScore[c], k);
    return exactHeap.drain();
  }
}

function align8(offset: number): number {
  return Math.ceil(offset / 8) * 8;
}
