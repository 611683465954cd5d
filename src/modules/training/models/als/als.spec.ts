import { Matrix, solve } from 'ml-matrix';
import { createRng } from '../../random';
import { buildCsr } from '../../csr';
import { describeModelContract } from '../../testing/model-contract';
import { twoTasteGroups } from '../../testing/two-taste-groups';
import { partialGram, solveRange } from './als.kernel';
import { alsTrainer } from './als.trainer';

describe('als', () => {
  describeModelContract(alsTrainer, { factors: 4, iterations: 10, regularization: 5 });

  it('conjugate gradient converges to the exact HKV normal-equation solution (ml-matrix oracle)', () => {
    const rng = createRng(9);
    const f = 6;
    const nI = 12;
    const Y = Float32Array.from({ length: nI * f }, () => rng.normal() * 0.5);
    const items = Int32Array.from([1, 4, 5, 9]);
    const conf = [3, 1.5, 8, 2];
    const csr = buildCsr(1, nI, new Int32Array(4), items, (k) => conf[k]);
    const lambda = 0.3;
    const gram = partialGram(Y, f, 0, nI);
    for (let a = 0; a < f; a++) gram[a * f + a] += lambda;
    const X = new Float32Array(f);
    solveRange(csr, Y, X, f, gram, 3 * f, 0, 1);

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
    const exact = solve(A, b);
    for (let a = 0; a < f; a++) expect(X[a]).toBeCloseTo(exact.get(a, 0), 4);
  });

  it('gives identical factors with two worker threads as in-process', async () => {
    const data = twoTasteGroups();
    const params = { factors: 4, iterations: 3 };
    const one = await alsTrainer.train(data, params, 5, { workers: 1 });
    const two = await alsTrainer.train(data, params, 5, { workers: 2 });
    expect(Array.from(two.tensors.userFactors.data)).toEqual(Array.from(one.tensors.userFactors.data));
    expect(Array.from(two.tensors.itemFactors.data)).toEqual(Array.from(one.tensors.itemFactors.data));
  });
});
