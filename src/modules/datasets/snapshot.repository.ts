import { Injectable } from '@nestjs/common';
import { StorageService } from '../storage/storage.service';
import { SnapshotManifest } from './snapshot-format';

export interface PairRow {
  readonly userId: number;
  readonly movieId: string;
  readonly minutes: number;
  readonly rating: number;
  readonly ts: number;
}

export interface SnapshotRecord {
  readonly id: string;
  readonly cutoff: Date;
  readonly rangeStart: Date | null;
  readonly contentHash: string;
  readonly schemaVersion: number;
  readonly rowCounts: Record<string, number>;
  readonly location: string;
  readonly createdAt: Date;
}

const epochMs = (expr: string): string => `(extract(epoch FROM ${expr}) * 1000)::float8`;

/** Reads what a snapshot freezes and records snapshots (the dataset_snapshot table). */
@Injectable()
export class SnapshotRepository {
  constructor(private readonly storage: StorageService) {}

  /**
   * The highest user id such that users in (after, result] hold about `rows`
   * interaction rows; null when no user is left. Paging by whole users keeps
   * each user's rows in one page and uses the primary-key index.
   */
  async nextUserBound(after: number, rows: number, cutoff: Date): Promise<number | null> {
    const found = await this.storage.sql.query<{ user_id: number }>(
      `SELECT max(user_id) AS user_id FROM (
         SELECT user_id FROM watch_aggregate WHERE user_id > $1 AND first_seen_at <= $3
         ORDER BY user_id LIMIT $2) page`,
      [after, rows, cutoff.toISOString()],
    );
    const fromRatings = await this.storage.sql.query<{ user_id: number }>(
      `SELECT max(user_id) AS user_id FROM (
         SELECT user_id FROM rating_event WHERE user_id > $1 AND rated_at <= $3
         ORDER BY user_id LIMIT $2) page`,
      [after, rows, cutoff.toISOString()],
    );
    const a = found[0]?.user_id ?? null;
    const b = fromRatings[0]?.user_id ?? null;
    if (a === null) return b;
    if (b === null) return a;
    return Math.min(a, b);
  }

  /**
   * Interaction pairs of users in (afterUser, upToUser], unordered:
   * - a watched pair is in when its FIRST watch is ≤ cutoff (and its last ≥
   *   rangeStart); its minutes are the aggregate as stored (watch lines are
   *   not kept one by one, so minutes watched after the cutoff are included)
   *   and its time is min(last watch, cutoff);
   * - the rating is recomputed from rating_event history: the latest ≤ cutoff
   *   (and ≥ rangeStart), so ratings are exact as of the cutoff.
   */
  async pairs(afterUser: number, upToUser: number, cutoff: Date, rangeStart: Date | null): Promise<PairRow[]> {
    const watched = await this.storage.sql.query<{ u: number; m: string; minutes: number; ts: number }>(
      `SELECT x.user_id AS u, x.movie_id AS m, x.max_minute + 1 AS minutes,
              ${epochMs('LEAST(x.last_seen_at, $3::timestamp)')} AS ts
         FROM watch_aggregate x
        WHERE x.user_id > $1 AND x.user_id <= $2 AND x.first_seen_at <= $3
          AND ($4::timestamp IS NULL OR x.last_seen_at >= $4::timestamp)`,
      [afterUser, upToUser, cutoff.toISOString(), rangeStart?.toISOString() ?? null],
    );
    const rated = await this.storage.sql.query<{ u: number; m: string; rating: number; ts: number }>(
      `SELECT DISTINCT ON (x.user_id, x.movie_id) x.user_id AS u, x.movie_id AS m, x.rating, ${epochMs('x.rated_at')} AS ts
         FROM rating_event x
        WHERE x.user_id > $1 AND x.user_id <= $2 AND x.rated_at <= $3
          AND ($4::timestamp IS NULL OR x.rated_at >= $4::timestamp)
        ORDER BY x.user_id, x.movie_id, x.rated_at DESC`,
      [afterUser, upToUser, cutoff.toISOString(), rangeStart?.toISOString() ?? null],
    );
    const byPair = new Map<string, { userId: number; movieId: string; minutes: number; rating: number; ts: number }>();
    for (const w of watched)
      byPair.set(`${w.u}\u0000${w.m}`, { userId: w.u, movieId: w.m, minutes: w.minutes, rating: 0, ts: w.ts });
    for (const r of rated) {
      const key = `${r.u}\u0000${r.m}`;
      const pair = byPair.get(key);
      if (pair) {
        pair.rating = r.rating;
        pair.ts = Math.max(pair.ts, r.ts);
      } else byPair.set(key, { userId: r.u, movieId: r.m, minutes: 0, rating: r.rating, ts: r.ts });
    }
    return [...byPair.values()];
  }

