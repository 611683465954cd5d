import { Injectable } from '@nestjs/common';
import { SqlConnection, StorageService } from '@modules/storage';
import { ActivityBatch } from './activity-batch';
import { timestampFromEpochMs as ts } from './sql-time';

/**
 * Writes a collapsed batch of the stream with a handful of set-based
 * statements (unnest of column arrays) in one transaction. Every statement is
 * an idempotent merge, so a redelivered batch changes nothing (the rules are
 * in README.md and in ingestion's README, "What is kept").
 */
@Injectable()
export class ActivityWriteRepository {
  /**
   * Ids known to be registered already, to skip re-inserting them on every
   * batch. Filled only after a commit, so a rolled-back batch cannot hide an
   * id; bounded by clearing (a miss just costs one ON CONFLICT DO NOTHING).
   */
  private readonly knownUsers = new Set<number>();
  private readonly knownMovies = new Set<string>();
  private static readonly KNOWN_LIMIT = 2_000_000;

  constructor(private readonly storage: StorageService) {}

  /**
   * Merges `batch` into the store in one transaction. `sameTransaction` runs
   * last inside it (ingestion stores its dead letters there), so the batch's
   * rows and whatever the caller writes with them commit or roll back together.
   */
  async writeBatch(batch: ActivityBatch, sameTransaction?: (tx: SqlConnection) => Promise<void>): Promise<void> {
    const users = batch.users.filter((u) => !this.knownUsers.has(u.id));
    const movies = batch.movies.filter((m) => !this.knownMovies.has(m.id));
    await this.storage.sql.transaction(async (tx) => {
      if (users.length > 0)
        await tx.query(
          `INSERT INTO app_user (id, first_seen_at)
           SELECT id, ${ts('at')} FROM unnest($1::int[], $2::float8[]) AS t(id, at)
           ON CONFLICT (id) DO NOTHING`,
          [users.map((u) => u.id), users.map((u) => u.firstSeenAt)],
        );
      if (movies.length > 0)
        // A movie first seen in the stream is registered by id; the catalog fills in the rest.
        await tx.query(
          `INSERT INTO movie (id, title, first_seen_at)
           SELECT id, id, ${ts('at')} FROM unnest($1::text[], $2::float8[]) AS t(id, at)
           ON CONFLICT (id) DO NOTHING`,
          [movies.map((m) => m.id), movies.map((m) => m.firstSeenAt)],
        );
      if (batch.watches.length > 0) {
        const w = batch.watches;
        await tx.query(
          `INSERT INTO watch_aggregate AS a (user_id, movie_id, max_minute, first_seen_at, last_seen_at)
           SELECT u, m, mm, ${ts('f')}, ${ts('l')}
             FROM unnest($1::int[], $2::text[], $3::int[], $4::float8[], $5::float8[]) AS t(u, m, mm, f, l)
           ON CONFLICT (user_id, movie_id) DO UPDATE SET
             max_minute = GREATEST(a.max_minute, EXCLUDED.max_minute),
             first_seen_at = LEAST(a.first_seen_at, EXCLUDED.first_seen_at),
             last_seen_at = GREATEST(a.last_seen_at, EXCLUDED.last_seen_at)
           -- A replay changes nothing, so it should not write a new row version either.
           WHERE EXCLUDED.max_minute > a.max_minute
              OR EXCLUDED.first_seen_at < a.first_seen_at
              OR EXCLUDED.last_seen_at > a.last_seen_at`,
          [
            w.map((r) => r.userId),
            w.map((r) => r.movieId),
            w.map((r) => r.maxMinute),
            w.map((r) => r.firstSeenAt),
            w.map((r) => r.lastSeenAt),
          ],
        );
      }
      if (batch.ratingEvents.length > 0) {
        const r = batch.ratingEvents;
        await tx.query(
          `INSERT INTO rating_event (user_id, movie_id, rated_at, rating)
           SELECT u, m, ${ts('at')}, v FROM unnest($1::int[], $2::text[], $3::float8[], $4::int[]) AS t(u, m, at, v)
           ON CONFLICT (user_id, movie_id, rated_at) DO NOTHING`,
          [r.map((x) => x.userId), r.map((x) => x.movieId), r.map((x) => x.ratedAt), r.map((x) => x.rating)],
        );
      }
      if (batch.latestRatings.length > 0) {
        const r = batch.latestRatings;
        // Strictly newer only: an event at the same time is the same rating_event
        // key, whose first line won, so the latest rating agrees with the history.
        await tx.query(
          `INSERT INTO rating AS r (user_id, movie_id, rating, rated_at)
           SELECT u, m, v, ${ts('at')} FROM unnest($1::int[], $2::text[], $3::int[], $4::float8[]) AS t(u, m, v, at)
           ON CONFLICT (user_id, movie_id) DO UPDATE SET rating = EXCLUDED.rating, rated_at = EXCLUDED.rated_at
           WHERE EXCLUDED.rated_at > r.rated_at`,
          [r.map((x) => x.userId), r.map((x) => x.movieId), r.map((x) => x.rating), r.map((x) => x.ratedAt)],
        );
      }
      if (batch.recommendations.length > 0) {
        const r = batch.recommendations;
        // Movie ids never contain commas (the parser rejects them), so a joined list is unambiguous.
        await tx.query(
          `INSERT INTO recommendation_log AS r
                  (line_hash, user_id, requested_at, status, items, latency_ms, source, failure_reason, error_text)
           SELECT h, u, ${ts('at')}, s, CASE WHEN i = '' THEN ARRAY[]::text[] ELSE string_to_array(i, ',') END, l, 'stream', f, e
             FROM unnest($1::text[], $2::int[], $3::float8[], $4::int[], $5::text[], $6::int[], $7::text[], $8::text[])
                  AS t(h, u, at, s, i, l, f, e)
            -- Key order, as in RecommendationLogRepository.recordServedRecommendations: two writers
            -- of overlapping rows then lock them in the same order and cannot deadlock.
            ORDER BY h
           -- A failed response the server recorded itself gains the stream line's reason and text.
           ON CONFLICT (line_hash) DO UPDATE SET failure_reason = EXCLUDED.failure_reason, error_text = EXCLUDED.error_text
           WHERE r.failure_reason IS NULL AND EXCLUDED.failure_reason IS NOT NULL`,
          [
            r.map((x) => x.lineHash),
            r.map((x) => x.userId),
            r.map((x) => x.requestedAt),
            r.map((x) => x.status),
            r.map((x) => x.items.join(',')),
            r.map((x) => x.latencyMs),
            r.map((x) => x.failure?.reason ?? null),
            r.map((x) => x.failure?.text ?? null),
          ],
        );
      }
      if (sameTransaction) await sameTransaction(tx);
    });
    this.remember(this.knownUsers, users, (u) => u.id);
    this.remember(this.knownMovies, movies, (m) => m.id);
  }

  private remember<T, K>(known: Set<K>, rows: readonly T[], key: (row: T) => K): void {
    if (known.size + rows.length > ActivityWriteRepository.KNOWN_LIMIT) known.clear();
    for (const row of rows) known.add(key(row));
  }
}
