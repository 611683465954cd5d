/**
 * Distribution-shift statistics, pure functions over counts. No NestJS, no
 * storage: the drift service, the report CLI and the simulator acceptance run
 * all call these same functions.
 *
 * Distributions are held as counts: a `Counts<K>` maps a value (a number such
 * as "events per user", or a category such as a genre) to how often it was
 * seen. Both the store (SQL GROUP BY) and a dataset snapshot produce them
 * cheaply, and they keep a 30M-row snapshot down to a few hundred numbers.
 */
export type Counts<K extends string | number = string | number> = ReadonlyMap<K, number>;

/** Default floor for empty bins: ln(0) would make PSI infinite. */
export const PSI_EPSILON = 1e-4;

export function total(counts: Counts): number {
  let sum = 0;
  for (const n of counts.values()) sum += n;
  return sum;
}

/** Increments `key` by `by` in a mutable count map. */
export function addCount<K extends string | number>(counts: Map<K, number>, key: K, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/**
 * Numeric bins with fixed lower edges: bin i holds values in [edges[i], edges[i+1]),
 * the last bin is open above, and values below edges[0] fall into bin 0. Fixed
 * edges (rather than quantiles of either side) keep the score comparable from
 * one evaluation to the next.
 */
export function binNumeric(counts: Counts<number>, edges: readonly number[]): number[] {
  const bins = new Array<number>(edges.length).fill(0);
  for (const [value, n] of counts) {
    let i = 0;
    while (i + 1 < edges.length && value >= edges[i + 1]) i++;
    bins[i] += n;
  }
  return bins;
}

/** Categorical bins in the given order; categories not listed are summed into a trailing "other" bin. */
export function binCategorical(counts: Counts<string>, categories: readonly string[]): number[] {
  const index = new Map(categories.map((c, i) => [c, i]));
  const bins = new Array<number>(categories.length + 1).fill(0);
  for (const [category, n] of counts) bins[index.get(category) ?? categories.length] += n;
  return bins;
}

/** Labels for binNumeric's bins: `1`, `2-3`, `≥ 100`. Integer-valued edges only. */
export function numericBinLabels(edges: readonly number[]): string[] {
  return edges.map((low, i) => {
    if (i === edges.length - 1) return `≥ ${low}`;
    const high = edges[i + 1];
    return Number.isInteger(low) && Number.isInteger(high) && high - low === 1 ? `${low}` : `${low}–${high}`;
  });
}

/** Bin counts → proportions with empty bins floored at epsilon and renormalised. */
export function smoothedProportions(bins: readonly number[], epsilon = PSI_EPSILON): number[] {
  const sum = bins.reduce((a, b) => a + b, 0);
  if (sum === 0) return bins.map(() => 1 / bins.length);
  const floored = bins.map((n) => Math.max(n / sum, epsilon));
  const norm = floored.reduce((a, b) => a + b, 0);
  return floored.map((p) => p / norm);
}

/**
 * Population stability index over aligned bins:
 *   PSI = Σ (a_i − e_i) · ln(a_i / e_i)
 * with e = reference (expected) and a = recent (actual) proportions. It is the
 * symmetrised Kullback–Leibler divergence (Siddiqi, "Credit Risk Scorecards",
 * 2006). Common reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major.
 * Empty bins are floored at `epsilon` so the score stays finite.
 */
export function populationStabilityIndex(
  reference: readonly number[],
  recent: readonly number[],
  epsilon = PSI_EPSILON,
): number {
  if (reference.length !== recent.length)
    throw new Error(`PSI needs aligned bins (${reference.length} vs ${recent.length})`);
  const e = smoothedProportions(reference, epsilon);
  const a = smoothedProportions(recent, epsilon);
  let psi = 0;
  for (let i = 0; i < e.length; i++) psi += (a[i] - e[i]) * Math.log(a[i] / e[i]);
  return psi;
}

/**
 * Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_ref(x) − F_recent(x)|
 * over weighted samples (value → count). Ties are handled by stepping both
 * empirical CDFs past a value together. Returns 0 when either side is empty.
 */
export function ksStatistic(reference: Counts<number>, recent: Counts<number>): number {
  const nRef = total(reference);
  const nRecent = total(recent);
  if (nRef === 0 || nRecent === 0) return 0;
  const values = [...new Set([...reference.keys(), ...recent.keys()])].sort((a, b) => a - b);
  let cdfRef = 0;
  let cdfRecent = 0;
  let d = 0;
  for (const v of values) {
    cdfRef += (reference.get(v) ?? 0) / nRef;
    cdfRecent += (recent.get(v) ?? 0) / nRecent;
    d = Math.max(d, Math.abs(cdfRef - cdfRecent));
  }
  return d;
}

/** Counts of a plain list of numbers (test and acceptance convenience). */
export function countValues<K extends string | number>(values: Iterable<K>): Map<K, number> {
  const counts = new Map<K, number>();
  for (const v of values) addCount(counts, v);
  return counts;
}
