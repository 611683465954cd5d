import { studentTSf } from './distributions';
import { Interval, TestResult } from './proportions';

/** n, mean and unbiased variance of one arm's per-unit values (what the aggregates store). */
export interface SampleSummary {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** Summary from count, sum and sum of squares (the form the time buckets persist). */
export function summaryFromSums(n: number, sum: number, sumSquares: number): SampleSummary {
  if (n <= 0) return { n: 0, mean: NaN, variance: NaN };
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumSquares - n * mean * mean) / (n - 1)) : NaN;
  return { n, mean, variance };
}

/**
 * Summary of per-unit values in two passes (mean first, then squared deviations from it): exact where
 * `summaryFromSums`'s sum of squares loses digits to cancellation, for the samples held in memory.
 */
export function sampleSummary(values: readonly number[]): SampleSummary {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  if (n === 0) return { n: 0, mean: NaN, variance: NaN };
  const mean = sum / n;
  if (n === 1) return { n, mean, variance: NaN };
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { n, mean, variance: squares / (n - 1) };
}

/** Standard error of mean_b − mean_a with unequal variances (Welch 1947): √(s²_a/n_a + s²_b/n_b). */
export function welchStandardError(a: SampleSummary, b: SampleSummary): number {
  return Math.sqrt(a.variance / a.n + b.variance / b.n);
}

/**
 * Welch's unequal-variance t-test (Welch 1947, Biometrika 34:28) with the
 * Welch–Satterthwaite degrees of freedom; two-sided, effect = mean_b − mean_a.
 */
export function welchTTest(
  a: SampleSummary,
  b: SampleSummary,
  confidence = 0.95,
): TestResult & Interval & { df: number } {
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = welchStandardError(a, b);
  const difference = b.mean - a.mean;
  if (!(se > 0)) return { difference, statistic: 0, pValue: 1, df: NaN, lower: difference, upper: difference };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const t = difference / se;
  const q = studentTQuantile(1 - (1 - confidence) / 2, df);
  return {
    difference,
    statistic: t,
    df,
    pValue: Math.min(1, 2 * studentTSf(Math.abs(t), df)),
    lower: difference - q * se,
    upper: difference + q * se,
  };
}

/** Upper quantile of Student's t by bisection on the survival function (monotone; 100 halvings). */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (1 - studentTSf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
