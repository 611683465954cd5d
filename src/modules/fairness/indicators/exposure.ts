/**
 * Item-side exposure indicators over recommendation lists. Pure functions over
 * plain arrays (internal item indices), no framework imports.
 */

/** How often each item was shown; `positionWeighted` discounts by rank like DCG (Singh & Joachims 2018). */
export function exposureCounts(
  lists: Iterable<ArrayLike<number>>,
  itemCount: number,
  positionWeighted = false,
): Float64Array {
  const out = new Float64Array(itemCount);
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      const i = list[r];
      if (i < 0 || i >= itemCount) continue;
      out[i] += positionWeighted ? 1 / Math.log2(r + 2) : 1;
    }
  }
  return out;
}

/**
 * Gini coefficient of non-negative values: 0 = perfectly even, → 1 = all on
 * one item. G = 2·Σ i·x(i) / (n·Σx) − (n+1)/n with x sorted ascending, i = 1..n.
 */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    weighted += (i + 1) * sorted[i];
  }
  if (total <= 0) return 0;
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

/** Share of all exposure that goes to the most exposed ⌈fraction·n⌉ items. */
export function topShare(exposure: ArrayLike<number>, fraction: number): number {
  const n = exposure.length;
  if (n === 0) return 0;
  const sorted = Float64Array.from(exposure as ArrayLike<number>)
    .sort()
    .reverse();
  const top = Math.max(1, Math.ceil(fraction * n));
  let total = 0;
  let head = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    if (i < top) head += sorted[i];
  }
  return total > 0 ? head / total : 0;
}

/** Lorenz curve of exposure: `points` (x = share of items, y = share of exposure), items sorted ascending. */
export function lorenzCurve(exposure: ArrayLike<number>, points = 50): { x: number; y: number }[] {
  const n = exposure.length;
  const sorted = Float64Array.from(exposure as ArrayLike<number>).sort();
  const cumulative = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cumulative[i + 1] = cumulative[i] + sorted[i];
  const total = cumulative[n];
  const out: { x: number; y: number }[] = [];
  for (let p = 0; p <= points; p++) {
    const at = Math.round((p / points) * n);
    out.push({ x: n ? at / n : p / points, y: total > 0 ? cumulative[at] / total : p / points });
  }
  return out;
}

/** Distinct items shown at least once / catalog size. */
export function coverage(exposure: ArrayLike<number>): number {
  let covered = 0;
  for (let i = 0; i < exposure.length; i++) if (exposure[i] > 0) covered++;
  return exposure.length ? covered / exposure.length : 0;
}

export interface LongTail {
  /** Items outside the head (the most popular `headShare` of the catalog by popularity). */
  readonly tailItems: number;
  /** Share of long-tail items recommended at least once. */
  readonly coverage: number;
  /** Share of all exposure that went to long-tail items. */
  readonly exposureShare: number;
}

/**
 * Long tail as in Abdollahpouri, Burke & Mobasher (2019): the head is the most
 * popular `headShare` of the catalog (ties by index), everything else is the tail.
 */
export function longTail(exposure: ArrayLike<number>, popularity: ArrayLike<number>, headShare = 0.2): LongTail {
  const n = exposure.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => popularity[b] - popularity[a] || a - b);
  const headCount = Math.ceil(headShare * n);
  let tailItems = 0;
  let tailCovered = 0;
  let tailExposure = 0;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r];
    total += exposure[i];
    if (r < headCount) continue;
    tailItems++;
    tailExposure += exposure[i];
    if (exposure[i] > 0) tailCovered++;
  }
  return {
    tailItems,
    coverage: tailItems ? tailCovered / tailItems : 0,
    exposureShare: total > 0 ? tailExposure / total : 0,
  };
}

export interface CategoryExposure {
  readonly category: string;
  /** Share of exposure that went to the category. */
  readonly exposureShare: number;
  /** Share of the catalog in the category. */
  readonly catalogShare: number;
  /** exposureShare / catalogShare (1 = exposed in proportion to its place in the catalog). */
  readonly ratio: number;
}

/**
 * Exposure per category (genre, release period) against the category's share
 * of the catalog. An item in several categories splits its weight evenly
 * between them, so both sides sum to 1.
 */
export function exposureByCategory(
  exposure: ArrayLike<number>,
  categoriesOf: (item: number) => readonly string[],
): CategoryExposure[] {
  const exp = new Map<string, number>();
  const cat = new Map<string, number>();
  let total = 0;
  const n = exposure.length;
  for (let i = 0; i < n; i++) {
    const categories = categoriesOf(i);
    const list = categories.length ? categories : ['unknown'];
    const w = 1 / list.length;
    for (const c of list) {
      exp.set(c, (exp.get(c) ?? 0) + w * exposure[i]);
      cat.set(c, (cat.get(c) ?? 0) + w);
    }
    total += exposure[i];
  }
  return [...cat.keys()].sort().map((category) => {
    const exposureShare = total > 0 ? (exp.get(category) ?? 0) / total : 0;
    const catalogShare = (cat.get(category) ?? 0) / Math.max(1, n);
    return { category, exposureShare, catalogShare, ratio: catalogShare > 0 ? exposureShare / catalogShare : 0 };
  });
}

/** Release period of a movie: its decade ('1990s'), or 'unknown'. */
export function releasePeriod(year: number | null): string {
  if (year === null || !Number.isFinite(year)) return 'unknown';
  if (year < 1960) return 'before 1960';
  return `${Math.floor(year / 10) * 10}s`;
}

/** Shannon entropy (bits) of a distribution given by non-negative weights. */
export function entropyBits(weights: Iterable<number>): number {
  const values = [...weights];
  const total = values.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  let h = 0;
  for (const w of values) if (w > 0) h -= (w / total) * Math.log2(w / total);
  return h;
}
