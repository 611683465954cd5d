import type { InteractionDataset } from '@lib/dataset';
import {
  addCount,
  binCategorical,
  binNumeric,
  Counts,
  ksStatistic,
  numericBinLabels,
  PSI_EPSILON,
  populationStabilityIndex,
} from './drift-math';

/**
 * What drift is measured on, for one time window: the same shape whether it
 * comes from a dataset snapshot (the model's training data) or from the store
 * (what users did recently). All parts are counts, so a profile is small.
 */
export interface DriftProfile {
  /** Epoch ms; the window is [start, end]. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Distinct movies a user interacted with in the window (watch or rating) → number of users. */
  readonly activity: Counts<number>;
  /** Genre → watched (user, movie) pairs in the window; a movie counts once per genre. */
  readonly genres: Counts<string>;
  /** Rating value → ratings given in the window. */
  readonly ratings: Counts<number>;
  /** Users active in the window, and those of them unknown to the reference snapshot. */
  readonly activeUsers: number;
  readonly newUsers: number;
  /** Watched pairs in the window, and those on movies nobody watched in the reference snapshot. */
  readonly watchedPairs: number;
  readonly newMoviePairs: number;
  /**
   * Prediction side: popularity percentile (in the reference snapshot, 0 = least, 1 = most
   * watched; rounded to 0.001) → count. Reference: one entry per training interaction.
   * Recent: one per item served in a recommendation list.
   */
  readonly popularity: Counts<number>;
}

/** What a recent window is compared with: the reference profile plus what "known" means. */
export interface ReferenceProfile extends DriftProfile {
  readonly snapshotId: string;
  /** End of the training data (epoch ms): the newest interaction, or the snapshot's cutoff. */
  readonly dataEnd: number;
  readonly knownUsers: ReadonlySet<number>;
  /** Movie id → popularity percentile in the snapshot (movies with interactions only). */
  readonly moviePopularity: ReadonlyMap<string, number>;
}

export interface DriftThresholds {
  /** A PSI above this is drift (0.2 is the usual "significant shift" line). */
  readonly psi: number;
  /** A two-sample KS statistic above this is drift. */
  readonly ks: number;
  /** Share of active users unknown to the training snapshot above this is drift. */
  readonly newUserShare: number;
  /** Share of watched pairs on movies absent from the training snapshot above this is drift. */
  readonly newMovieShare: number;
  /** Features with fewer observations in either window are reported but never decide. */
  readonly minSamples: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  psi: 0.2,
  ks: 0.2,
  newUserShare: 0.3,
  newMovieShare: 0.2,
  minSamples: 100,
};

export const DRIFT_FEATURES = [
  'user_activity',
  'genre_mix',
  'rating',
  'new_users',
  'new_movies',
  'served_popularity',
] as const;
export type DriftFeature = (typeof DRIFT_FEATURES)[number];

export interface FeatureDrift {
  readonly feature: DriftFeature;
  readonly kind: 'data' | 'prediction';
  /** PSI over the binned distributions (absent for share features). */
  readonly psi?: number;
  /** KS statistic (numeric features only). */
  readonly ks?: number;
  /** Share features: the recent share. */
  readonly share?: number;
  readonly referenceSamples: number;
  readonly recentSamples: number;
  /** Too few samples in either window: reported, not decided. */
  readonly insufficient: boolean;
  readonly drifted: boolean;
  /** Why it drifted, in words an operator can act on. */
  readonly reason?: string;
  /** Binned distributions side by side (for plots). */
  readonly bins?: { readonly labels: string[]; readonly reference: number[]; readonly recent: number[] };
}

export interface DriftComparison {
  readonly passed: boolean;
  readonly features: readonly FeatureDrift[];
  readonly reasons: readonly string[];
  readonly thresholds: DriftThresholds;
  readonly reference: { readonly snapshotId: string; readonly windowStart: string; readonly windowEnd: string };
  readonly recent: { readonly windowStart: string; readonly windowEnd: string };
}

/** Fixed bins for "movies per active user in the window". */
export const ACTIVITY_EDGES = [1, 2, 3, 4, 6, 9, 14, 21, 31, 51, 101];
/** Popularity percentile deciles. */
export const POPULARITY_EDGES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Percentile of each movie's interaction count among the movies with any
 * interaction: 0 for the least, 1 for the most popular (ties share the lower rank).
 */
