import { percentile, userMetrics } from './metrics';

describe('ranking metrics', () => {
  it('computes NDCG, recall, MAP and hit rate on a hand-worked example', () => {
    // Relevant {1, 3, 9}; ranking hits at positions 1 and 3 (1-based).
    const m = userMetrics([1, 2, 3, 4], new Set([1, 3, 9]), 4);
    const dcg = 1 + 1 / Math.log2(4);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 10);
    expect(m.recall).toBeCloseTo(2 / 3, 10);
    expect(m.map).toBeCloseTo((1 / 1 + 2 / 3) / 3, 10);
    expect(m.hitRate).toBe(1);
  });

  it('gives 1 for a perfect ranking and 0 for a miss', () => {
    expect(userMetrics([5, 6], new Set([5, 6]), 2).ndcg).toBeCloseTo(1, 12);
    expect(userMetrics([1, 2], new Set([5]), 2)).toMatchObject({ ndcg: 0, recall: 0, map: 0, hitRate: 0 });
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
  });
});
