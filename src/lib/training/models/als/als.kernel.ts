/**
 * Implicit-feedback ALS kernel (Hu, Koren & Volinsky 2008) with the
 * conjugate-gradient solver of Takács, Pilászy & Tikk (2011), as in
 * benfred/implicit's `least_squares_cg`. Plain TypeScript over typed arrays:
 * it runs in worker threads over SharedArrayBuffers.
 *
 * For a user u with confidences c_ui = 1 + α·f(minutes, rating) on observed
 * items (preference p_ui = 1), x_u minimises
 *   Σ_i c_ui (p_ui − x_u·y_i)² + λ‖x_u‖²
 * i.e. solves (YᵀY + λI + Σ_{i∈u} (c_ui − 1) y_i y_iᵀ) x_u = Σ_{i∈u} c_ui y_i.
 * YᵀY is computed once per half-iteration; CG is warm-started from the
 * previous x_u, so a few steps per solve suffice.
 *
 * When the factor count is a multiple of 4 the solves run in the WebAssembly
 * SIMD kernel (als-wasm.ts, float32; ~3–4× this float64 TypeScript loop);
 * `solveRange` below is the reference and the path for other factor counts.
 */
import { Csr } from '../../csr';
import { AlsWasmLayout, AlsWasmSolver } from './als-wasm';

export interface AlsKernelInit {
  readonly userItems: Csr;
  readonly itemUsers: Csr;
  /** With `wasm`: views of its shared memory (each thread makes its own from the layout). */
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly factors: number;
  readonly cgSteps: number;
  /** Solve with the WebAssembly SIMD kernel over this shared memory (needs factors % 4 == 0). */
  readonly wasm: AlsWasmLayout | null;
}

export type AlsSide = 'users' | 'items';

export type AlsTask =
  | {
      readonly kind: 'gram';
      readonly side: AlsSide;
      readonly start: number;
      readonly end: number;
      readonly halfIteration: number;
    }
  | {
      readonly kind: 'solve';
      readonly side: AlsSide;
      readonly start: number;
      readonly end: number;
      /** Half-iteration counter: the fixed side's factors change only between half-iterations. */
      readonly halfIteration: number;
      /** YᵀY + λI of the fixed side, row-major F×F. */
      readonly gram: Float64Array;
    };

export type AlsResult = Float64Array | null;

export function createKernelHandler(init: AlsKernelInit): (task: AlsTask) => AlsResult {
  const solver = init.wasm ? new AlsWasmSolver(init.wasm) : null;
  return (task) => {
    if (solver) {
      const fixedSide = task.side === 'users' ? 'items' : 'users';
      if (task.kind === 'gram') return solver.gram(fixedSide, task.start, task.end);
      const csr = task.side === 'users' ? init.userItems : init.itemUsers;
      solver.solve(task.side, csr, task.gram, init.cgSteps, task.start, task.end);
      return null;
    }
    const fixed = task.side === 'users' ? init.itemFactors : init.userFactors;
    if (task.kind === 'gram') return partialGram(fixed, init.factors, task.start, task.end);
    const target = task.side === 'users' ? init.userFactors : init.itemFactors;
    const csr = task.side === 'users' ? init.userItems : init.itemUsers;
    solveRange(csr, fixed, target, init.factors, task.gram, init.cgSteps, task.start, task.end);
    return null;
  };
}

/** Σ_{r∈[start,end)} m_r m_rᵀ (F×F, float64). */
export function partialGram(m: Float32Array, f: number, start: number, end: number): Float64Array {
  const g = new Float64Array(f * f);
  const row = new Float64Array(f);
  for (let r = start; r < end; r++) {
    const base = r * f;
    for (let a = 0; a < f; a++) row[a] = m[base + a];
    for (let a = 0; a < f; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const ga = a * f;
      for (let b = a; b < f; b++) g[ga + b] += ra * row[b];
    }
  }
  for (let a = 0; a < f; a++) for (let b = 0; b < a; b++) g[a * f + b] = g[b * f + a];
  return g;
}

/** CG solves for rows [start, end) of `target`, in place. `values` in the CSR are confidences c. */
export function solveRange(
  csr: Csr,
  Y: Float32Array,
  X: Float32Array,
  f: number,
  gram: Float64Array,
  cgSteps: number,
  start: number,
  end: number,
): void {
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  const { indptr, indices, values } = csr;
  for (let u = start; u < end; u++) {
    const from = indptr[u];
    const to = indptr[u + 1];
    const xb = u * f;
    if (from === to) {
      for (let a = 0; a < f; a++) X[xb + a] = 0;
      continue;
    }
    for (let a = 0; a < f; a++) x[a] = X[xb + a];
    // r = b − A x = Σ c y − (G x + Σ (c−1)(y·x) y)
    gramTimes(gram, x, r, f, -1);
    for (let k = from; k < to; k++) {
      const yb = indices[k] * f;
      const c = values[k];
      const yx = dot(Y, yb, x, f);
      axpy(c - (c - 1) * yx, Y, yb, r, f);
    }
    let rsOld = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a];
      rsOld += r[a] * r[a];
    }
    for (let step = 0; step < cgSteps && rsOld > 1e-20; step++) {
      gramTimes(gram, p, ap, f, 1);
      for (let k = from; k < to; k++) {
        const yb = indices[k] * f;
        axpy((values[k] - 1) * dot(Y, yb, p, f), Y, yb, ap, f);
      }
      let pap = 0;
      for (let a = 0; a < f; a++) pap += p[a] * ap[a];
      if (!(pap > 0)) break;
      const alpha = rsOld / pap;
      let rsNew = 0;
      for (let a = 0; a < f; a++) {
        x[a] += alpha * p[a];
        r[a] -= alpha * ap[a];
        rsNew += r[a] * r[a];
      }
      const beta = rsNew / rsOld;
      for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsOld = rsNew;
    }
    for (let a = 0; a < f; a++) X[xb + a] = x[a];
  }
}

/** out = sign · G v */
function gramTimes(g: Float64Array, v: Float64Array, out: Float64Array, f: number, sign: number): void {
  for (let a = 0; a < f; a++) {
    const ga = a * f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let b = 0;
    for (; b + 3 < f; b += 4) {
      s0 += g[ga + b] * v[b];
      s1 += g[ga + b + 1] * v[b + 1];
      s2 += g[ga + b + 2] * v[b + 2];
      s3 += g[ga + b + 3] * v[b + 3];
    }
    for (; b < f; b++) s0 += g[ga + b] * v[b];
    out[a] = sign * (s0 + s1 + s2 + s3);
  }
}

/** out += w · m[base … base+f) */
function axpy(w: number, m: Float32Array, base: number, out: Float64Array, f: number): void {
  let a = 0;
  for (; a + 3 < f; a += 4) {
    out[a] += w * m[base + a];
    out[a + 1] += w * m[base + a + 1];
    out[a + 2] += w * m[base + a + 2];
    out[a + 3] += w * m[base + a + 3];
  }
  for (; a < f; a++) out[a] += w * m[base + a];
}

function dot(m: Float32Array, base: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    s0 += m[base + a] * v[a];
    s1 += m[base + a + 1] * v[a + 1];
    s2 += m[base + a + 2] * v[a + 2];
    s3 += m[base + a + 3] * v[a + 3];
  }
  for (; a < f; a++) s0 += m[base + a] * v[a];
  return s0 + s1 + s2 + s3;
}
