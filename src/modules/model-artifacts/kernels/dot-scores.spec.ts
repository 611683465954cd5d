import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { SimdItemScorer } from './dot-scores';

function reference(items: Float32Array, f: number, bias: Float32Array | null, user: Float32Array): Float64Array {
  const n = items.length / f;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = bias ? bias[i] : 0;
    for (let k = 0; k < f; k++) s += items[i * f + k] * user[k];
    out[i] = s;
  }
  return out;
}

describe('SimdItemScorer', () => {
  it.each([1, 7, 16, 64, 70])('matches a plain dot product with %i factors', (f) => {
    const n = 53;
    const items = Float32Array.from({ length: n * f }, (_, i) => Math.sin(i * 0.37));
    const bias = Float32Array.from({ length: n }, (_, i) => (i % 5) - 2);
    const user = Float32Array.from({ length: f }, (_, k) => Math.cos(k * 0.11));
    for (const b of [bias, null]) {
      const scores = new SimdItemScorer(items, f, b).score(user);
      const expected = reference(items, f, b, user);
      expect(scores).toHaveLength(n);
      for (let i = 0; i < n; i++) expect(scores[i]).toBeCloseTo(expected[i], 4);
    }
  });

  it('scores each user independently when reused', () => {
    const items = Float32Array.from([1, 0, 0, 1]);
    const scorer = new SimdItemScorer(items, 2, null);
    expect(Array.from(scorer.score([3, 4]))).toEqual([3, 4]);
    expect(Array.from(scorer.score([5, 6]))).toEqual([5, 6]);
  });

  it('embeds a binary that matches the WAT source', () => {
    const check = spawnSync(
      process.execPath,
      [path.resolve(__dirname, '../../../../scripts/build-kernels.js'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
