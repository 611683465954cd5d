import { ActivityTable } from './activity-table';

/**
 * Shilling (fake-profile) detectors from the recommender-security literature,
 * as pure functions over an ActivityTable. Each returns one value per user
 * (NaN when undefined for that user, e.g. no ratings) or per item window.
 *
 *  - RDMA, WDMA, WDA: Chirita, Nejdl & Zamfir 2005 ("Preventing shilling attacks
 *    in online recommender systems"); Williams, Mobasher & Burke 2006/2007
 *    ("Defending recommender systems: detection of profile injection attacks").
 *    Fake profiles disagree with the community on the items they push and on
 *    fillers drawn from a global distribution; dividing by an item's rating
 *    count weighs disagreement on rarely rated items (targets) more.
 *  - DegSim: Chirita et al. 2005. Fakes built from one template are unusually
 *    similar to their top-k neighbours (which are other fakes).
 *  - LengthVar: Burke et al. 2006. Profile length far from the average length
 *    (fillers are a fixed size, often larger than a genuine history).
 *  - Unwatched-rating share: a platform-specific plausibility feature. On a
 *    streaming service a rating normally follows viewing; an account whose
 *    ratings are mostly for movies it never streamed is implausible.
 *  - Burst test per item: a time-window Poisson test (the "time interval"
 *    detection of Zhang et al. 2006, "Detecting shilling attacks through the
 *    lens of time series", and Gunes et al.'s survey, 2014): extreme ratings from
 *    young accounts in one window, against the item's own base rate.
 */

export interface ItemRatingStats {
  readonly mean: Float64Array;
  readonly count: Int32Array;
}

export function itemRatingStats(t: ActivityTable): ItemRatingStats {
  const n = t.movieIds.length;
  const sum = new Float64Array(n);
  const count = new Int32Array(n);
  for (let k = 0; k < t.ratingUser.length; k++) {
    sum[t.ratingItem[k]] += t.ratingValue[k];
    count[t.ratingItem[k]]++;
  }
  const mean = new Float64Array(n);
  for (let i = 0; i < n; i++) mean[i] = count[i] > 0 ? sum[i] / count[i] : NaN;
  return { mean, count };
}

function ratingsPerUser(t: ActivityTable): Int32Array {
  const n = new Int32Array(t.userIds.length);
  for (let k = 0; k < t.ratingUser.length; k++) n[t.ratingUser[k]]++;
  return n;
}

/**
 * Rating Deviation from Mean Agreement (Chirita et al. 2005):
 *   RDMA_u = (1/N_u) Σ_i |r_ui − r̄_i| / NR_i
 * WDMA (Williams et al. 2006) squares NR_i; WDA drops the 1/N_u.
 */
export function deviationFromMeanAgreement(
  t: ActivityTable,
  stats: ItemRatingStats = itemRatingStats(t),
): { rdma: Float64Array; wdma: Float64Array; wda: Float64Array } {
  const nU = t.userIds.length;
  const rdma = new Float64Array(nU);
  const wdma = new Float64Array(nU);
  const wda = new Float64Array(nU);
  const n = ratingsPerUser(t);
  for (let k = 0; k < t.ratingUser.length; k++) {
    const u = t.ratingUser[k];
    const i = t.ratingItem[k];
    const dev = Math.abs(t.ratingValue[k] - stats.mean[i]);
    rdma[u] += dev / stats.count[i];
    wdma[u] += dev / stats.count[i] ** 2;
    wda[u] += dev / stats.count[i];
  }
  for (let u = 0; u < nU; u++) {
    if (n[u] === 0) {
      rdma[u] = wdma[u] = wda[u] = NaN;
    } else {
      rdma[u] /= n[u];
      wdma[u] /= n[u];
    }
  }
  return { rdma, wdma, wda };
}

/**
 * Degree of Similarity with top-k neighbours (Chirita et al. 2005): the mean of
 * a user's k largest Pearson correlations. Correlations use each user's mean over
 * all their ratings and are damped by co-rating support (significance weighting,
 * Herlocker et al. 1999: × min(n_co, γ)/γ), since most pairs share one or two items.
 */
