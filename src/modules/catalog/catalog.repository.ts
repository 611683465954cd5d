import { Injectable } from '@nestjs/common';
import { StorageService } from '../storage/storage.service';
import { MovieRecord, UserRecord } from './catalog.types';

/**
 * Data access for the catalog (`movie`) and users (`app_user`). Reads go through
 * Prisma; bulk upserts go through one `INSERT … SELECT FROM unnest(…)` per batch,
 * which moves thousands of rows per round trip (a million users in seconds
 * rather than the minutes row-by-row upserts would take).
 */
@Injectable()
export class CatalogRepository {
  constructor(private readonly storage: StorageService) {}

  async findMovie(id: string): Promise<MovieRecord | null> {
    const row = await this.storage.prisma.movie.findUnique({ where: { id } });
    if (!row) return null;
    return {
      id: row.id,
      tmdb_id: row.tmdbId,
      imdb_id: row.imdbId,
      title: row.title,
      original_title: row.originalTitle,
      adult: row.adult,
      genres: (row.genres ?? []) as unknown as MovieRecord['genres'],
      original_language: row.originalLanguage,
      overview: row.overview,
      popularity: row.popularity,
      release_date: row.releaseDate,
      runtime: row.runtime,
      spoken_languages: (row.spokenLanguages ?? []) as unknown as MovieRecord['spoken_languages'],
      vote_average: row.voteAverage,
      vote_count: row.voteCount,
      budget: row.budget === null ? null : Number(row.budget),
      revenue: row.revenue === null ? null : Number(row.revenue),
      status: row.status,
    };
  }

  async findUser(id: number): Promise<UserRecord | null> {
    const row = await this.storage.prisma.user.findUnique({ where: { id } });
    if (!row) return null;
    return { user_id: row.id, age: row.age, occupation: row.occupation, gender: row.gender };
  }

  async countMovies(): Promise<number> {
    return this.storage.prisma.movie.count();
  }

  async countUsers(): Promise<number> {
    return this.storage.prisma.user.count();
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
