import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';
import { StoredUserProfile, userProfileOf } from './catalog-profiles';

/** One stored interaction of a user, as serving reads it. */
export interface StoredHistoryRow {
  readonly movieId: string;
  readonly kind: 'watch' | 'rating';
  /** Watch: minutes watched (highest minute + 1); rating: null. */
  readonly minutes: number | null;
  /** The movie's runtime in minutes, when the catalog knows it. */
  readonly runtime: number | null;
}

/** A user's profile (null without an app_user row) and interactions, most recent first. */
export interface StoredUserHistory {
  readonly profile: StoredUserProfile | null;
  readonly rows: readonly StoredHistoryRow[];
}

/**
 * A slice of the user base, both parts in user-id order: profiles as
 * [id, age, gender, occupation]; history as [userId, catalog position,
 * movie id (only when not in the catalog), minutes], each user's rows most
 * recent first, minutes null for a rating.
 */
export interface HistoryRange {
  readonly profiles: readonly [number, number | null, string | null, string | null][];
  readonly rows: readonly [number, number | null, string | null, number | null][];
}

/** Per-user reads: one user's history on the request path, and the whole user base a range at a time. */
@Injectable()
export class UserHistoryRepository {
  constructor(private readonly storage: StorageService) {}

  /** Profile, watches and ratings of one user in a single round trip (it runs on the request path). */
  async userHistory(userId: number): Promise<StoredUserHistory> {
    const rows = await this.storage.sql.queryPrepared<{
      kind: 'profile' | 'watch' | 'rating';
      movie_id: string | null;
      minutes: number | null;
      runtime: number | null;
      at: Date | null;
      age: number | null;
      gender: string | null;
      occupation: string | null;
    }>(
      'serving_user_history',
      `SELECT 'profile' AS kind, NULL AS movie_id, NULL::int AS minutes, NULL::int AS runtime, NULL::timestamp AS at,
              age, gender, occupation
         FROM app_user WHERE id = $1
       UNION ALL
       SELECT 'watch', w.movie_id, w.max_minute + 1, m.runtime, w.last_seen_at, NULL, NULL, NULL
         FROM watch_aggregate w LEFT JOIN movie m ON m.id = w.movie_id
        WHERE w.user_id = $1
       UNION ALL
       SELECT 'rating', movie_id, NULL, NULL, rated_at, NULL, NULL, NULL FROM rating WHERE user_id = $1
       ORDER BY at DESC NULLS FIRST`,
      [userId],
    );
    let profile: StoredUserProfile | null = null;
    const history: StoredHistoryRow[] = [];
    for (const row of rows) {
      if (row.kind === 'profile') profile = userProfileOf(row);
      // Rows arrive most recent first (the profile row, without a time, ahead of them).
      else
        history.push({ movieId: row.movie_id as string, kind: row.kind, minutes: row.minutes, runtime: row.runtime });
    }
    return { profile, rows: history };
  }

  /**
   * The smallest user id ≥ `from` that has a profile, a watch or a rating, or
   * null: lets the index loader step over gaps in the id space.
   */
  async nextUserIdFrom(from: number): Promise<number | null> {
    const rows = await this.storage.sql.query<{ next: number | null }>(
      `SELECT least((SELECT min(id) FROM app_user WHERE id >= $1),
                    (SELECT min(user_id) FROM watch_aggregate WHERE user_id >= $1),
                    (SELECT min(user_id) FROM rating WHERE user_id >= $1)) AS next`,
      [from],
    );
    return rows[0]?.next ?? null;
  }

  /**
   * Profiles and history rows of the users with from ≤ id ≤ last, in id order;
   * each user's rows most recent first. The index loader reads the whole user
   * base this way, a slice at a time.
   */
  async historyRange(from: number, last: number, catalog: readonly string[]): Promise<HistoryRange> {
    // Arrays, not objects, and catalog movies as their position in `catalog`
    // (an integer) instead of their id: at full scale this reads ~33M rows,
    // and a string per row was most of the reader's time and garbage.
    return this.storage.sql.transaction(async (tx) => {
      // A background bulk read: compiling it (JIT) or fanning it out to parallel
      // workers costs more than it saves and takes cores from serving; the
      // ~330k-row sort fits in memory instead of spilling to disk.
      if (tx.kind === 'postgres')
        await tx.exec(
          "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '64MB'",
        );
      const profiles = await tx.queryArrays<[number, number | null, string | null, string | null]>(
        'SELECT id, age, gender, occupation FROM app_user WHERE id >= $1 AND id <= $2 ORDER BY id',
        [from, last],
      );
      const rows = await tx.queryArrays<[number, number | null, string | null, number | null]>(
        `SELECT h.user_id, c.code::int - 1, CASE WHEN c.code IS NULL THEN h.movie_id END, h.minutes FROM (
           SELECT user_id, movie_id, max_minute + 1 AS minutes, last_seen_at AS at
             FROM watch_aggregate WHERE user_id >= $1 AND user_id <= $2
           UNION ALL
           SELECT user_id, movie_id, NULL, rated_at FROM rating WHERE user_id >= $1 AND user_id <= $2
         ) h LEFT JOIN unnest($3::text[]) WITH ORDINALITY AS c(id, code) ON c.id = h.movie_id
         ORDER BY h.user_id, h.at DESC`,
        [from, last, catalog],
      );
      return { profiles, rows };
    });
  }

  /** The lowest id of a user who watched anything, or null on an empty store. */
  async lowestWatchingUserId(): Promise<number | null> {
    const [row] = await this.storage.sql.query<{ id: number }>(
      'SELECT user_id AS id FROM watch_aggregate ORDER BY user_id LIMIT 1',
    );
    return row ? row.id : null;
  }
}
