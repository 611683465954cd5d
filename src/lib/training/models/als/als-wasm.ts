/**
 * The ALS conjugate-gradient solve in WebAssembly SIMD
 * (als-cg.wat beside this file, embedded by
 * `npm run kernels:build`). Same algorithm as `solveRange` in als.kernel.ts,
 * in float32 with f32x4 lanes, for factor counts that are a multiple of 4.
 *
 * WebAssembly cannot read a SharedArrayBuffer outside its own memory, so each
 * worker keeps a private copy of the fixed side's factors (copied once per
 * half-iteration: 256 MB for 1M users × 64 factors, ~0.1 s) and copies each
 * task's CSR chunk and target rows in and the solved rows back out. The
 * result for a row depends only on that row's inputs, so it is the same
 * whichever worker solves it.
 */
import { WASM_BASE64 } from './als-cg.wasm';
import { Csr } from '../../csr';

let compiled: WebAssembly.Module | null = null;
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  return compiled;
}

type SolveFn = (
  gram: number,
  y: number,
  f: number,
  indptr: number,
  base: number,
  indices: number,
  values: number,
  x: number,
  rows: number,
  steps: number,
  scratch: number,
) => void;

type GramFn = (y: number, f: number, start: number, end: number, out: number) => void;

const PAGE = 65536;
/** Rows summed in float32 before the block is added to the float64 total. */
const GRAM_BLOCK = 256;
const align = (n: number) => (n + 63) & ~63;

export class AlsWasmSolver {
  private readonly memory: WebAssembly.Memory;
  private readonly solveFn: SolveFn;
  private readonly gramFn: GramFn;
  private fixedKey: unknown = undefined;
  private readonly gramAt = 0;
  private readonly scratchAt: number;
  private readonly yAt: number;
  private yBytes = 0;

  static supports(factors: number): boolean {
    return factors > 0 && factors % 4 === 0;
  }

  constructor(private readonly f: number) {
    if (!AlsWasmSolver.supports(f)) throw new Error(`ALS WebAssembly kernel needs factors % 4 == 0, got ${f}`);
    const instance = new WebAssembly.Instance(kernelModule(), {});
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.solveFn = instance.exports.solve as SolveFn;
    this.gramFn = instance.exports.gram as GramFn;
    this.scratchAt = align(f * f * 4);
    this.yAt = align(this.scratchAt + 3 * f * 4);
  }

  /** Copies the fixed side's factors into this instance unless `key` says they are already there. */
  loadFixed(key: unknown, Y: Float32Array): void {
    if (key === this.fixedKey && Y.length * 4 === this.yBytes) return;
    this.yBytes = Y.length * 4;
    this.ensure(this.yAt + this.yBytes);
    new Float32Array(this.memory.buffer, this.yAt, Y.length).set(Y);
    this.fixedKey = key;
  }

  /**
   * Σ_{r∈[start,end)} y_r y_rᵀ (F×F, float64) of the loaded fixed factors:
   * float32 SIMD within blocks of GRAM_BLOCK rows, float64 across blocks.
   */
  gram(start: number, end: number): Float64Array {
    const f = this.f;
    const total = new Float64Array(f * f);
    const outAt = align(this.yAt + this.yBytes);
    this.ensure(outAt + f * f * 4);
    const out = new Float32Array(this.memory.buffer, outAt, f * f);
    for (let from = start; from < end; from += GRAM_BLOCK) {
      out.fill(0);
      this.gramFn(this.yAt, f, from, Math.min(end, from + GRAM_BLOCK), outAt);
      for (let k = 0; k < f * f; k++) total[k] += out[k];
    }
    return total;
  }

  /** CG solves for rows [start, end) of X against the loaded fixed factors; `gram` = YᵀY + λI (f×f). */
  solve(csr: Csr, X: Float32Array, gram: Float64Array, steps: number, start: number, end: number): void {
    const f = this.f;
    const rows = end - start;
    if (rows <= 0) return;
    const base = csr.indptr[start];
    const nnz = csr.indptr[end] - base;
    const xAt = align(this.yAt + this.yBytes);
    const indptrAt = align(xAt + rows * f * 4);
    const indicesAt = align(indptrAt + (rows + 1) * 4);
    const valuesAt = align(indicesAt + nnz * 4);
    this.ensure(valuesAt + nnz * 4);
    const buffer = this.memory.buffer;
    const g = new Float32Array(buffer, this.gramAt, f * f);
    for (let k = 0; k < f * f; k++) g[k] = gram[k];
    new Int32Array(buffer, indptrAt, rows + 1).set(csr.indptr.subarray(start, end + 1));
    new Int32Array(buffer, indicesAt, nnz).set(csr.indices.subarray(base, base + nnz));
    new Float32Array(buffer, valuesAt, nnz).set(csr.values.subarray(base, base + nnz));
    const x = new Float32Array(buffer, xAt, rows * f);
    x.set(X.subarray(start * f, end * f));
    this.solveFn(this.gramAt, this.yAt, f, indptrAt, base, indicesAt, valuesAt, xAt, rows, steps, this.scratchAt);
    X.set(x, start * f);
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }
}