export function degreeOfSimilarity(t: ActivityTable, k = 10, gamma = 5): Float64Array {
  const nU = t.userIds.length;
  const nI = t.movieIds.length;
  const n = ratingsPerUser(t);
  const userSum = new Float64Array(nU);
  for (let r = 0; r < t.ratingUser.length; r++) userSum[t.ratingUser[r]] += t.ratingValue[r];
  // Item → (user, centred rating) lists.
  const itemStart = new Int32Array(nI + 1);
  for (let r = 0; r < t.ratingItem.length; r++) itemStart[t.ratingItem[r] + 1]++;
  for (let i = 0; i < nI; i++) itemStart[i + 1] += itemStart[i];
  const fill = itemStart.slice(0, nI);
  const itemUsers = new Int32Array(t.ratingItem.length);
  const itemDev = new Float64Array(t.ratingItem.length);
  const positionItem = new Int32Array(t.ratingItem.length);
  const userRows: number[][] = Array.from({ length: nU }, () => []);
  for (let r = 0; r < t.ratingItem.length; r++) {
    const u = t.ratingUser[r];
    const p = fill[t.ratingItem[r]]++;
    itemUsers[p] = u;
    itemDev[p] = t.ratingValue[r] - userSum[u] / n[u];
    positionItem[p] = t.ratingItem[r];
    userRows[u].push(p);
  }
  const out = new Float64Array(nU).fill(NaN);
  const dot = new Float64Array(nU);
  const sqA = new Float64Array(nU);
  const sqB = new Float64Array(nU);
  const co = new Int32Array(nU);
  const touched: number[] = [];
  for (let a = 0; a < nU; a++) {
    if (n[a] === 0) continue;
    touched.length = 0;
    for (const p of userRows[a]) {
      const item = positionItem[p];
      const da = itemDev[p];
      for (let q = itemStart[item]; q < itemStart[item + 1]; q++) {
        const b = itemUsers[q];
        if (b === a) continue;
        if (co[b] === 0) touched.push(b);
        co[b]++;
        dot[b] += da * itemDev[q];
        sqA[b] += da * da;
        sqB[b] += itemDev[q] * itemDev[q];
      }
    }
    const sims: number[] = [];
    for (const b of touched) {
      const denom = Math.sqrt(sqA[b] * sqB[b]);
      // Both centred on their own means: equal deviations of zero carry no evidence either way.
      const pearson = denom > 0 ? dot[b] / denom : 0;
      sims.push(pearson * (Math.min(co[b], gamma) / gamma));
      co[b] = 0;
      dot[b] = sqA[b] = sqB[b] = 0;
    }
    sims.sort((x, y) => y - x);
    const top = sims.slice(0, k);
    let s = 0;
    for (const v of top) s += v;
    // Fewer than k neighbours: the missing ones count as 0 similarity.
    out[a] = s / k;
  }
  return out;
}

/** Length variance (Burke et al. 2006): |n_u − n̄| / Σ_v (n_v − n̄)², over users with ratings. */
export function lengthVariance(t: ActivityTable): Float64Array {
  const n = ratingsPerUser(t);
  let users = 0;
  let total = 0;
  for (let u = 0; u < n.length; u++) {
    if (n[u] === 0) continue;
    users++;
    total += n[u];
  }
  const mean = users > 0 ? total / users : 0;
  let ss = 0;
  for (let u = 0; u < n.length; u++) if (n[u] > 0) ss += (n[u] - mean) ** 2;
  const out = new Float64Array(n.length);
  for (let u = 0; u < n.length; u++) out[u] = n[u] === 0 ? NaN : ss > 0 ? Math.abs(n[u] - mean) / ss : 0;
  return out;
}

/** Share of a user's ratings for movies the user never streamed (NaN without ratings). */
export function unwatchedRatingShare(t: ActivityTable): Float64Array {
  const n = ratingsPerUser(t);
  const unwatched = new Int32Array(n.length);
  for (let k = 0; k < t.ratingUser.length; k++) {
    const u = t.ratingUser[k];
    if (!t.watched[u].has(t.ratingItem[k])) unwatched[u]++;
  }
  return Float64Array.from(n, (count, u) => (count === 0 ? NaN : unwatched[u] / count));
}

export interface BurstOptions {
  /** Width of the time windows ratings are counted in. */
  readonly windowMs: number;
  /** Accounts younger than this at rating time count as young. */
  readonly youngAccountMs: number;
  /** Family-wise false-alarm rate, Bonferroni-split over every (item, window, direction) tested. */
  readonly alpha: number;
  /** Never flag fewer ratings than this in one window, whatever the p-value. */
  readonly minCount: number;
}

export const DEFAULT_BURST_OPTIONS: BurstOptions = {
  windowMs: 3_600_000,
  youngAccountMs: 7 * 86_400_000,
  alpha: 0.001,
  minCount: 5,
};

export interface RatingBurst {
  readonly item: number;
  readonly movieId: string;
  /** 'push' = ratings at the top of the scale, 'nuke' = at the bottom. */
  readonly direction: 'push' | 'nuke';
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Extreme ratings from young accounts in the window, and what the base rate predicts. */
  readonly count: number;
  readonly expected: number;
  readonly pValue: number;
  /** Rating rows (indices into the table) that make up the burst. */
  readonly ratings: readonly number[];
}

