import { Matrix, solve } from 'ml-matrix';
import { createRng } from '../../random';
import { buildCsr, Csr } from '../../csr';
import { describeModelContract } from '@test/support/training/model-contract';
import { generateLatentWorld } from '../../synthetic/latent-world';
import { AlsWasmSolver } from './als-wasm';
import { partialGram, solveRange } from './als.kernel';
import { alsTrainer } from './als.trainer';

/**
 * A kernel over a memory of its own: `X` (rows × f) as the solved side, `Y` as
 * the fixed one; `done()` copies the solved rows back into X.
 */
function standaloneSolver(f: number, X: Float32Array, Y: Float32Array, csr?: Csr) {
  const rows = X.length / f;
  const laid = AlsWasmSolver.layout(rows, Y.length / f, f, 1, Math.max(1, rows), Math.max(1, csr?.indices.length ?? 1));
  if (!laid) throw new Error('no layout');
  laid.userFactors.set(X);
  laid.itemFactors.set(Y);
  const solver = new AlsWasmSolver(laid.layout);
  return {
    solve: (m: Csr, gram: Float64Array, steps: number, start: number, end: number) =>
      solver.solve('users', m, gram, steps, start, end),
    gram: (start: number, end: number) => solver.gram('items', start, end),
    done: () => X.set(laid.userFactors),
  };
}

describe('als', () => {
  describeModelContract(alsTrainer, { factors: 4, iterations: 10, regularization: 5 });

  /** A small HKV system: Y, one user's items and confidences, YᵀY + λI, and the exact solution (ml-matrix). */
  function hkvSystem(f: number) {
    const rng = createRng(9);
    const nI = 12;
    const Y = Float32Array.from({ length: nI * f }, () => rng.normal() * 0.5);
    const items = Int32Array.from([1, 4, 5, 9]);
    const conf = [3, 1.5, 8, 2];
    const csr = buildCsr(1, nI, new Int32Array(4), items, (k) => conf[k]);
    const lambda = 0.3;
    const gram = partialGram(Y, f, 0, nI);
    for (let a = 0; a < f; a++) gram[a * f + a] += lambda;
    // A = YᵀY + λI + Σ (c−1) y yᵀ ; b = Σ c y
    const A = new Matrix(f, f);
    const b = new Matrix(f, 1);
    for (let a = 0; a < f; a++) for (let c = 0; c < f; c++) A.set(a, c, gram[a * f + c]);
    items.forEach((i, k) => {
      for (let a = 0; a < f; a++) {
        b.set(a, 0, b.get(a, 0) + conf[k] * Y[i * f + a]);
        for (let c = 0; c < f; c++) A.set(a, c, A.get(a, c) + (conf[k] - 1) * Y[i * f + a] * Y[i * f + c]);
      }
    });
    return { Y, csr, gram, exact: solve(A, b) };
  }

  it('conjugate gradient converges to the exact HKV normal-equation solution (ml-matrix oracle)', () => {
    const f = 6;
    const { Y, csr, gram, exact } = hkvSystem(f);
    const X = new Float32Array(f);
    solveRange(csr, Y, X, f, gram, 3 * f, 0, 1);
    for (let a = 0; a < f; a++) expect(X[a]).toBeCloseTo(exact.get(a, 0), 4);
  });

  it('the WebAssembly SIMD kernel converges to the same exact solution (float32)', () => {
    const f = 8;
    const { Y, csr, gram, exact } = hkvSystem(f);
    const X = new Float32Array(f);
    const solver = standaloneSolver(f, X, Y, csr);
    solver.solve(csr, gram, 3 * f, 0, 1);
    solver.done();
    for (let a = 0; a < f; a++) expect(X[a]).toBeCloseTo(exact.get(a, 0), 3);
    expect(AlsWasmSolver.supports(6)).toBe(false);
  });

  /**
   * Warm-started 3-step solves of nU rows (plus an empty last row) by the TypeScript
   * reference and by the WebAssembly kernel in two chunks, as two tasks would.
   */
  const compareKernelWithReference = (o: {
    seed: number;
    f: number;
    nU: number;
    nI: number;
    nnz: number;
    scale: number;
    split: number;
  }): void => {
    const { f, nU, nI } = o;
    const rng = createRng(o.seed);
    const rows = Int32Array.from({ length: o.nnz }, (_, k) => k % nU);
    const cols = Int32Array.from({ length: o.nnz }, () => rng.int(nI));
    const csr = buildCsr(nU + 1, nI, rows, cols, () => 1 + 5 * rng.next()); // the last row is empty
    const Y = Float32Array.from({ length: nI * f }, () => rng.normal() * o.scale);
    const X0 = Float32Array.from({ length: (nU + 1) * f }, () => rng.normal() * o.scale);
    const gram = partialGram(Y, f, 0, nI);
    for (let a = 0; a < f; a++) gram[a * f + a] += 0.5;
    const js = X0.slice();
    solveRange(csr, Y, js, f, gram, 3, 0, nU + 1);
    const wasm = X0.slice();
    const solver = standaloneSolver(f, wasm, Y, csr);
    solver.solve(csr, gram, 3, 0, o.split);
    solver.solve(csr, gram, 3, o.split, nU + 1);
    solver.done();
    for (let k = 0; k < js.length; k++) expect(Math.abs(wasm[k] - js[k])).toBeLessThan(1e-4);
    expect(Array.from(wasm.subarray(nU * f))).toEqual(new Array(f).fill(0));
  };

  it('the WebAssembly kernel matches the TypeScript reference on a warm-started 3-step solve of many rows', () => {
    compareKernelWithReference({ seed: 4, f: 16, nU: 300, nI: 80, nnz: 3000, scale: 0.3, split: 170 });
  });

  it.each([32, 64])(
    'the kernel specialised for %i factors matches the TypeScript reference on a warm-started 3-step solve',
    (f) => compareKernelWithReference({ seed: f, f, nU: 120, nI: 90, nnz: 2400, scale: 0.2, split: 50 }),
  );

  it('the WebAssembly YᵀY equals the float64 reference to float32 precision', () => {
    const rng = createRng(6);
    const f = 12;
    const rows = 1000;
    const Y = Float32Array.from({ length: rows * f }, () => rng.normal() * 0.2);
    const solver = standaloneSolver(f, new Float32Array(f), Y);
    const got = solver.gram(100, 900);
    const want = partialGram(Y, f, 100, 900);
    for (let k = 0; k < f * f; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-5 * (1 + Math.abs(want[k])));
  });

  it('gives identical factors with two worker threads as in-process', async () => {
    // Enough rows that YᵀY is summed in several float32 blocks per part.
    const { dataset: data } = generateLatentWorld({ users: 3000, movies: 150, interactions: 30_000, seed: 5 });
    const params = { factors: 8, iterations: 3 };
    const one = await alsTrainer.train(data, params, 5, { workers: 1 });
    const two = await alsTrainer.train(data, params, 5, { workers: 2 });
    expect(Array.from(two.tensors.userFactors.data)).toEqual(Array.from(one.tensors.userFactors.data));
    expect(Array.from(two.tensors.itemFactors.data)).toEqual(Array.from(one.tensors.itemFactors.data));
  });
});
