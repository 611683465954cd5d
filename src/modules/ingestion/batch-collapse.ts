import {
  FAILURE_REASONS,
  FailureReason,
  LineType,
  LogLine,
  ParseOptions,
  parseLogLine,
  recommendationLineHash,
  RejectionReason,
} from '@lib/movielog';
import type { BusRecord } from '@modules/events';
import type { ActivityBatch, RatingRow, RecommendationRow, WatchRow } from '@modules/interactions';

/**
 * Collapses one batch of stream records into the set-based writes that store
 * it, in memory and without I/O. What the store keeps (the deduplication
 * definition, see README.md) is decided here and in the SQL of
 * the interactions module's ActivityWriteRepository, which applies the same
 * rules across batches:
 *
 * - watch: one row per (user, movie); max minute, earliest and latest time.
 * - rating_event: one row per (user, movie, time); the first line seen wins.
 * - rating: the latest rating_event per (user, movie); a tie keeps the first.
 * - recommendation_log: one row per line hash (recommendationLineHash).
 * - users / movies: registered once, on first sight.
 * - dead letters: one per (topic, partition, offset).
 *
 * Every write is a max/min/first-wins merge, so applying a batch twice, or
 * two overlapping batches, leaves the store as applying each line once would.
 * Rows are sorted by key so concurrent writers lock rows in the same order
 * (no deadlocks between partitions that share users or movies).
 */
export interface DeadLetterRow {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly raw: Buffer;
  readonly reason: RejectionReason;
  readonly detail: string;
}
/** The activity rows of a batch (written by the interactions module) and its dead letters (written here). */
export interface CollapsedBatch extends ActivityBatch {
  readonly deadLetters: DeadLetterRow[];
  /** Accepted lines per type (before deduplication), for metrics. */
  readonly accepted: Record<LineType, number>;
  /** Failed recommendation requests per reason (distinct lines of the batch), for metrics. */
  readonly failedRequests: Record<FailureReason, number>;
}

export function collapseRecords(records: readonly BusRecord[], options: ParseOptions): CollapsedBatch {
  const lines: LogLine[] = [];
  const deadLetters: DeadLetterRow[] = [];
  for (const record of records) {
    const parsed = parseLogLine(record.value, options);
    if (parsed.type === 'rejected') {
      deadLetters.push({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        raw: record.value,
        reason: parsed.reason,
        detail: parsed.detail,
      });
    } else {
      lines.push(parsed);
    }
  }
  return { ...collapseLines(lines), deadLetters };
}

/** A watch row while the batch's lines are merged into it. */
type WatchMerge = { -readonly [K in keyof WatchRow]: WatchRow[K] };

export function collapseLines(lines: readonly LogLine[]): Omit<CollapsedBatch, 'deadLetters'> {
  // Nested maps: no key string is built per watch line (the hot path, ~90% of lines).
  const watches = new Map<number, Map<string, WatchMerge>>();
  const watchRows: WatchMerge[] = [];
  const ratingEvents = new Map<string, RatingRow>();
  const latest = new Map<string, RatingRow>();
  const recommendations = new Map<string, RecommendationRow>();
  const users = new Map<number, number>();
  const movies = new Map<string, number>();
  const accepted: Record<LineType, number> = { watch: 0, rating: 0, recommendation: 0, account: 0 };
  const failedRequests = Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as Record<FailureReason, number>;

  const see = <K>(map: Map<K, number>, id: K, at: number): void => {
    const seen = map.get(id);
    if (seen === undefined || at < seen) map.set(id, at);
  };

  for (const line of lines) {
    accepted[line.type]++;
    switch (line.type) {
      case 'watch': {
        let byMovie = watches.get(line.userId);
        if (!byMovie) watches.set(line.userId, (byMovie = new Map()));
        const row = byMovie.get(line.movieId);
        if (!row) {
          const created = {
            userId: line.userId,
            movieId: line.movieId,
            maxMinute: line.minute,
            firstSeenAt: line.at,
            lastSeenAt: line.at,
          };
          byMovie.set(line.movieId, created);
          watchRows.push(created);
        } else {
          if (line.minute > row.maxMinute) row.maxMinute = line.minute;
          if (line.at < row.firstSeenAt) row.firstSeenAt = line.at;
          if (line.at > row.lastSeenAt) row.lastSeenAt = line.at;
        }
        break;
      }
      case 'rating': {
        const pair = `${line.userId}\u0000${line.movieId}`;
        const key = `${pair}\u0000${line.at}`;
        if (ratingEvents.has(key)) break; // first line for (user, movie, time) wins
        const row = { userId: line.userId, movieId: line.movieId, ratedAt: line.at, rating: line.rating };
        ratingEvents.set(key, row);
        const current = latest.get(pair);
        if (!current || row.ratedAt > current.ratedAt) latest.set(pair, row);
        break;
      }
      case 'recommendation': {
        const lineHash = recommendationLineHash(line);
        if (recommendations.has(lineHash)) break;
        recommendations.set(lineHash, {
          lineHash,
          userId: line.userId,
          requestedAt: line.at,
          status: line.status,
          items: line.items,
          latencyMs: line.latencyMs,
          failure: line.failure,
        });
        if (line.failure) failedRequests[line.failure.reason]++;
        break;
      }
      case 'account':
        see(users, line.userId, line.at);
        break;
    }
  }
  // Users and movies first seen, derived from the collapsed rows (not per line: this loop is the hot path).
  for (const w of watchRows) {
    see(users, w.userId, w.firstSeenAt);
    see(movies, w.movieId, w.firstSeenAt);
  }
  for (const r of ratingEvents.values()) {
    see(users, r.userId, r.ratedAt);
    see(movies, r.movieId, r.ratedAt);
  }
  for (const r of recommendations.values()) see(users, r.userId, r.requestedAt);

  const byPair = (a: { userId: number; movieId: string }, b: { userId: number; movieId: string }): number =>
    a.userId - b.userId || (a.movieId < b.movieId ? -1 : a.movieId > b.movieId ? 1 : 0);
  return {
    watches: watchRows.sort(byPair),
    ratingEvents: [...ratingEvents.values()].sort((a, b) => byPair(a, b) || a.ratedAt - b.ratedAt),
    latestRatings: [...latest.values()].sort(byPair),
    recommendations: [...recommendations.values()].sort((a, b) => (a.lineHash < b.lineHash ? -1 : 1)),
    users: [...users].map(([id, firstSeenAt]) => ({ id, firstSeenAt })).sort((a, b) => a.id - b.id),
    movies: [...movies]
      .map(([id, firstSeenAt]) => ({ id, firstSeenAt }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    accepted,
    failedRequests,
  };
}
