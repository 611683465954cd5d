import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';

/**
 * Where the online fairness audit's traffic comes from, named for its report:
 * the tables read by servedLists, watchStarts and CatalogRepository.userProfiles.
 */
export const ONLINE_TRAFFIC_TABLES = 'recommendation_log (status 200), watch_aggregate and app_user';

/** Aggregates of what users did, and what was served, in one time window. */
export interface ActivityWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  /** User id → distinct movies interacted with (watched or rated) in the window. */
  readonly userActivity: ReadonlyMap<number, number>;
  /** Movie id → watched pairs in the window. */
  readonly movieWatches: ReadonlyMap<string, number>;
  /** Genre name → watched pairs of movies in that genre. */
  readonly genres: ReadonlyMap<string, number>;
  /** Rating value → ratings given in the window. */
  readonly ratings: ReadonlyMap<number, number>;
  /** Movie id → times it appeared in a served (status 200) recommendation list in the window. */
  readonly servedItems: ReadonlyMap<string, number>;
}

/** One logged successful recommendation response. */
export interface ServedListRow {
  readonly userId: number;
  readonly at: number;
  readonly items: readonly string[];
}

/** A watch start: the first time a user was seen watching a movie. */
export interface WatchStartRow {
  readonly userId: number;
  readonly movieId: string;
  readonly at: number;
}

/**
 * Receives the raters' activity (ActivityWindowRepository.readRaterActivity)
 * row by row; the poisoning scan's ActivityTableBuilder is one.
 */
export interface RaterActivitySink {
  rate(userId: number, movieId: string, rating: number, at: number): unknown;
  account(userId: number, firstSeenAt: number): unknown;
  watch(userId: number, movieId: string): unknown;
}

/** Reads over a time window of activity: clocks, drift aggregates, audits' traffic, recent raters, popularity. */
@Injectable()
export class ActivityWindowRepository {
  constructor(private readonly storage: StorageService) {}

  /** The latest watch time stored, or null on an empty store: the ingested stream's clock. */
  async latestWatchAt(): Promise<Date | null> {
    const [row] = await this.storage.sql.query<{ t: Date | string | null }>(
      'SELECT max(last_seen_at) AS t FROM watch_aggregate',
    );
    return row?.t ? new Date(row.t) : null;
  }

  /** Newest event time in the store (watch or rating), or null when it holds none. */
  async newestEventAt(): Promise<Date | null> {
    const [row] = await this.storage.sql.query<{ at: Date | string | null }>(
      `SELECT GREATEST((SELECT max(last_seen_at) FROM watch_aggregate), (SELECT max(rated_at) FROM rating)) AS at`,
    );
    return row?.at ? new Date(row.at) : null;
  }

  /**
   * Aggregates of [start, end]: a (user, movie) pair is in the window when it was
   * watched (last watch time) or rated (latest rating time) in it — the same
   * rule a snapshot's per-pair "last interaction" timestamp follows.
   */
  async window(start: Date, end: Date): Promise<ActivityWindow> {
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

  /** Successful responses in [since, until), newest first, at most `limit`. */
  async servedLists(since: Date, until: Date, limit = 200_000): Promise<ServedListRow[]> {
    const rows = await this.storage.sql.query<{ user_id: number; requested_at: Date; items: string[] }>(
      `SELECT user_id, requested_at, items FROM recommendation_log
        WHERE status = 200 AND requested_at >= $1 AND requested_at < $2
        ORDER BY requested_at DESC LIMIT $3`,
      [since, until, limit],
    );
    return rows.map((r) => ({ userId: r.user_id, at: new Date(r.requested_at).getTime(), items: r.items }));
  }

  /** Watches that started in [since, until). */
  async watchStarts(since: Date, until: Date): Promise<WatchStartRow[]> {
    const rows = await this.storage.sql.query<{ user_id: number; movie_id: string; first_seen_at: Date }>(
      `SELECT user_id, movie_id, first_seen_at FROM watch_aggregate WHERE first_seen_at >= $1 AND first_seen_at < $2`,
      [since, until],
    );
    return rows.map((r) => ({ userId: r.user_id, movieId: r.movie_id, at: new Date(r.first_seen_at).getTime() }));
  }

  /**
   * Latest ratings given since `since`, with the raters' watched movies and
   * first-seen times (the earliest time the platform saw the account: its
   * account line, or its first event), fed to `sink` in that order: ratings,
   * accounts first seen since `since`, then every watched movie of those raters.
   */
  async readRaterActivity(since: Date, sink: RaterActivitySink): Promise<void> {
    const ratings = await this.storage.sql.query<{
      user_id: number;
      movie_id: string;
      rating: number;
      rated_at: Date | string;
    }>(`SELECT user_id, movie_id, rating, rated_at FROM rating WHERE rated_at >= $1`, [since]);
    for (const r of ratings) sink.rate(r.user_id, r.movie_id, r.rating, new Date(r.rated_at).getTime());
    const accounts = await this.storage.sql.query<{ id: number; first_seen_at: Date | string }>(
      `SELECT u.id, u.first_seen_at FROM app_user u
        WHERE u.first_seen_at >= $1 AND EXISTS (SELECT 1 FROM rating r WHERE r.user_id = u.id AND r.rated_at >= $1)`,
      [since],
    );
    for (const a of accounts) sink.account(a.id, new Date(a.first_seen_at).getTime());
    const watches = await this.storage.sql.query<{ user_id: number; movie_id: string }>(
      `SELECT w.user_id, w.movie_id FROM watch_aggregate w
        WHERE EXISTS (SELECT 1 FROM rating r WHERE r.user_id = w.user_id AND r.rated_at >= $1)`,
      [since],
    );
    for (const w of watches) sink.watch(w.user_id, w.movie_id);
  }

  /** Most-watched movies of the recent past, or the catalog's own popularity on a store without recent activity. */
  async popularMovies(since: Date, limit: number): Promise<string[]> {
    const rows = await this.storage.sql.query<{ movie_id: string }>(
      `SELECT movie_id FROM watch_aggregate WHERE last_seen_at >= $1
        GROUP BY movie_id ORDER BY count(*) DESC, movie_id LIMIT $2`,
      [since, limit],
    );
    if (rows.length > 0) return rows.map((r) => r.movie_id);
    // No recent activity (fresh store): fall back to the catalog's own popularity.
    const catalog = await this.storage.sql.query<{ id: string }>(
      'SELECT id FROM movie ORDER BY popularity DESC NULLS LAST, id LIMIT $1',
      [limit],
    );
    return catalog.map((r) => r.id);
  }
}
