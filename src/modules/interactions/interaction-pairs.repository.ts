import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';
import { epochMs } from './sql-time';

/** A (user, movie) pair's interactions as of a cutoff; rating 0 when not rated, minutes 0 when not watched. */
export interface PairRow {
  readonly userId: number;
  readonly movieId: string;
  readonly minutes: number;
  readonly rating: number;
  readonly ts: number;
}

/** The interactions a dataset snapshot freezes, read a page of users at a time. */
@Injectable()
export class InteractionPairsRepository {
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
}
