import { chiSquareSf } from './distributions';

export interface SampleRatioCheck {
  readonly observed: readonly number[];
  readonly expected: readonly number[];
  readonly chiSquare: number;
  readonly df: number;
  readonly pValue: number;
  /** True when p < threshold: the split is not what was configured, so the comparison is suspect. */
  readonly mismatch: boolean;
}

/**
 * Sample-ratio-mismatch check: Pearson chi-square goodness of fit of the
 * observed units per arm to the configured shares. The strict default
 * threshold (p < 0.001) follows Fabijan et al. (2019), "Diagnosing Sample
 * Ratio Mismatch in Online Controlled Experiments", KDD.
 */
export function sampleRatioMismatch(
  observed: readonly number[],
  shares: readonly number[],
  threshold = 0.001,
): SampleRatioCheck {
  const total = observed.reduce((s, x) => s + x, 0);
  const shareSum = shares.reduce((s, x) => s + x, 0);
  const expected = shares.map((s) => (total * s) / shareSum);
  let chiSquare = 0;
  for (let i = 0; i < observed.length; i++)
    if (expected[i] > 0) chiSquare += (observed[i] - expected[i]) ** 2 / expected[i];
  const df = observed.length - 1;
  const pValue = total > 0 && df > 0 ? chiSquareSf(chiSquare, df) : 1;
  return { observed, expected, chiSquare, df, pValue, mismatch: pValue < threshold };
}
