import { Injectable } from '@nestjs/common';
import { MovieProfile, UserProfile } from '../datasets/interaction-dataset';
import { StorageService } from '../storage/storage.service';
import { ServedList, WatchStart } from './audit/online-audit';

/** The fairness module's reads of live traffic; the only fairness file that speaks SQL. */
@Injectable()
export class FairnessRepository {
  constructor(private readonly storage: StorageService) {}

  /** Successful responses in [since, until), newest first, at most `limit`. */
  async servedLists(since: Date, until: Date, limit = 200_000): Promise<ServedList[]> {
    const rows = await this.storage.sql.query<{ user_id: number; requested_at: Date; items: string[] }>(
      `SELECT user_id, requested_at, items FROM recommendation_log
        WHERE status = 200 AND requested_at >= $1 AND requested_at < $2
        ORDER BY requested_at DESC LIMIT $3`,
      [since, until, limit],
    );
    return rows.map((r) => ({ userId: r.user_id, at: new Date(r.requested_at).getTime(), items: r.items }));
  }

  /** Watches that started in [since, until). */
  async watchStarts(since: Date, until: Date): Promise<WatchStart[]> {
    const rows = await this.storage.sql.query<{ user_id: number; movie_id: string; first_seen_at: Date }>(
      `SELECT user_id, movie_id, first_seen_at FROM watch_aggregate WHERE first_seen_at >= $1 AND first_seen_at < $2`,
      [since, until],
    );
    return rows.map((r) => ({ userId: r.user_id, movieId: r.movie_id, at: new Date(r.first_seen_at).getTime() }));
  }

  async userProfiles(ids: readonly number[]): Promise<Map<number, Omit<UserProfile, 'id'>>> {
    if (ids.length === 0) return new Map();
    const rows = await this.storage.sql.query<{
      id: number;
      age: number | null;
      gender: string | null;
      occupation: string | null;
    }>(`SELECT id, age, gender, occupation FROM app_user WHERE id = ANY($1::int[])`, [ids]);
    return new Map(
      rows.map((r) => [
        r.id,
        { age: r.age, gender: r.gender === 'M' || r.gender === 'F' ? r.gender : null, occupation: r.occupation },
      ]),
    );
  }

  async catalog(): Promise<MovieProfile[]> {
    const rows = await this.storage.sql.query<{
      id: string;
      genres: unknown;
      release_date: string | null;
      original_language: string | null;
      adult: boolean;
      runtime: number | null;
    }>(`SELECT id, genres, release_date, original_language, adult, runtime FROM movie ORDER BY id`);
    return rows.map((r) => ({
      id: r.id,
      genres: genreNames(r.genres),
      year: r.release_date && /^\d{4}/.test(r.release_date) ? Number(r.release_date.slice(0, 4)) : null,
      language: r.original_language,
      adult: r.adult,
      runtime: r.runtime,
    }));
  }
}

function genreNames(genres: unknown): string[] {
  const list = typeof genres === 'string' ? (JSON.parse(genres) as unknown) : genres;
  if (!Array.isArray(list)) return [];
  return list
    .map((g: unknown) =>
      typeof g === 'string'
        ? g
        : g && typeof g === 'object' && 'name' in g
          ? String((g as { name: unknown }).name)
          : '',
    )
    .filter((g) => g.length > 0);
}