export function popularityPercentiles(movieCounts: ReadonlyMap<string, number>): Map<string, number> {
  const sorted = [...movieCounts.entries()].sort((a, b) => a[1] - b[1]);
  const out = new Map<string, number>();
  const n = sorted.length;
  let rank = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i][1] !== sorted[i - 1][1]) rank = i;
    out.set(sorted[i][0], n === 1 ? 1 : round3(rank / (n - 1)));
  }
  return out;
}

/**
 * Reference profile of a training snapshot: its last `windowMs` of activity (so a
 * 24 h recent window is compared with 24 h of training data, not with months), plus
 * the users and movie popularity of the whole snapshot.
 */
export function profileDataset(
  data: InteractionDataset,
  windowMs: number,
  options: { dataEnd?: number } = {},
): ReferenceProfile {
  const n = data.userIndex.length;
  let newest = 0;
  for (let i = 0; i < n; i++) if (data.timestamp[i] > newest) newest = data.timestamp[i];
  const dataEnd = options.dataEnd ?? newest;
  const windowStart = dataEnd - windowMs;

  const knownUsers = new Set<number>();
  const movieCounts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    knownUsers.add(data.users[data.userIndex[i]].id);
    addCount(movieCounts, data.movies[data.itemIndex[i]].id);
  }
  const moviePopularity = popularityPercentiles(movieCounts);

  const perUser = new Map<number, number>();
  const genres = new Map<string, number>();
  const ratings = new Map<number, number>();
  const popularity = new Map<number, number>();
  let watchedPairs = 0;
  for (let i = 0; i < n; i++) {
    const movie = data.movies[data.itemIndex[i]];
    addCount(popularity, moviePopularity.get(movie.id) ?? 0);
    const t = data.timestamp[i];
    if (t < windowStart || t > dataEnd) continue;
    addCount(perUser, data.userIndex[i]);
    if (data.watchMinutes[i] > 0) {
      watchedPairs++;
      for (const g of movie.genres) addCount(genres, g);
    }
    if (data.rating[i] > 0) addCount(ratings, data.rating[i]);
  }
  return {
    snapshotId: data.snapshotId,
    dataEnd,
    windowStart,
    windowEnd: dataEnd,
    activity: countsOfCounts(perUser.values()),
    genres,
    ratings,
    activeUsers: perUser.size,
    newUsers: 0,
    watchedPairs,
    newMoviePairs: 0,
    popularity,
    knownUsers,
    moviePopularity,
  };
}

/** How many users had 1, 2, 3 … interactions. */
export function countsOfCounts(values: Iterable<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of values) addCount(out, v);
  return out;
}

/** Raw aggregates of a recent window, as the store (or a simulator harness) returns them. */
export interface RecentWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  /** User id → distinct movies interacted with in the window. */
  readonly userActivity: ReadonlyMap<number, number>;
  /** Movie id → watched pairs in the window. */
  readonly movieWatches: ReadonlyMap<string, number>;
  readonly genres: Counts<string>;
  readonly ratings: Counts<number>;
  /** Movie id → times it appeared in a served recommendation list in the window. */
  readonly servedItems: ReadonlyMap<string, number>;
}

/** Turns a recent window's aggregates into a profile relative to the reference. */
export function profileRecentWindow(window: RecentWindow, reference: ReferenceProfile): DriftProfile {
  let newUsers = 0;
  for (const userId of window.userActivity.keys()) if (!reference.knownUsers.has(userId)) newUsers++;
  let watchedPairs = 0;
  let newMoviePairs = 0;
  for (const [movieId, n] of window.movieWatches) {
    watchedPairs += n;
    if (!reference.moviePopularity.has(movieId)) newMoviePairs += n;
  }
  const popularity = new Map<number, number>();
  for (const [movieId, n] of window.servedItems) addCount(popularity, reference.moviePopularity.get(movieId) ?? 0, n);
  return {
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,
    activity: countsOfCounts(window.userActivity.values()),
    genres: window.genres,
    ratings: window.ratings,
    activeUsers: window.userActivity.size,
    newUsers,
    watchedPairs,
    newMoviePairs,
    popularity,
  };
}

