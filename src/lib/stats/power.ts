import { normalQuantile } from './distributions';

/**
 * Units per arm for a two-sided two-proportion z-test to detect p_b − p_a =
 * `minimumDetectableEffect` (absolute) with the given power, equal arms:
 * n = (z_{1−α/2}·√(2·p̄(1−p̄)) + z_{power}·√(p_a(1−p_a) + p_b(1−p_b)))² / δ²
 * (Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions, 3rd ed., eq. 4.14, without continuity correction).
 */
export function minimumSampleSizePerArm(options: {
  baselineRate: number;
  minimumDetectableEffect: number;
  alpha?: number;
  power?: number;
}): number {
  const { baselineRate: pa, minimumDetectableEffect: delta } = options;
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const pb = pa + delta;
  const mean = (pa + pb) / 2;
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zBeta = normalQuantile(power);
  const n =
    (zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(pa * (1 - pa) + pb * (1 - pb))) ** 2 / delta ** 2;
  return Math.ceil(n);
}

/** Units per arm for a two-sided Welch/z comparison of means with common SD σ: 2σ²(z_{1−α/2}+z_power)²/δ². */
export function minimumSampleSizeForMeans(options: {
  standardDeviation: number;
  minimumDetectableEffect: number;
  alpha?: number;
  power?: number;
}): number {
  const zAlpha = normalQuantile(1 - (options.alpha ?? 0.05) / 2);
  const zBeta = normalQuantile(options.power ?? 0.8);
  return Math.ceil((2 * options.standardDeviation ** 2 * (zAlpha + zBeta) ** 2) / options.minimumDetectableEffect ** 2);
}
