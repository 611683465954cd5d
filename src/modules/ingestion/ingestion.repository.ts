import { Injectable } from '@nestjs/common';
import { recommendationLineHash } from '../../lib/movielog';
import { SqlConnection } from '../storage/sql-connection';
import { StorageService } from '../storage/storage.service';
import { CollapsedBatch, DeadLetterRow } from './batch-collapse';

/** A response this service served, as the serving module records it. */
export interface ServedRecommendation {
  readonly requestId: string;
  readonly userId: number;
  readonly at: Date | number;
  readonly modelVersion: string | null;
  readonly items: readonly string[];
  readonly latencyMs: number;
  readonly status: number;
  /** recommendationLineHash of this response, when the caller computed it already. */
  readonly lineHash?: string;
}

// Epoch milliseconds (float8) → timestamp(3) in UTC, independent of the session time zone.
const ts = (column: string): string => `(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC')::timestamp(3)`;

/**
 * Writes collapsed batches with a handful of set-based statements (unnest of
 * column arrays) in one transaction per batch. Every statement is an
 * idempotent merge, so a redelivered batch changes nothing (see README.md).
 */
@Injectable()
export class IngestionRepository {
  /**
   * Ids known to be registered already, to skip re-inserting them on every
   * batch. Filled only after a commit, so a rolled-back batch cannot hide an
   * id; bounded by clearing (a miss just costs one ON CONFLICT DO NOTHING).
   */
  private readonly knownUsers = new Set<number>();
  private readonly knownMovies = new Set<string>();
  private static readonly KNOWN_LIMIT = 2_000_000;

  constructor(private readonly storage: StorageService) {}

  async write(batch: CollapsedBatch): Promise<void> {
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
          `INSERT INTO recommendation_log (line_hash, user_id, requested_at, status, items, latency_ms, source)
           SELECT h, u, ${ts('at')}, s, CASE WHEN i = '' THEN ARRAY[]::text[] ELSE string_to_array(i, ',') END, l, 'stream'
             FROM unnest($1::text[], $2::int[], $3::float8[], $4::int[], $5::text[], $6::int[]) AS t(h, u, at, s, i, l)
            -- Key order, as in recordServedRecommendations: two writers of overlapping rows
            -- then lock them in the same order and cannot deadlock.
            ORDER BY h
           ON CONFLICT (line_hash) DO NOTHING`,
          [
            r.map((x) => x.lineHash),
            r.map((x) => x.userId),
            r.map((x) => x.requestedAt),
            r.map((x) => x.status),
            r.map((x) => x.items.join(',')),
            r.map((x) => x.latencyMs),
          ],
        );
      }
      if (batch.deadLetters.length > 0) await insertDeadLetters(tx, batch.deadLetters);
    });
    this.remember(this.knownUsers, users, (u) => u.id);
    this.remember(this.knownMovies, movies, (m) => m.id);
  }

  /** Of the given dead letters, those not yet published to the dead-letter topic. */
  async unpublished(letters: readonly DeadLetterRow[]): Promise<DeadLetterRow[]> {
    if (letters.length === 0) return [];
    const rows = await this.storage.sql.query<{ topic: string; partition: number; offset: string }>(
      `SELECT d.topic, d.partition, d."offset"
         FROM dead_letter d
         JOIN unnest($1::text[], $2::int[], $3::text[]) AS t(topic, partition, "offset")
           ON d.topic = t.topic AND d.partition = t.partition AND d."offset" = t."offset"
        WHERE d.published_at IS NULL`,
      [letters.map((l) => l.topic), letters.map((l) => l.partition), letters.map((l) => l.offset)],
    );
    const pending = new Set(rows.map((r) => `${r.topic}\u0000${r.partition}\u0000${r.offset}`));
    return letters.filter((l) => pending.has(`${l.topic}\u0000${l.partition}\u0000${l.offset}`));
  }

  async markPublished(letters: readonly DeadLetterRow[]): Promise<void> {
    if (letters.length === 0) return;
    await this.storage.sql.query(
      `UPDATE dead_letter d SET published_at = now()
         FROM unnest($1::text[], $2::int[], $3::text[]) AS t(topic, partition, "offset")
        WHERE d.topic = t.topic AND d.partition = t.partition AND d."offset" = t."offset"`,
      [letters.map((l) => l.topic), letters.map((l) => l.partition), letters.map((l) => l.offset)],
    );
  }

  /**
   * Records a response this service served (request id, model version) under
   * the same line hash the stream copy will have, so the two become one row:
   * whichever arrives second merges into the first, and the served fields win.
   */
  async recordServedRecommendation(response: ServedRecommendation): Promise<void> {
    await this.recordServedRecommendations([response]);
  }

  async recordServedRecommendations(all: readonly ServedRecommendation[]): Promise<void> {
    // Two responses with one hash (same user, millisecond, ids and latency) are one response
    // by the dedup rule; one statement must not upsert a row twice, so the last one stands.
    const byHash = new Map(all.map((r) => [r.lineHash ?? recommendationLineHash(r), r]));
    if (byHash.size === 0) return;
    const responses = [...byHash.values()];
    const at = (r: ServedRecommendation): number => (typeof r.at === 'number' ? r.at : r.at.getTime());
    const items = (r: ServedRecommendation): string => (r.status === 200 ? r.items.join(',') : '');
    await this.storage.sql.query(
      `INSERT INTO recommendation_log
              (line_hash, request_id, user_id, requested_at, model_version, status, items, latency_ms, source)
       SELECT h, rid, u, ${ts('at')}, mv, s, CASE WHEN i = '' THEN ARRAY[]::text[] ELSE string_to_array(i, ',') END, l, 'served'
         FROM unnest($1::text[], $2::text[], $3::int[], $4::float8[], $5::text[], $6::int[], $7::text[], $8::int[])
           AS t(h, rid, u, at, mv, s, i, l)
        -- Key order: the ingestion of the stream's copy of these lines locks them in the same order.
        ORDER BY h
       ON CONFLICT (line_hash) DO UPDATE
          SET request_id = EXCLUDED.request_id, model_version = EXCLUDED.model_version, source = 'served'`,
      [
        [...byHash.keys()],
        responses.map((r) => r.requestId),
        responses.map((r) => r.userId),
        responses.map(at),
        responses.map((r) => r.modelVersion),
        responses.map((r) => r.status),
        responses.map(items),
        responses.map((r) => Math.round(r.latencyMs)),
      ],
    );
  }

  private remember<T, K>(known: Set<K>, rows: readonly T[], key: (row: T) => K): void {
    if (known.size + rows.length > IngestionRepository.KNOWN_LIMIT) known.clear();
    for (const row of rows) known.add(key(row));
  }
}

async function insertDeadLetters(tx: SqlConnection, letters: readonly DeadLetterRow[]): Promise<void> {
  // Raw bytes travel as hex text: both drivers serialise text arrays alike, not bytea arrays.
  await tx.query(
    `INSERT INTO dead_letter (topic, partition, "offset", raw, reason, detail)
     SELECT topic, partition, "offset", decode(raw, 'hex'), reason, detail
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS t(topic, partition, "offset", raw, reason, detail)
     ON CONFLICT (topic, partition, "offset") DO NOTHING`,
    [
      letters.map((l) => l.topic),
      letters.map((l) => l.partition),
      letters.map((l) => l.offset),
      letters.map((l) => l.raw.toString('hex')),
      letters.map((l) => l.reason),
      letters.map((l) => l.detail),
    ],
  );
}
