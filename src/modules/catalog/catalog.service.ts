import { Injectable, Logger } from '@nestjs/common';
import { CatalogRepository } from '@modules/interactions';
import { ImportResult, MovieRecord, UserRecord } from './catalog.types';

const MOVIE_BATCH = 2_000;
const USER_BATCH = 10_000;
const MAX_USER_ID = 2_147_483_647;

/** The catalog and user directory: bulk imports and lookups in the platform's API shape. */
@Injectable()
export class CatalogService {
  private readonly logger = new Logger(CatalogService.name);

  constructor(private readonly repository: CatalogRepository) {}

  getMovie(id: string): Promise<MovieRecord | null> {
    return this.repository.findMovie(id);
  }

  getUser(id: number): Promise<UserRecord | null> {
    return this.repository.findUser(id);
  }

  async counts(): Promise<{ movies: number; users: number }> {
    return { movies: await this.repository.countMovies(), users: await this.repository.countUsers() };
  }

  /** Validates and upserts movies in batches; a later row with the same id wins. */
  async importMovies(rows: Iterable<MovieRecord>): Promise<ImportResult> {
    const rejected: { index: number; reason: string }[] = [];
    let batch = new Map<string, MovieRecord>();
    let imported = 0;
    let index = 0;
    for (const row of rows) {
      const reason = movieProblem(row);
      if (reason) rejected.push({ index, reason });
      else batch.set(row.id, normaliseMovie(row));
      index++;
      if (batch.size >= MOVIE_BATCH) {
        await this.repository.upsertMovies([...batch.values()]);
        imported += batch.size;
        batch = new Map();
      }
    }
    await this.repository.upsertMovies([...batch.values()]);
    imported += batch.size;
    if (rejected.length > 0) this.logger.warn(`movie import: ${rejected.length} row(s) rejected`);
    return { imported, rejected };
  }

  /** Validates and upserts users in batches; a later row with the same id wins. */
  async importUsers(rows: Iterable<UserRecord>): Promise<ImportResult> {
    const rejected: { index: number; reason: string }[] = [];
    let batch = new Map<number, UserRecord>();
    let imported = 0;
    let index = 0;
    for (const row of rows) {
      const reason = userProblem(row);
      if (reason) rejected.push({ index, reason });
      else batch.set(row.user_id, row);
      index++;
      if (batch.size >= USER_BATCH) {
        await this.repository.upsertUsers([...batch.values()]);
        imported += batch.size;
        batch = new Map();
      }
    }
    await this.repository.upsertUsers([...batch.values()]);
    imported += batch.size;
    if (rejected.length > 0) this.logger.warn(`user import: ${rejected.length} row(s) rejected`);
    return { imported, rejected };
  }
}

/** Parses a user id path segment: a positive 32-bit integer, or null. */
export function parseUserId(raw: string): number | null {
  if (!/^\d{1,10}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= MAX_USER_ID ? id : null;
}

function movieProblem(row: MovieRecord): string | null {
  if (typeof row?.id !== 'string' || !/^[^\s/]+$/.test(row.id))
    return 'id must be a non-empty slug without spaces or /';
  if (typeof row.title !== 'string' || row.title.length === 0) return 'title is required';
  if (row.genres !== undefined && row.genres !== null && !Array.isArray(row.genres)) return 'genres must be an array';
  return null;
}

function userProblem(row: UserRecord): string | null {
  if (!Number.isInteger(row?.user_id) || row.user_id < 1 || row.user_id > MAX_USER_ID)
    return 'user_id must be a positive 32-bit integer';
  if (row.age !== null && row.age !== undefined && (!Number.isInteger(row.age) || row.age < 0 || row.age > 130))
    return 'age must be an integer 0–130';
  return null;
}

function normaliseMovie(row: MovieRecord): MovieRecord {
  const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
  return {
    id: row.id,
    tmdb_id: orNull(row.tmdb_id),
    imdb_id: orNull(row.imdb_id),
    title: row.title,
    original_title: orNull(row.original_title),
    adult: row.adult === true,
    genres: row.genres ?? [],
    original_language: orNull(row.original_language),
    overview: orNull(row.overview),
    popularity: orNull(row.popularity),
    release_date: orNull(row.release_date),
    runtime: orNull(row.runtime),
    spoken_languages: row.spoken_languages ?? [],
    vote_average: orNull(row.vote_average),
    vote_count: orNull(row.vote_count),
    budget: orNull(row.budget),
    revenue: orNull(row.revenue),
    status: orNull(row.status),
  };
}
