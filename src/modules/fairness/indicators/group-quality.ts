import { createRng } from '@lib/training';

/** One user's ranking quality and the group they fall in on one dimension. */
export interface GroupedValue {
  readonly group: string;
  readonly value: number;
}

export interface GroupStat {
  readonly group: string;
  readonly users: number;
  readonly mean: number;
  /** Percentile-bootstrap 95% interval of the group mean. */
  readonly ci: readonly [number, number];
}

export interface GroupQuality {
  /** Every group, sorted by name; groups below minGroupSize are listed but take no part in the gap. */
  readonly groups: readonly GroupStat[];
  /** Largest difference of group means (best − worst) among groups with ≥ minGroupSize users. */
  readonly gap: number;
  /** Percentile-bootstrap 95% interval of the gap (groups resampled independently, same seed → same interval). */
  readonly gapCi: readonly [number, number];
  readonly best: string | null;
  readonly worst: string | null;
  readonly minGroupSize: number;
}

export interface GroupQualityOptions {
  readonly seed?: number;
  readonly resamples?: number;
  /** Smaller groups are too noisy to be compared (their mean is reported, with a wide interval). */
  readonly minGroupSize?: number;
}

/**
 * Per-group means and the largest gap between groups, with a stratified
 * bootstrap (Efron & Tibshirani 1993): every resample redraws each group's
 * users with replacement and recomputes every group mean and the max − min gap.
 */
export function groupQuality(values: readonly GroupedValue[], opts: GroupQualityOptions = {}): GroupQuality {
  const resamples = opts.resamples ?? 500;
  const minGroupSize = opts.minGroupSize ?? 30;
  const rng = createRng(opts.seed ?? 1);
  const byGroup = new Map<string, number[]>();
  for (const { group, value } of values) {
    let list = byGroup.get(group);
    if (!list) byGroup.set(group, (list = []));
    list.push(value);
  }
  const names = [...byGroup.keys()].sort();
  const samples = names.map((g) => Float64Array.from(byGroup.get(g) as number[]));
  const means = samples.map(mean);
  const compared = names.map((_, j) => samples[j].length >= minGroupSize);

  const bootMeans = names.map(() => new Float64Array(resamples));
  const bootGaps = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let hi = -Infinity;
    let lo = Infinity;
    for (let j = 0; j < names.length; j++) {
      const xs = samples[j];
      let s = 0;
      for (let t = 0; t < xs.length; t++) s += xs[rng.int(xs.length)];
      const m = xs.length ? s / xs.length : 0;
      bootMeans[j][b] = m;
      if (!compared[j]) continue;
      if (m > hi) hi = m;
      if (m < lo) lo = m;
    }
    bootGaps[b] = hi > lo ? hi - lo : 0;
  }

  let best: string | null = null;
  let worst: string | null = null;
  for (let j = 0; j < names.length; j++) {
    if (!compared[j]) continue;
    if (best === null || means[j] > means[names.indexOf(best)]) best = names[j];
    if (worst === null || means[j] < means[names.indexOf(worst)]) worst = names[j];
  }
  const gap = best !== null && worst !== null ? means[names.indexOf(best)] - means[names.indexOf(worst)] : 0;
  return {
    groups: names.map((group, j) => ({
      group,
      users: samples[j].length,
      mean: means[j],
      ci: interval(bootMeans[j]),
    })),
    gap,
    gapCi: best !== null && best !== worst ? interval(bootGaps) : [0, 0],
    best,
    worst,
    minGroupSize,
  };
}

function mean(xs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : 0;
}

/** 2.5th and 97.5th percentiles (nearest rank). */
function interval(xs: Float64Array): [number, number] {
  if (xs.length === 0) return [0, 0];
  const sorted = Float64Array.from(xs).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return [at(0.025), at(0.975)];
}

/** Age bands of the MovieLens 1M demographics. */
export function ageBand(age: number | null): string {
  if (age === null || !Number.isFinite(age)) return 'unknown';
  if (age < 18) return 'under 18';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 56) return '45-55';
  return '56+';
}

/**
 * Activity level by history length, split at the tertiles of the audited
 * users' history lengths so the three bands have similar sizes.
 */
export function activityBands(historyLengths: readonly number[]): (length: number) => string {
  const sorted = [...historyLengths].sort((a, b) => a - b);
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
  const low = q(1 / 3);
  const high = q(2 / 3);
  return (length) => (length <= low ? `light (≤${low})` : length <= high ? `medium (≤${high})` : `heavy (>${high})`);
}
