import type { ActivityBatch, MovieRecord } from '@modules/interactions';
import type { SqlConnection } from '@modules/storage';

/**
 * Helpers for specs that seed or inspect the activity data. Seeding goes
 * through the owner's API (the interactions module's repositories); these
 * build its arguments. Inspection reads the tables with raw SQL, which is
 * allowed in tests only, so specs beside the code name no table: they ask
 * for "watches", "ratingEvents", … and the SQL stays here.
 */

/** An ActivityBatch with the given rows and nothing else. */
export function activityBatch(rows: Partial<ActivityBatch>): ActivityBatch {
  return {
    watches: [],
    ratingEvents: [],
    latestRatings: [],
    recommendations: [],
    users: [],
    movies: [],
    ...rows,
  };
}

/** A catalog movie: the id as title, every optional field null, not adult, no genres. */
export function movieRecord(id: string, fields: Partial<MovieRecord> = {}): MovieRecord {
  return {
    id,
    tmdb_id: null,
    imdb_id: null,
    title: id,
    original_title: null,
    adult: false,
    genres: [],
    original_language: null,
    overview: null,
    popularity: null,
    release_date: null,
    runtime: null,
    spoken_languages: [],
    vote_average: null,
    vote_count: null,
    budget: null,
    revenue: null,
    status: null,
    ...fields,
  };
}

/** The stored tables by what they hold. */
const TABLES = {
  watches: 'watch_aggregate',
  ratingEvents: 'rating_event',
  latestRatings: 'rating',
  recommendations: 'recommendation_log',
  users: 'app_user',
  movies: 'movie',
  deadLetters: 'dead_letter',
} as const;
export type StoredTable = keyof typeof TABLES;

/** Raw reads of the stored rows, for assertions. */
export function storedRows(sql: SqlConnection) {
  return {
    async count(table: StoredTable): Promise<number> {
      return Number((await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${TABLES[table]}`))[0].n);
    },

    async watchMaxMinute(userId: number, movieId: string): Promise<number | undefined> {
      const rows = await sql.query<{ max_minute: number }>(
        'SELECT max_minute FROM watch_aggregate WHERE user_id = $1 AND movie_id = $2',
        [userId, movieId],
      );
      return rows[0]?.max_minute;
    },

    async latestRating(userId: number, movieId: string): Promise<number | undefined> {
      const rows = await sql.query<{ rating: number }>(
        'SELECT rating FROM rating WHERE user_id = $1 AND movie_id = $2',
        [userId, movieId],
      );
      return rows[0]?.rating;
    },

    /** A user's recommendation-log rows: items, status, request id, model version, source and line hash. */
    async recommendationsOf(userId: number): Promise<
      {
        items: string[];
        status: number;
        request_id: string | null;
        model_version: string | null;
        source: string;
        line_hash: string;
      }[]
    > {
      return sql.query(
        'SELECT items, status, request_id, model_version, source, line_hash FROM recommendation_log WHERE user_id = $1',
        [userId],
      );
    },

    async movieTitles(): Promise<{ id: string; title: string }[]> {
      return sql.query<{ id: string; title: string }>('SELECT id, title FROM movie ORDER BY id');
    },

    async deadLetters(): Promise<{ reason: string; offset: string; raw: Uint8Array; published: boolean }[]> {
      return sql.query(
        'SELECT reason, "offset", raw, published_at IS NOT NULL AS published FROM dead_letter ORDER BY id',
      );
    },

    /** Every activity row and every dead letter's key and state, as one comparable text. */
    async state(): Promise<string> {
      const activity = await Promise.all(
        (['watches', 'ratingEvents', 'latestRatings', 'recommendations', 'users', 'movies'] as const).map((t) =>
          sql.query(`SELECT * FROM ${TABLES[t]} ORDER BY 1, 2`),
        ),
      );
      const letters = await sql.query('SELECT id, reason, "offset", published_at FROM dead_letter ORDER BY id');
      return JSON.stringify(activity) + JSON.stringify(letters);
    },
  };
}
