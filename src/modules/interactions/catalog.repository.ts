import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';
import { genreNames, releaseYear, StoredMovieProfile, StoredUserProfile, userProfileOf } from './catalog-profiles';
import { MovieRecord, UserRecord } from './catalog-records';

/** Ids per `= ANY($1)` look-up: keeps one statement's parameter array bounded. */
const LOOKUP_CHUNK = 50_000;

interface MovieRow extends Record<string, unknown> {
  id: string;
  tmdb_id: number | null;
  imdb_id: string | null;
  title: string;
  original_title: string | null;
  adult: boolean;
  genres: MovieRecord['genres'] | null;
  original_language: string | null;
  overview: string | null;
  popularity: number | null;
  release_date: string | null;
  runtime: number | null;
  spoken_languages: MovieRecord['spoken_languages'] | null;
  vote_average: number | null;
  vote_count: number | null;
  /** int8: a string (pg) or a bigint (PGlite). */
  budget: string | bigint | number | null;
  revenue: string | bigint | number | null;
  status: string | null;
}

interface ProfileColumns extends Record<string, unknown> {
  id: string;
  genres: unknown;
  release_date: string | null;
  original_language: string | null;
  adult: boolean;
  runtime: number | null;
}

const profileOfMovie = (r: ProfileColumns): StoredMovieProfile => ({
  id: r.id,
  genres: genreNames(r.genres),
  year: releaseYear(r.release_date),
  language: r.original_language,
  adult: r.adult,
  runtime: r.runtime,
});

/**
 * The catalog (`movie`) and the user directory (`app_user`) on their own:
 * look-ups in the platform's API shape, bulk upserts, and the profiles that
 * snapshots, audits and serving read. Bulk upserts are one
 * `INSERT … SELECT FROM unnest(…)` per batch, which moves thousands of rows
 * per round trip (a million users in seconds rather than the minutes
 * row-by-row upserts would take). Rows the stream registers are written by
 * ActivityWriteRepository, in the batch's transaction.
 */
@Injectable()
export class CatalogRepository {
  constructor(private readonly storage: StorageService) {}

  async findMovie(id: string): Promise<MovieRecord | null> {
    const [row] = await this.storage.sql.query<MovieRow>(
      `SELECT id, tmdb_id, imdb_id, title, original_title, adult, genres, original_language, overview, popularity,
              release_date, runtime, spoken_languages, vote_average, vote_count, budget, revenue, status
         FROM movie WHERE id = $1`,
      [id],
    );
    if (!row) return null;
    return {
      id: row.id,
      tmdb_id: row.tmdb_id,
      imdb_id: row.imdb_id,
      title: row.title,
      original_title: row.original_title,
      adult: row.adult,
      genres: row.genres ?? [],
      original_language: row.original_language,
      overview: row.overview,
      popularity: row.popularity,
      release_date: row.release_date,
      runtime: row.runtime,
      spoken_languages: row.spoken_languages ?? [],
      vote_average: row.vote_average,
      vote_count: row.vote_count,
      budget: row.budget === null ? null : Number(row.budget),
      revenue: row.revenue === null ? null : Number(row.revenue),
      status: row.status,
    };
  }

  async findUser(id: number): Promise<UserRecord | null> {
    const [row] = await this.storage.sql.query<{
      id: number;
      age: number | null;
      occupation: string | null;
      gender: string | null;
    }>('SELECT id, age, occupation, gender FROM app_user WHERE id = $1', [id]);
    if (!row) return null;
    return { user_id: row.id, age: row.age, occupation: row.occupation, gender: row.gender };
  }

  async countMovies(): Promise<number> {
    const [row] = await this.storage.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM movie');
    return Number(row.n);
  }

  async countUsers(): Promise<number> {
    const [row] = await this.storage.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM app_user');
    return Number(row.n);
  }

