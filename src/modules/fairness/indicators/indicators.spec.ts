import {
  activityBands,
  ageBand,
  coverage,
  entropyBits,
  exposureByCategory,
  exposureCounts,
  gini,
  groupQuality,
  longTail,
  lorenzCurve,
  popularityBias,
  releasePeriod,
  topShare,
} from './index';

describe('exposure indicators', () => {
  it('gini: 0 for equal exposure, (n−1)/n when one item takes everything, 0.25 for [1,2,3,4]… known answers', () => {
    expect(gini([5, 5, 5, 5])).toBeCloseTo(0, 12);
    expect(gini([0, 0, 0, 1])).toBeCloseTo(0.75, 12);
    // 2·(1·1+2·2+3·3+4·4)/(4·10) − 5/4 = 60/40 − 1.25 = 0.25
    expect(gini([4, 1, 3, 2])).toBeCloseTo(0.25, 12);
    expect(gini([])).toBe(0);
    expect(gini([0, 0])).toBe(0);
  });

  it('counts exposure, optionally discounted by rank', () => {
    const plain = exposureCounts([[0, 1], [0, 2], [0]], 4);
    expect(Array.from(plain)).toEqual([3, 1, 1, 0]);
    const weighted = exposureCounts([[0, 1]], 2, true);
    expect(weighted[0]).toBeCloseTo(1, 12);
    expect(weighted[1]).toBeCloseTo(1 / Math.log2(3), 12);
  });

  it('top shares, coverage and the Lorenz curve', () => {
    const exposure = [50, 20, 10, 10, 5, 5, 0, 0, 0, 0];
    expect(topShare(exposure, 0.1)).toBeCloseTo(0.5, 12); // 1 item of 10
    expect(topShare(exposure, 0.01)).toBeCloseTo(0.5, 12); // at least one item
    expect(topShare(exposure, 0.2)).toBeCloseTo(0.7, 12);
    expect(coverage(exposure)).toBeCloseTo(0.6, 12);
    const curve = lorenzCurve(exposure, 10);
    expect(curve[0]).toEqual({ x: 0, y: 0 });
    expect(curve[10]).toEqual({ x: 1, y: 1 });
    expect(curve[5].y).toBeCloseTo(0.05, 12); // 4 zeros + one 5 of 100
  });

  it('long tail: the head is the most popular 20 % of the catalog', () => {
    const popularity = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const exposure = [5, 5, 1, 0, 0, 0, 0, 0, 0, 1];
    const tail = longTail(exposure, popularity, 0.2);
    expect(tail.tailItems).toBe(8);
    expect(tail.coverage).toBeCloseTo(2 / 8, 12);
    expect(tail.exposureShare).toBeCloseTo(2 / 12, 12);
  });

  it('exposure per category against catalog share, splitting multi-category items', () => {
    const categories = [['Drama'], ['Drama', 'Comedy'], ['Comedy'], []];
    const rows = exposureByCategory([6, 2, 2, 0], (i) => categories[i]);
    const by = Object.fromEntries(rows.map((r) => [r.category, r]));
    expect(by.Drama.exposureShare).toBeCloseTo(0.7, 12);
    expect(by.Drama.catalogShare).toBeCloseTo(1.5 / 4, 12);
    expect(by.Comedy.exposureShare).toBeCloseTo(0.3, 12);
    expect(by.unknown.exposureShare).toBe(0);
    expect(by.Drama.ratio).toBeCloseTo(0.7 / 0.375, 12);
    expect(rows.reduce((s, r) => s + r.catalogShare, 0)).toBeCloseTo(1, 12);
  });

  it('release periods and entropy', () => {
    expect(releasePeriod(1994)).toBe('1990s');
    expect(releasePeriod(1931)).toBe('before 1960');
    expect(releasePeriod(null)).toBe('unknown');
    expect(entropyBits([1, 1, 1, 1])).toBeCloseTo(2, 12);
    expect(entropyBits([3, 0])).toBe(0);
  });
});

describe('popularity bias', () => {
  it('compares the popularity of recommendations with the user history', () => {
    const popularity = [0.5, 0.1, 0.3];
    const bias = popularityBias(
      [
        { recommended: [0], history: [1] },
        { recommended: [0, 2], history: [1, 2] },
        { recommended: [], history: [1] }, // skipped
      ],
      popularity,
    );
    expect(bias.users).toBe(2);
    expect(bias.recommended).toBeCloseTo((0.5 + 0.4) / 2, 12);
    expect(bias.history).toBeCloseTo((0.1 + 0.2) / 2, 12);
    expect(bias.relativeLift).toBeCloseTo((0.45 - 0.15) / 0.15, 12);
  });
});

describe('group quality', () => {
  const constant = (group: string, value: number, n: number) => Array.from({ length: n }, () => ({ group, value }));

  it('gap between constant groups is exact, with a degenerate interval', () => {
    const q = groupQuality([...constant('F', 0.3, 40), ...constant('M', 0.2, 50)], { seed: 3, resamples: 200 });
    expect(q.gap).toBeCloseTo(0.1, 12);
    expect(q.gapCi[0]).toBeCloseTo(0.1, 12);
    expect(q.gapCi[1]).toBeCloseTo(0.1, 12);
    expect(q.best).toBe('F');
    expect(q.worst).toBe('M');
    expect(q.groups.map((g) => [g.group, g.users])).toEqual([
      ['F', 40],
      ['M', 50],
    ]);
  });

  it('groups below the minimum size are reported but do not drive the gap', () => {
    const q = groupQuality([...constant('A', 0.5, 40), ...constant('B', 0.4, 40), ...constant('tiny', 0, 3)], {
      minGroupSize: 30,
    });
    expect(q.gap).toBeCloseTo(0.1, 12);
    expect(q.groups.find((g) => g.group === 'tiny')?.users).toBe(3);
  });

  it('the bootstrap interval covers the gap and is reproducible from the seed', () => {
    const values = Array.from({ length: 400 }, (_, i) => ({ group: i % 2 ? 'a' : 'b', value: ((i * 37) % 101) / 100 }));
    const first = groupQuality(values, { seed: 11 });
    const again = groupQuality(values, { seed: 11 });
    expect(again).toEqual(first);
    expect(first.gapCi[0]).toBeLessThanOrEqual(first.gap + 1e-12);
    expect(first.gapCi[1]).toBeGreaterThanOrEqual(first.gap - 1e-12);
    expect(first.gapCi[1]).toBeGreaterThan(first.gapCi[0]);
  });

  it('age and activity bands', () => {
    expect(ageBand(17)).toBe('under 18');
    expect(ageBand(25)).toBe('25-34');
    expect(ageBand(56)).toBe('56+');
    expect(ageBand(null)).toBe('unknown');
    const band = activityBands([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(band(1)).toMatch(/^light/);
    expect(band(5)).toMatch(/^medium/);
    expect(band(9)).toMatch(/^heavy/);
  });
});
