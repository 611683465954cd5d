import { Injectable } from '@nestjs/common';
import { StorageService } from '../storage/storage.service';
import { UserHistory, watchedToTheEnd } from './user-history';

/** Serving's reads and writes; the only serving file that speaks SQL. */
@Injectable()
export class ServingRepository {
  constructor(private readonly storage: StorageService) {}

  /** Profile, watches and ratings of one user in a single round trip (it runs on the request path). */
  async loadUserHistory(userId: number): Promise<UserHistory> {
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
       SELECT 'rating', movie_id, NULL, NULL, rated_at, NULL, NULL, NULL FROM rating WHERE user_id = $1`,
      [userId],
    );
    const exclude = new Set<string>();
    const seen: { movieId: string; at: number }[] = [];
    let profile: UserHistory['profile'] = null;
    for (const row of rows) {
      if (row.kind === 'profile') {
        const gender: 'M' | 'F' | null = row.gender === 'M' || row.gender === 'F' ? row.gender : null;
        profile = { age: row.age, gender, occupation: row.occupation };
        continue;
      }
      const movieId = row.movie_id as string;
      if (row.kind === 'rating' || watchedToTheEnd(row.minutes ?? 0, row.runtime)) exclude.add(movieId);
      seen.push({ movieId, at: row.at ? new Date(row.at).getTime() : 0 });
    }
    const recent = [...new Set(seen.sort((a, b) => b.at - a.at).map((s) => s.movieId))].slice(0, 50);
    return { profile, exclude, recent };
  }

  async loadAdultMovieIds(): Promise<string[]> {
    const rows = await this.storage.sql.query<{ id: string }>('SELECT id FROM movie WHERE adult');
    return rows.map((r) => r.id);
  }

  /** Most-watched movies of the recent past: the answer of last resort. */
  async loadPopularMovies(since: Date, limit: number): Promise<string[]> {
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
