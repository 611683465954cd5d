import {
  binCategorical,
  binNumeric,
  countValues,
  ksStatistic,
  numericBinLabels,
  populationStabilityIndex,
  smoothedProportions,
} from './drift-math';

describe('population stability index', () => {
  it('is 0 for identical distributions, whatever their size', () => {
    expect(populationStabilityIndex([10, 20, 30], [10, 20, 30])).toBeCloseTo(0, 12);
    expect(populationStabilityIndex([10, 20, 30], [100, 200, 300])).toBeCloseTo(0, 12);
  });

  it('matches the closed form on a known pair', () => {
    // e = (0.5, 0.5), a = (0.9, 0.1): (0.4)·ln(1.8) + (−0.4)·ln(0.2) = 0.4·ln 9
    expect(populationStabilityIndex([50, 50], [90, 10])).toBeCloseTo(0.4 * Math.log(9), 10);
    // Uniform over 4 vs. (0.4, 0.3, 0.2, 0.1)
    const a = [0.4, 0.3, 0.2, 0.1];
    const expected = a.reduce((s, p) => s + (p - 0.25) * Math.log(p / 0.25), 0);
    expect(populationStabilityIndex([1, 1, 1, 1], [40, 30, 20, 10])).toBeCloseTo(expected, 10);
  });

  it('is symmetric and stays finite when a bin is empty on one side (epsilon smoothing)', () => {
    const psi = populationStabilityIndex([100, 0], [50, 50]);
    expect(Number.isFinite(psi)).toBe(true);
    expect(psi).toBeGreaterThan(1); // a whole new bin is a major shift
    expect(populationStabilityIndex([50, 50], [100, 0])).toBeCloseTo(psi, 10);
    expect(smoothedProportions([100, 0]).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
  });

  it('grows with the shift: slight < moderate < major', () => {
    const base = [25, 25, 25, 25];
    const slight = populationStabilityIndex(base, [27, 25, 24, 24]);
    const moderate = populationStabilityIndex(base, [40, 25, 20, 15]);
    const major = populationStabilityIndex(base, [70, 20, 5, 5]);
    expect(slight).toBeLessThan(0.01);
    expect(moderate).toBeGreaterThan(0.05);
    expect(moderate).toBeLessThan(0.2);
    expect(major).toBeGreaterThan(0.25);
  });

  it('refuses misaligned bins', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow(/aligned/);
  });
});

describe('two-sample Kolmogorov–Smirnov statistic', () => {
  it('is 0 for the same sample and 1 for disjoint supports', () => {
    const a = countValues([1, 2, 3, 4, 5]);
    expect(ksStatistic(a, a)).toBe(0);
    expect(ksStatistic(countValues([1, 2, 3]), countValues([10, 11]))).toBe(1);
  });

  it('equals the largest CDF gap on a worked example', () => {
    // F_a at 1,2,3,4 = .25,.5,.75,1; F_b (values 3,4,4,4) = 0,0,.25,1 → max gap at 2: 0.5
    expect(ksStatistic(countValues([1, 2, 3, 4]), countValues([3, 4, 4, 4]))).toBeCloseTo(0.5, 12);
  });

  it('weights values by their counts (ties step together)', () => {
    const weighted = new Map([
      [1, 3],
      [2, 1],
    ]);
    expect(ksStatistic(weighted, countValues([1, 1, 1, 2]))).toBe(0);
    expect(ksStatistic(weighted, countValues([2, 2]))).toBeCloseTo(0.75, 12);
  });

  it('is 0 when a side is empty (nothing to compare)', () => {
    expect(ksStatistic(new Map(), countValues([1]))).toBe(0);
  });

  it('approximates the normal location-shift value on large samples', () => {
    // Two normals one standard deviation apart: D = 2Φ(0.5) − 1 ≈ 0.3829.
    const grid = (mu: number): Map<number, number> => {
      const m = new Map<number, number>();
      for (let x = -6; x <= 7; x += 0.01) {
        const z = x - mu;
        m.set(Math.round(x * 100) / 100, Math.exp((-z * z) / 2) * 1e6);
      }
      return m;
    };
    expect(ksStatistic(grid(0), grid(1))).toBeCloseTo(0.3829, 2);
  });
});

describe('fixed bins', () => {
  it('bins numbers by lower edges with an open last bin', () => {
    expect(binNumeric(countValues([0, 1, 1, 2, 3, 5, 8, 200]), [1, 2, 3, 5])).toEqual([3, 1, 1, 3]);
    expect(numericBinLabels([1, 2, 4, 10])).toEqual(['1', '2–4', '4–10', '≥ 10']);
  });

  it('bins categories in order and sums unknown ones into a trailing bin', () => {
    const counts = new Map([
      ['Drama', 3],
      ['Comedy', 2],
      ['Western', 1],
    ]);
    expect(binCategorical(counts, ['Comedy', 'Drama'])).toEqual([2, 3, 1]);
  });
});
