/**
 * The ALS conjugate-gradient solve in WebAssembly SIMD
 * (als-cg.wat beside this file, embedded by
 * `npm run kernels:build`). Same algorithm as `solveRange` in als.kernel.ts,
 * in float32 with f32x4 lanes, for factor counts that are a multiple of 4.
 *
 * One shared WebAssembly memory per training run holds both factor matrices
 * (the trainer's userFactors/itemFactors are views of it) and, after them, one
 * private region per thread for YᵀY, the CG scratch and the CSR chunk being
 * solved. Every thread instantiates the kernel over that same memory, so the
 * fixed side is read in place and the solved rows are written in place: no
 * per-thread copy of the factors (that copy was 256 MB per thread for 1M
 * users × 64 factors) and no copy of rows in and out. Only a task's CSR chunk
 * is copied into the thread's region. The result for a row depends only on
 * that row's inputs, so it is the same whichever thread solves it.
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
/** wasm32 addresses 4 GiB; a run that needs more falls back to the TypeScript kernel. */
const MAX_BYTES = 4 * 1024 ** 3 - PAGE;
/** Rows summed in float32 before the block is added to the float64 total. */
const GRAM_BLOCK = 256;
const align = (n: number) => (n + 63) & ~63;

/** Where everything lives in the run's shared memory (byte offsets); cloned to every worker. */
export interface AlsWasmLayout {
  readonly memory: WebAssembly.Memory;
  readonly factors: number;
  readonly users: number;
  readonly items: number;
  readonly userAt: number;
  readonly itemAt: number;
  /** Thread regions: `slots` of `slotBytes` from `slotsAt`; a thread takes the next free one. */
  readonly slotsAt: number;
  readonly slotBytes: number;
  readonly slots: number;
  /** The largest CSR chunk (rows, stored entries) a task hands over. */
  readonly maxRows: number;
  readonly maxNnz: number;
}

export class AlsWasmSolver {
  private readonly solveFn: SolveFn;
  private readonly gramFn: GramFn;
  private readonly gramAt: number;
  private readonly scratchAt: number;
  private readonly outAt: number;
  private readonly indptrAt: number;
  private readonly indicesAt: number;
  private readonly valuesAt: number;

  static supports(factors: number): boolean {
    return factors > 0 && factors % 4 === 0;
  }

  /**
   * Lays out one shared memory for a run; null when it would not fit in
   * wasm32's 4 GiB (the caller then trains with the TypeScript kernel).
   */
  static layout(
    users: number,
    items: number,
    factors: number,
    slots: number,
    maxRows: number,
    maxNnz: number,
  ): { layout: AlsWasmLayout; userFactors: Float32Array; itemFactors: Float32Array } | null {
    if (!AlsWasmSolver.supports(factors)) return null;
    const f = factors;
    const userAt = 64; // bytes 0..3: the next free thread region (Atomics)
    const itemAt = align(userAt + users * f * 4);
    const slotsAt = align(itemAt + items * f * 4);
    const slotBytes = align(
      align(f * f * 4) + align(3 * f * 4) + align(f * f * 4) + align((maxRows + 1) * 4) + 2 * align(maxNnz * 4),
    );
    const bytes = slotsAt + slots * slotBytes;
    if (bytes > MAX_BYTES) return null;
    const pages = Math.ceil(bytes / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const layout = { memory, factors, users, items, userAt, itemAt, slotsAt, slotBytes, slots, maxRows, maxNnz };
    return {
      layout,
      userFactors: new Float32Array(memory.buffer, userAt, users * f),
      itemFactors: new Float32Array(memory.buffer, itemAt, items * f),
    };
  }

  constructor(private readonly layout: AlsWasmLayout) {
    const f = layout.factors;
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: layout.memory } });
    this.solveFn = instance.exports.solve as SolveFn;
    this.gramFn = instance.exports.gram as GramFn;
    const slot = Atomics.add(new Int32Array(layout.memory.buffer, 0, 1), 0, 1);
    if (slot >= layout.slots) throw new Error(`ALS kernel: more threads than the ${layout.slots} laid out`);
    this.gramAt = layout.slotsAt + slot * layout.slotBytes;
    this.scratchAt = align(this.gramAt + f * f * 4);
    this.outAt = align(this.scratchAt + 3 * f * 4);
    this.indptrAt = align(this.outAt + f * f * 4);
    this.indicesAt = align(this.indptrAt + (layout.maxRows + 1) * 4);
    this.valuesAt = align(this.indicesAt + layout.maxNnz * 4);
  }

  private sideAt(side: 'users' | 'items'): number {
    return side === 'users' ? this.layout.userAt : this.layout.itemAt;
  }

  /**
   * Σ_{r∈[start,end)} y_r y_rᵀ (F×F, float64) of one side's factors:
   * float32 SIMD within blocks of GRAM_BLOCK rows, float64 across blocks.
   */
  gram(side: 'users' | 'items', start: number, end: number): Float64Array {
    const f = this.layout.factors;
    const total = new Float64Array(f * f);
    const out = new Float32Array(this.layout.memory.buffer, this.outAt, f * f);
    for (let from = start; from < end; from += GRAM_BLOCK) {
      out.fill(0);
      this.gramFn(this.sideAt(side), f, from, Math.min(end, from + GRAM_BLOCK), this.outAt);
      for (let k = 0; k < f * f; k++) total[k] += out[k];
    }
    return total;
  }

  /**
   * CG solves, in place, for rows [start, end) of `side` against the other
   * side's factors; `gram` = YᵀY + λI (f×f) of the other side.
   */
  solve(side: 'users' | 'items', csr: Csr, gram: Float64Array, steps: number, start: number, end: number): void {
    const f = this.layout.factors;
    const rows = end - start;
    if (rows <= 0) return;
    const base = csr.indptr[start];
    const nnz = csr.indptr[end] - base;
    if (rows > this.layout.maxRows || nnz > this.layout.maxNnz) {
      throw new Error(`ALS kernel: chunk of ${rows} rows / ${nnz} entries exceeds the layout`);
    }
    const buffer = this.layout.memory.buffer;
    const g = new Float32Array(buffer, this.gramAt, f * f);
    for (let k = 0; k < f * f; k++) g[k] = gram[k];
    new Int32Array(buffer, this.indptrAt, rows + 1).set(csr.indptr.subarray(start, end + 1));
    // Widened to i32 as it is copied when the CSR keeps its indices in 16 bits (buildCsr's compactColumns).
    new Int32Array(buffer, this.indicesAt, nnz).set(csr.indices.subarray(base, base + nnz));
    new Float32Array(buffer, this.valuesAt, nnz).set(csr.values.subarray(base, base + nnz));
    const fixedAt = this.sideAt(side === 'users' ? 'items' : 'users');
    const xAt = this.sideAt(side) + start * f * 4;
    this.solveFn(
      this.gramAt,
      fixedAt,
      f,
      this.indptrAt,
      base,
      this.indicesAt,
      this.valuesAt,
      xAt,
      rows,
      steps,
      this.scratchAt,
    );
  }
}