/** Compares a recent profile with the reference on every feature; `passed` is false if any decided feature drifted. */
export function compareProfiles(
  reference: ReferenceProfile,
  recent: DriftProfile,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
  ratingScaleMax = 5,
): DriftComparison {
  const features: FeatureDrift[] = [];
  const numeric = (
    feature: DriftFeature,
    kind: FeatureDrift['kind'],
    ref: Counts<number>,
    cur: Counts<number>,
    edges: readonly number[],
    labels: string[],
  ): void => {
    const refBins = binNumeric(ref, edges);
    const curBins = binNumeric(cur, edges);
    features.push(decide(feature, kind, refBins, curBins, labels, ksStatistic(ref, cur), thresholds));
  };
  numeric(
    'user_activity',
    'data',
    reference.activity,
    recent.activity,
    ACTIVITY_EDGES,
    numericBinLabels(ACTIVITY_EDGES),
  );

  const genreNames = [...new Set([...reference.genres.keys(), ...recent.genres.keys()])].sort();
  const refGenres = binCategorical(reference.genres, genreNames).slice(0, genreNames.length);
  const curGenres = binCategorical(recent.genres, genreNames).slice(0, genreNames.length);
  features.push(decide('genre_mix', 'data', refGenres, curGenres, genreNames, undefined, thresholds));

  const ratingEdges = Array.from({ length: ratingScaleMax }, (_, i) => i + 1);
  numeric('rating', 'data', reference.ratings, recent.ratings, ratingEdges, ratingEdges.map(String));

  features.push(
    share('new_users', recent.newUsers, recent.activeUsers, reference.activeUsers, thresholds.newUserShare, thresholds),
  );
  features.push(
    share(
      'new_movies',
      recent.newMoviePairs,
      recent.watchedPairs,
      reference.watchedPairs,
      thresholds.newMovieShare,
      thresholds,
    ),
  );
  numeric(
    'served_popularity',
    'prediction',
    reference.popularity,
    recent.popularity,
    POPULARITY_EDGES,
    POPULARITY_EDGES.map((e) => `p${Math.round(e * 100)}`),
  );

  const reasons = features.filter((f) => f.drifted).map((f) => f.reason as string);
  const iso = (t: number): string => new Date(t).toISOString();
  return {
    passed: reasons.length === 0,
    features,
    reasons,
    thresholds,
    reference: {
      snapshotId: reference.snapshotId,
      windowStart: iso(reference.windowStart),
      windowEnd: iso(reference.windowEnd),
    },
    recent: { windowStart: iso(recent.windowStart), windowEnd: iso(recent.windowEnd) },
  };
}

function decide(
  feature: DriftFeature,
  kind: FeatureDrift['kind'],
  refBins: number[],
  curBins: number[],
  labels: string[],
  ks: number | undefined,
  thresholds: DriftThresholds,
): FeatureDrift {
  const referenceSamples = refBins.reduce((a, b) => a + b, 0);
  const recentSamples = curBins.reduce((a, b) => a + b, 0);
  const insufficient = referenceSamples < thresholds.minSamples || recentSamples < thresholds.minSamples;
  const psi = populationStabilityIndex(refBins, curBins, PSI_EPSILON);
  const overPsi = psi > thresholds.psi;
  const overKs = ks !== undefined && ks > thresholds.ks;
  const drifted = !insufficient && (overPsi || overKs);
  const parts = [
    overPsi ? `PSI ${psi.toFixed(3)} > ${thresholds.psi}` : null,
    overKs ? `KS ${(ks as number).toFixed(3)} > ${thresholds.ks}` : null,
  ].filter((p): p is string => p !== null);
  return {
    feature,
    kind,
    psi,
    ...(ks === undefined ? {} : { ks }),
    referenceSamples,
    recentSamples,
    insufficient,
    drifted,
    ...(drifted ? { reason: `${feature}: ${parts.join(', ')}` } : {}),
    bins: { labels, reference: refBins, recent: curBins },
  };
}

function share(
  feature: DriftFeature,
  part: number,
  whole: number,
  referenceSamples: number,
  limit: number,
  thresholds: DriftThresholds,
): FeatureDrift {
  const value = whole === 0 ? 0 : part / whole;
  const insufficient = whole < thresholds.minSamples;
  const drifted = !insufficient && value > limit;
  return {
    feature,
    kind: 'data',
    share: value,
    referenceSamples,
    recentSamples: whole,
    insufficient,
    drifted,
    ...(drifted ? { reason: `${feature}: share ${value.toFixed(3)} > ${limit}` } : {}),
  };
}
