/** A movie in the platform's movie API shape (snake_case), as stored and as served by GET /movie/:id. */
export interface MovieRecord {
  readonly id: string;
  readonly tmdb_id: number | null;
  readonly imdb_id: string | null;
  readonly title: string;
  readonly original_title: string | null;
  readonly adult: boolean;
  readonly genres: readonly { readonly id: number; readonly name: string }[];
  readonly original_language: string | null;
  readonly overview: string | null;
  readonly popularity: number | null;
  readonly release_date: string | null;
  readonly runtime: number | null;
  readonly spoken_languages: readonly { readonly iso_639_1: string; readonly name: string }[];
  readonly vote_average: number | null;
  readonly vote_count: number | null;
  readonly budget: number | null;
  readonly revenue: number | null;
  readonly status: string | null;
}

/** A user in the platform's user API shape, as stored and as served by GET /user/:id. */
export interface UserRecord {
  readonly user_id: number;
  readonly age: number | null;
  readonly occupation: string | null;
  readonly gender: string | null;
}
