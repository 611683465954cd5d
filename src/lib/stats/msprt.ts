/**
 * Always-valid inference by the mixture sequential probability ratio test
 * (mSPRT) with a normal mixing distribution N(0, τ²) over the effect, in the
 * two-sample form of Johari, Koomen, Pekelis & Walsh (2017), "Peeking at A/B
 * Tests: Why it matters, and what to do about it", KDD, §4 (and Johari et al.
 * 2022, Operations Research 70(3), "Always Valid Inference").
 *
 * With effect estimate θ̂ = mean_b − mean_a and its variance V = σ²_a/n_a + σ²_b/n_b,
 * the mixture likelihood ratio against H0: θ = θ0 is
 *   Λ = √(V / (V + τ²)) · exp( τ²(θ̂ − θ0)² / (2V(V + τ²)) ).
 * The always-valid p-value is the running minimum of min(1, 1/Λ) over every
 * look; rejecting when it falls below α keeps the type-I error at or below α
 * however often one peeks (Ville's inequality). Its confidence sequence is
 *   θ̂ ± √( V(V + τ²)/τ² · (2·ln(1/α) + ln((V + τ²)/V)) ).
 */
export interface SequentialLook {
  readonly difference: number;
  /** Variance of the difference estimate at this look. */
  readonly variance: number;
}

export function mixtureLikelihoodRatio(look: SequentialLook, tau: number, nullValue = 0): number {
  const v = look.variance;
  const t2 = tau * tau;
  if (!(v > 0)) return 1;
  return Math.sqrt(v / (v + t2)) * Math.exp((t2 * (look.difference - nullValue) ** 2) / (2 * v * (v + t2)));
}

/** The p-value of one look alone (min(1, 1/Λ)); combine looks with `alwaysValidPValue`. */
export function sequentialPValue(look: SequentialLook, tau: number): number {
  return Math.min(1, 1 / mixtureLikelihoodRatio(look, tau));
}

/** Running minimum of the per-look p-values: valid at every look, including the last. */
export function alwaysValidPValue(looks: readonly SequentialLook[], tau: number): number {
  let p = 1;
  for (const look of looks) p = Math.min(p, sequentialPValue(look, tau));
  return p;
}

export function confidenceSequence(look: SequentialLook, tau: number, alpha = 0.05): { lower: number; upper: number } {
  const v = look.variance;
  const t2 = tau * tau;
  if (!(v > 0)) return { lower: -Infinity, upper: Infinity };
  const half = Math.sqrt(((v * (v + t2)) / t2) * (2 * Math.log(1 / alpha) + Math.log((v + t2) / v)));
  return { lower: look.difference - half, upper: look.difference + half };
}

/** A look at a difference of two proportions (unpooled variance). */
export function proportionLook(
  successesA: number,
  trialsA: number,
  successesB: number,
  trialsB: number,
): SequentialLook {
  const pa = successesA / trialsA;
  const pb = successesB / trialsB;
  return { difference: pb - pa, variance: (pa * (1 - pa)) / trialsA + (pb * (1 - pb)) / trialsB };
}
