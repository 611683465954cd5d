import { normalQuantile, normalSf } from './distributions';

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

export interface ProportionEstimate extends Interval {
  readonly successes: number;
  readonly trials: number;
  readonly estimate: number;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209),
 * which keeps sensible coverage near 0 and 1 and for small n, unlike the Wald interval.
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): ProportionEstimate {
  if (trials <= 0) return { successes, trials, estimate: NaN, lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { successes, trials, estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * Interval for the difference p_b − p_a from the two Wilson intervals: Newcombe
 * (1998), "Interval estimation for the difference between independent
 * proportions", Stat. Med. 17:873, method 10 (hybrid score, no continuity correction).
 */
export function newcombeDifference(
  successesA: number,
  trialsA: number,
  successesB: number,
  trialsB: number,
  confidence = 0.95,
): Interval & { readonly estimate: number } {
  const a = wilsonInterval(successesA, trialsA, confidence);
  const b = wilsonInterval(successesB, trialsB, confidence);
  const d = b.estimate - a.estimate;
  const lower = d - Math.sqrt((b.estimate - b.lower) ** 2 + (a.upper - a.estimate) ** 2);
  const upper = d + Math.sqrt((b.upper - b.estimate) ** 2 + (a.estimate - a.lower) ** 2);
  return { estimate: d, lower, upper };
}

export interface TestResult {
  /** Effect estimate: B − A. */
  readonly difference: number;
  readonly statistic: number;
  /** Two-sided p-value. */
  readonly pValue: number;
}

/** Two-proportion z-test with the pooled standard error under H0: p_a = p_b (two-sided). */
export function twoProportionZTest(
  successesA: number,
  trialsA: number,
  successesB: number,
  trialsB: number,
): TestResult {
  if (trialsA <= 0 || trialsB <= 0) return { difference: NaN, statistic: 0, pValue: 1 };
  const pa = successesA / trialsA;
  const pb = successesB / trialsB;
  const pooled = (successesA + successesB) / (trialsA + trialsB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / trialsA + 1 / trialsB));
  if (!(se > 0)) return { difference: pb - pa, statistic: 0, pValue: 1 };
  const z = (pb - pa) / se;
  return { difference: pb - pa, statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}
