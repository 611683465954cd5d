/**
 * The rows one batch of the movielog stream adds to the activity tables, as
 * ingestion collapses them (times are epoch milliseconds, UTC). The shapes
 * are the interactions module's: ingestion produces them, ActivityWriteRepository
 * merges them into the store.
 */
export interface WatchRow {
  readonly userId: number;
  readonly movieId: string;
  /** Highest minute seen; minutes watched = maxMinute + 1. */
  readonly maxMinute: number;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

export interface RatingRow {
  readonly userId: number;
  readonly movieId: string;
  readonly ratedAt: number;
  readonly rating: number;
}

export interface RecommendationRow {
  /** The row's key: recommendationLineHash of the stream line. */
  readonly lineHash: string;
  readonly userId: number;
  readonly requestedAt: number;
  readonly status: number;
  readonly items: readonly string[];
  readonly latencyMs: number;
  /** Why the request failed (status 0 or non-2xx), null when it succeeded; with the line's error text. */
  readonly failure?: { readonly reason: string; readonly text: string } | null;
}

/** A user or movie id and the earliest time the batch saw it. */
export interface FirstSeen<K> {
  readonly id: K;
  readonly firstSeenAt: number;
}

/**
 * One batch's writes. Rows are expected sorted by key (as collapseRecords
 * sorts them), so concurrent writers lock rows in the same order.
 */
export interface ActivityBatch {
  readonly watches: readonly WatchRow[];
  /** Rating history, one row per (user, movie, time). */
  readonly ratingEvents: readonly RatingRow[];
  /** The latest rating per (user, movie) in the batch. */
  readonly latestRatings: readonly RatingRow[];
  readonly recommendations: readonly RecommendationRow[];
  readonly users: readonly FirstSeen<number>[];
  readonly movies: readonly FirstSeen<string>[];
}
