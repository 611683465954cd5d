import {
  betaInc,
  chiSquareSf,
  gammaQ,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSf,
  studentTSf,
} from './distributions';
import { alwaysValidPValue, confidenceSequence, mixtureLikelihoodRatio, proportionLook } from './msprt';
import { minimumSampleSizeForMeans, minimumSampleSizePerArm } from './power';
import { newcombeDifference, twoProportionZTest, wilsonInterval } from './proportions';
import { sampleRatioMismatch } from './srm';
import { sampleSummary, studentTQuantile, summaryFromSums, welchStandardError, welchTTest } from './welch';

// Expected values were computed with Python 3 + scipy 1.17.1 (scipy.stats.norm/t/chi2,
// scipy.special.betainc/gammaincc/gammaln, stats.ttest_ind_from_stats, stats.chisquare),
// or with the textbook formula evaluated in Python where scipy has no direct function
// (Wilson, Newcombe, power, mSPRT); the script is quoted in the experiments README.

describe('distribution functions (known answers from scipy)', () => {
  it('normal CDF, tail and quantile', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 12);
    expect(normalCdf(-3.5)).toBeCloseTo(0.00023262907903552502, 14);
    expect(normalSf(6) / 9.865876450376946e-10).toBeCloseTo(1, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 10);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 10);
  });

  it('Student t, chi-square, incomplete beta and gamma', () => {
    expect(studentTSf(2.1, 7.5)).toBeCloseTo(0.035618535729039044, 10);
    expect(studentTSf(-1.3, 30)).toBeCloseTo(0.8982495207309416, 10);
    expect(studentTSf(0.5, 2)).toBeCloseTo(1 / 3, 10);
    expect(studentTQuantile(0.975, 12.3)).toBeCloseTo(2.172933481758962, 8);
    expect(chiSquareSf(3.84, 1)).toBeCloseTo(0.05004352124870519, 10);
    expect(chiSquareSf(10.5, 3)).toBeCloseTo(0.014760897143990665, 10);
    expect(betaInc(0.4, 2.5, 3.5)).toBeCloseTo(0.4869041915261176, 10);
    expect(gammaQ(3, 2.5)).toBeCloseTo(0.5438131158833297, 10);
    expect(logGamma(10.5)).toBeCloseTo(13.940625219403763, 10);
  });
});

describe('proportions', () => {
  it('Wilson score interval', () => {
    const w = wilsonInterval(45, 100);
    expect(w.lower).toBeCloseTo(0.3561453797951198, 10);
    expect(w.upper).toBeCloseTo(0.5475539700255787, 10);
    expect(wilsonInterval(0, 20).lower).toBeCloseTo(0, 12);
    expect(wilsonInterval(0, 20).upper).toBeCloseTo(0.16112515805281938, 10);
    expect(wilsonInterval(81, 263).lower).toBeCloseTo(0.2552885198782742, 10);
  });

  it('Newcombe hybrid-score interval matches the published example (56/70 vs 48/80: +0.0524 to +0.3339)', () => {
    // Newcombe (1998) Table II, example (a), method 10.
    const d = newcombeDifference(48, 80, 56, 70);
    expect(d.estimate).toBeCloseTo(0.2, 12);
    expect(d.lower).toBeCloseTo(0.05243147240236498, 10);
    expect(d.upper).toBeCloseTo(0.333872654036906, 10);
  });

  it('two-proportion z-test (pooled)', () => {
    const t = twoProportionZTest(120, 1000, 150, 1000);
    expect(t.difference).toBeCloseTo(0.03, 12);
    expect(t.statistic).toBeCloseTo(1.963049807622355, 10);
    expect(t.pValue).toBeCloseTo(0.04964038686536878, 10);
    expect(twoProportionZTest(0, 10, 0, 10).pValue).toBe(1);
  });
});

