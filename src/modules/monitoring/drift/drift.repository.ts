import { Injectable } from '@nestjs/common';
import { StorageService } from '../../storage/storage.service';
import type { RecentWindow } from './drift-profile';

/** The drift service's reads: aggregates of a recent window of behaviour and serving. The only drift file that speaks SQL. */
@Injectable()
export class DriftRepository {
  constructor(private readonly storage: StorageService) {}

  /** Newest event time in the store (watch or rating), or null when it holds none. */
  async newestEventAt(): Promise<Date | null> {
    const [row] = await this.storage.sql.query<{ at: Date | string | null }>(
      `SELECT GREATEST((SELECT max(last_seen_at) FROM watch_aggregate), (SELECT max(rated_at) FROM rating)) AS at`,
    );
    return row?.at ? new Date(row.at) : null;
  }

  /**
   * Aggregates of [start, end]: a (user, movie) pair is in the window when it was
   * watched (watch_aggregate.last_seen_at) or rated (rating.rated_at) in it —
   * the same rule a snapshot's per-pair "last interaction" timestamp follows.
   */
  async recentWindow(start: Date, end: Date): Promise<RecentWindow> {
    const range = [start, end];
    const [activity, movies, genres, ratings, served] = await Promise.all([
      this.storage.sql.query<{ user_id: number; n: number }>(
        `SELECT user_id, count(*)::int AS n FROM (
           SELECT user_id, movie_id FROM watch_aggregate WHERE last_seen_at BETWEEN $1 AND $2
           UNION
           SELECT user_id, movie_id FROM rating WHERE rated_at BETWEEN $1 AND $2) pairs
         GROUP BY user_id`,
        range,
      ),
      this.storage.sql.query<{ movie_id: string; n: number }>(
        `SELECT movie_id, count(*)::int AS n FROM watch_aggregate WHERE last_seen_at BETWEEN $1 AND $2 GROUP BY movie_id`,
        range,
      ),
      this.storage.sql.query<{ genre: string | null; n: number }>(
        `SELECT g.value ->> 'name' AS genre, count(*)::int AS n
           FROM watch_aggregate w
           JOIN movie m ON m.id = w.movie_id
           CROSS JOIN LATERAL jsonb_array_elements(
             CASE WHEN jsonb_typeof(m.genres) = 'array' THEN m.genres ELSE '[]'::jsonb END) AS g(value)
          WHERE w.last_seen_at BETWEEN $1 AND $2
          GROUP BY 1`,
        range,
      ),
      this.storage.sql.query<{ rating: number; n: number }>(
        `SELECT rating, count(*)::int AS n FROM rating WHERE rated_at BETWEEN $1 AND $2 GROUP BY rating`,
        range,
      ),
      this.storage.sql.query<{ item: string; n: number }>(
        `SELECT item, count(*)::int AS n
           FROM recommendation_log r CROSS JOIN LATERAL unnest(r.items) AS item
          WHERE r.requested_at BETWEEN $1 AND $2 AND r.status = 200
          GROUP BY item`,
        range,
      ),
    ]);
    return {
      windowStart: start.getTime(),
      windowEnd: end.getTime(),
      userActivity: new Map(activity.map((r) => [Number(r.user_id), Number(r.n)])),
      movieWatches: new Map(movies.map((r) => [r.movie_id, Number(r.n)])),
      genres: new Map(
        genres.filter((r): r is { genre: string; n: number } => r.genre !== null).map((r) => [r.genre, Number(r.n)]),
      ),
      ratings: new Map(ratings.map((r) => [Number(r.rating), Number(r.n)])),
      servedItems: new Map(served.map((r) => [r.item, Number(r.n)])),
    };
  }
}