/**
 * Time-window burst test per target item. Under the null hypothesis an item's
 * extreme ratings arrive as a Poisson process at its own average rate (all
 * accounts, whole span; at least one per span). A window whose extreme ratings
 * from young accounts reach count c is a burst when P(X ≥ c | λ) < α / tests.
 * Windows slide (one starts at each young extreme rating) and overlapping
 * significant windows merge, so a campaign straddling a boundary stays whole.
 * Young accounts only: a campaign needs fresh accounts, and a popular release
 * rated by established users is not a burst.
 */
export function ratingBursts(
  t: ActivityTable,
  options: Partial<BurstOptions> = {},
): { bursts: RatingBurst[]; tests: number } {
  const o = { ...DEFAULT_BURST_OPTIONS, ...options };
  if (t.ratingAt.length === 0) return { bursts: [], tests: 0 };
  let first = Infinity;
  let last = -Infinity;
  for (const at of t.ratingAt) {
    if (at < first) first = at;
    if (at > last) last = at;
  }
  const windows = Math.max(1, Math.ceil((last - first + 1) / o.windowMs));
  const top = t.ratingScaleMax;
  // item*2+dir → how many extreme ratings overall (the base rate), and the young accounts' ones.
  const extremeTotal = new Map<number, number>();
  const young = new Map<number, number[]>();
  for (let k = 0; k < t.ratingAt.length; k++) {
    const v = t.ratingValue[k];
    const dir = v >= top ? 0 : v <= 1 ? 1 : -1;
    if (dir < 0) continue;
    const key = t.ratingItem[k] * 2 + dir;
    extremeTotal.set(key, (extremeTotal.get(key) ?? 0) + 1);
    const created = t.accountCreatedAt[t.ratingUser[k]];
    if (!(t.ratingAt[k] - created < o.youngAccountMs)) continue;
    let rows = young.get(key);
    if (!rows) young.set(key, (rows = []));
    rows.push(k);
  }
  const tests = Math.max(1, extremeTotal.size * windows);
  const bursts: RatingBurst[] = [];
  for (const [key, rows] of young) {
    if (rows.length < o.minCount) continue;
    rows.sort((a, b) => t.ratingAt[a] - t.ratingAt[b]);
    const lambda = Math.max(1, extremeTotal.get(key)!) / windows;
    // Sliding windows starting at each rating (a campaign straddling a fixed boundary is still one
    // burst); overlapping significant windows merge into one burst.
    let segment: { from: number; to: number; pValue: number } | null = null;
    const close = (): void => {
      if (!segment) return;
      const item = Math.floor(key / 2);
      const members = rows.slice(segment.from, segment.to);
      bursts.push({
        item,
        movieId: t.movieIds[item],
        direction: key % 2 === 0 ? 'push' : 'nuke',
        windowStart: t.ratingAt[members[0]],
        windowEnd: t.ratingAt[members[members.length - 1]] + 1,
        count: members.length,
        expected: lambda,
        pValue: segment.pValue,
        ratings: members,
      });
      segment = null;
    };
    let j = 0;
    for (let i = 0; i < rows.length; i++) {
      if (j < i) j = i;
      while (j < rows.length && t.ratingAt[rows[j]] < t.ratingAt[rows[i]] + o.windowMs) j++;
      const count = j - i;
      if (count < o.minCount) continue;
      const p = poissonUpperTail(count, lambda);
      if (p >= o.alpha / tests) continue;
      if (segment && i < segment.to) {
        segment.to = Math.max(segment.to, j);
        segment.pValue = Math.min(segment.pValue, p);
      } else {
        close();
        segment = { from: i, to: j, pValue: p };
      }
    }
    close();
  }
  bursts.sort((a, b) => a.pValue - b.pValue || a.item - b.item);
  return { bursts, tests };
}

/** P(X ≥ c) for X ~ Poisson(λ), summed in log space so tiny tails do not underflow to 0 too early. */
export function poissonUpperTail(c: number, lambda: number): number {
  if (c <= 0) return 1;
  let logTerm = -lambda + c * Math.log(lambda) - logFactorial(c);
  let sum = 0;
  for (let x = c; x < c + 1000; x++) {
    const term = Math.exp(logTerm);
    sum += term;
    if (term < sum * 1e-15) break;
    logTerm += Math.log(lambda) - Math.log(x + 1);
  }
  return Math.min(1, sum);
}

function logFactorial(n: number): number {
  let s = 0;
  for (let k = 2; k <= n; k++) s += Math.log(k);
  return s;
}

/** Robust z-scores (median / 1.4826·MAD) over the finite values; NaN stays NaN. */
export function robustZ(values: Float64Array): Float64Array {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length === 0) return Float64Array.from(values, () => NaN);
  const median = quantile(finite, 0.5);
  const mad = quantile(
    finite.map((v) => Math.abs(v - median)),
    0.5,
  );
  const scale = Math.max(1.4826 * mad, 1e-12);
  return Float64Array.from(values, (v) => (Number.isFinite(v) ? (v - median) / scale : NaN));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}