describe('Welch t-test', () => {
  it('matches scipy.stats.ttest_ind_from_stats(equal_var=False) with B − A orientation', () => {
    const r = welchTTest({ n: 30, mean: 10, variance: 4 }, { n: 25, mean: 11.5, variance: 9 });
    expect(r.statistic).toBeCloseTo(2.135605490443123, 10);
    expect(r.pValue).toBeCloseTo(0.03881197166631032, 9);
    expect(r.df).toBeCloseTo(40.47508602013509, 9);
    expect(r.lower).toBeCloseTo(0.08096215538333928, 7);
    expect(r.upper).toBeCloseTo(2.9190378446166605, 7);
  });

  it('summaries from persisted sums', () => {
    const s = summaryFromSums(4, 1 + 2 + 3 + 4, 1 + 4 + 9 + 16);
    expect(s.mean).toBe(2.5);
    expect(s.variance).toBeCloseTo(5 / 3, 12);
  });

  it('summaries of values held in memory (two passes)', () => {
    const s = sampleSummary([1, 2, 3, 4]);
    expect(s).toEqual({ n: 4, mean: 2.5, variance: 5 / 3 });
    // Cancellation: the sum of squares loses these digits, the two-pass form keeps them.
    expect(sampleSummary([1e9 + 1, 1e9 + 2, 1e9 + 3]).variance).toBe(1);
    expect(sampleSummary([0.7])).toEqual({ n: 1, mean: 0.7, variance: NaN });
    expect(sampleSummary([])).toEqual({ n: 0, mean: NaN, variance: NaN });
  });

  it('standard error of the difference: √(s²_a/n_a + s²_b/n_b), the one the t statistic divides by', () => {
    const a = { n: 30, mean: 10, variance: 4 };
    const b = { n: 25, mean: 11.5, variance: 9 };
    expect(welchStandardError(a, b)).toBeCloseTo(Math.sqrt(4 / 30 + 9 / 25), 15);
    expect(welchStandardError(a, b)).toBeCloseTo(1.5 / welchTTest(a, b).statistic, 12);
    expect(welchStandardError(b, a)).toBe(welchStandardError(a, b));
  });
});

describe('sample-ratio mismatch', () => {
  it('chi-square goodness of fit against the configured shares', () => {
    const a = sampleRatioMismatch([5120, 4880], [0.5, 0.5]);
    expect(a.chiSquare).toBeCloseTo(5.76, 10);
    expect(a.pValue).toBeCloseTo(0.01639507184919225, 10);
    expect(a.mismatch).toBe(false); // p ≥ 0.001
    const b = sampleRatioMismatch([330, 350, 320], [0.3, 0.4, 0.3], 0.01);
    expect(b.chiSquare).toBeCloseTo(10.583333333333334, 10);
    expect(b.pValue).toBeCloseTo(0.0050333643244810065, 10);
    expect(b.mismatch).toBe(true);
  });
});

describe('power', () => {
  it('minimum sample size per arm for proportions and means', () => {
    expect(minimumSampleSizePerArm({ baselineRate: 0.1, minimumDetectableEffect: 0.02 })).toBe(3841); // 3840.85
    expect(minimumSampleSizePerArm({ baselineRate: 0.3, minimumDetectableEffect: 0.05, alpha: 0.01, power: 0.9 })).toBe(
      2609, // 2608.86
    );
    expect(minimumSampleSizeForMeans({ standardDeviation: 2, minimumDetectableEffect: 0.5 })).toBe(252); // 251.16
  });
});

describe('mSPRT (normal mixture)', () => {
  it('likelihood ratio and confidence sequence', () => {
    const look = { difference: 0.05, variance: 0.0004 };
    expect(mixtureLikelihoodRatio(look, 0.05)).toBeCloseTo(5.492946325124934, 9);
    expect(alwaysValidPValue([look], 0.05)).toBeCloseTo(0.18205166058622566, 10);
    const cs = confidenceSequence(look, 0.05, 0.05);
    expect(cs.lower).toBeCloseTo(-0.010821248190185956, 10);
    expect(cs.upper).toBeCloseTo(0.11082124819018596, 10);
  });

  it('keeps the running minimum across looks', () => {
    const looks = [proportionLook(10, 100, 30, 100), proportionLook(100, 1000, 105, 1000)];
    expect(alwaysValidPValue(looks, 0.05)).toBeLessThan(alwaysValidPValue(looks.slice(1), 0.05));
  });
});