  async userProfiles(
    ids: readonly number[],
  ): Promise<Map<number, { age: number | null; gender: string | null; occupation: string | null }>> {
    const result = new Map<number, { age: number | null; gender: string | null; occupation: string | null }>();
    for (let i = 0; i < ids.length; i += 50_000) {
      const rows = await this.storage.sql.query<{
        id: number;
        age: number | null;
        gender: string | null;
        occupation: string | null;
      }>(`SELECT id, age, gender, occupation FROM app_user WHERE id = ANY($1::int[])`, [ids.slice(i, i + 50_000)]);
      for (const r of rows) result.set(r.id, { age: r.age, gender: r.gender, occupation: r.occupation });
    }
    return result;
  }

  async movieProfiles(
    ids: readonly string[],
  ): Promise<
    Map<
      string,
      { genres: unknown; releaseDate: string | null; language: string | null; adult: boolean; runtime: number | null }
    >
  > {
    const result = new Map<
      string,
      { genres: unknown; releaseDate: string | null; language: string | null; adult: boolean; runtime: number | null }
    >();
    for (let i = 0; i < ids.length; i += 50_000) {
      const rows = await this.storage.sql.query<{
        id: string;
        genres: unknown;
        release_date: string | null;
        original_language: string | null;
        adult: boolean;
        runtime: number | null;
      }>(`SELECT id, genres, release_date, original_language, adult, runtime FROM movie WHERE id = ANY($1::text[])`, [
        ids.slice(i, i + 50_000),
      ]);
      for (const r of rows)
        result.set(r.id, {
          genres: r.genres,
          releaseDate: r.release_date,
          language: r.original_language,
          adult: r.adult,
          runtime: r.runtime,
        });
    }
    return result;
  }

  /** Records a snapshot; the same id (same cutoff and content) is recorded once. */
  async record(manifest: SnapshotManifest, location: string): Promise<void> {
    await this.storage.sql.query(
      `INSERT INTO dataset_snapshot (id, range_start, cutoff, schema_version, row_counts, content_hash, location)
       VALUES ($1, $2::timestamp, $3::timestamp, $4, $5::jsonb, $6, $7)
       ON CONFLICT (id) DO NOTHING`,
      [
        manifest.id,
        manifest.rangeStart,
        manifest.cutoff,
        manifest.schemaVersion,
        JSON.stringify(manifest.rowCounts),
        manifest.contentHash,
        location,
      ],
    );
  }

  async find(id: string): Promise<SnapshotRecord | null> {
    const rows = await this.storage.sql.query<{
      id: string;
      cutoff: number;
      range_start: number | null;
      content_hash: string;
      schema_version: number;
      row_counts: Record<string, number>;
      location: string;
      created_at: number;
    }>(
      `SELECT id, ${epochMs('cutoff')} AS cutoff, ${epochMs('range_start')} AS range_start, content_hash,
              schema_version, row_counts, location, ${epochMs('created_at')} AS created_at
         FROM dataset_snapshot WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      cutoff: new Date(r.cutoff),
      rangeStart: r.range_start === null ? null : new Date(r.range_start),
      contentHash: r.content_hash,
      schemaVersion: r.schema_version,
      rowCounts: r.row_counts,
      location: r.location,
      createdAt: new Date(r.created_at),
    };
  }
}