  /** Profiles of the given users that have a row (gender reduced to M, F or null). */
  async userProfiles(ids: readonly number[]): Promise<Map<number, StoredUserProfile>> {
    const result = new Map<number, StoredUserProfile>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = await this.storage.sql.query<{
        id: number;
        age: number | null;
        gender: string | null;
        occupation: string | null;
      }>(`SELECT id, age, gender, occupation FROM app_user WHERE id = ANY($1::int[])`, [
        ids.slice(i, i + LOOKUP_CHUNK),
      ]);
      for (const r of rows) result.set(r.id, userProfileOf(r));
    }
    return result;
  }

  /** Profiles of the given movies that have a row. */
  async movieProfiles(ids: readonly string[]): Promise<Map<string, StoredMovieProfile>> {
    const result = new Map<string, StoredMovieProfile>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const rows = await this.storage.sql.query<ProfileColumns>(
        `SELECT id, genres, release_date, original_language, adult, runtime FROM movie WHERE id = ANY($1::text[])`,
        [ids.slice(i, i + LOOKUP_CHUNK)],
      );
      for (const r of rows) result.set(r.id, profileOfMovie(r));
    }
    return result;
  }

  /** Every movie's profile, in id order. */
  async allMovieProfiles(): Promise<StoredMovieProfile[]> {
    const rows = await this.storage.sql.query<ProfileColumns>(
      `SELECT id, genres, release_date, original_language, adult, runtime FROM movie ORDER BY id`,
    );
    return rows.map(profileOfMovie);
  }

  /** Every catalog movie with its runtime (null when unknown), in id order. */
  async movieRuntimes(): Promise<[string, number | null][]> {
    return this.storage.sql.queryArrays<[string, number | null]>('SELECT id, runtime FROM movie ORDER BY id');
  }

  async adultMovieIds(): Promise<string[]> {
    const rows = await this.storage.sql.query<{ id: string }>('SELECT id FROM movie WHERE adult');
    return rows.map((r) => r.id);
  }

  /** Inserts or updates movies by id; `first_seen_at` of existing rows is kept. Ids must be unique within a call. */
  async upsertMovies(rows: readonly MovieRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <T>(pick: (r: MovieRecord) => T): T[] => rows.map(pick);
    await this.storage.sql.query(
      `INSERT INTO "movie" (id, tmdb_id, imdb_id, title, original_title, adult, genres, original_language, overview,
                            popularity, release_date, runtime, spoken_languages, vote_average, vote_count, budget,
                            revenue, status)
       SELECT t.id, t.tmdb_id, t.imdb_id, t.title, t.original_title, t.adult, t.genres::jsonb, t.original_language,
              t.overview, t.popularity, t.release_date, t.runtime, t.spoken_languages::jsonb, t.vote_average,
              t.vote_count, t.budget::bigint, t.revenue::bigint, t.status
         FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::text[],
                     $9::text[], $10::float8[], $11::text[], $12::int[], $13::text[], $14::float8[], $15::int[],
                     $16::text[], $17::text[], $18::text[])
           AS t(id, tmdb_id, imdb_id, title, original_title, adult, genres, original_language, overview, popularity,
                release_date, runtime, spoken_languages, vote_average, vote_count, budget, revenue, status)
       ON CONFLICT (id) DO UPDATE SET
         tmdb_id = EXCLUDED.tmdb_id, imdb_id = EXCLUDED.imdb_id, title = EXCLUDED.title,
         original_title = EXCLUDED.original_title, adult = EXCLUDED.adult, genres = EXCLUDED.genres,
         original_language = EXCLUDED.original_language, overview = EXCLUDED.overview,
         popularity = EXCLUDED.popularity, release_date = EXCLUDED.release_date, runtime = EXCLUDED.runtime,
         spoken_languages = EXCLUDED.spoken_languages, vote_average = EXCLUDED.vote_average,
         vote_count = EXCLUDED.vote_count, budget = EXCLUDED.budget, revenue = EXCLUDED.revenue,
         status = EXCLUDED.status`,
      [
        col((r) => r.id),
        col((r) => r.tmdb_id),
        col((r) => r.imdb_id),
        col((r) => r.title),
        col((r) => r.original_title),
        col((r) => r.adult),
        col((r) => JSON.stringify(r.genres ?? [])),
        col((r) => r.original_language),
        col((r) => r.overview),
        col((r) => r.popularity),
        col((r) => r.release_date),
        col((r) => r.runtime),
        col((r) => JSON.stringify(r.spoken_languages ?? [])),
        col((r) => r.vote_average),
        col((r) => r.vote_count),
        col((r) => (r.budget === null ? null : String(Math.round(r.budget)))),
        col((r) => (r.revenue === null ? null : String(Math.round(r.revenue)))),
        col((r) => r.status),
      ],
    );
  }

  /** Inserts or updates users by id; ids must be unique within a call. */
  async upsertUsers(rows: readonly UserRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.storage.sql.query(
      `INSERT INTO "app_user" (id, age, occupation, gender)
       SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[])
       ON CONFLICT (id) DO UPDATE SET age = EXCLUDED.age, occupation = EXCLUDED.occupation, gender = EXCLUDED.gender`,
      [rows.map((r) => r.user_id), rows.map((r) => r.age), rows.map((r) => r.occupation), rows.map((r) => r.gender)],
    );
  }
}
