import type { MovieProfile, UserProfile } from '@lib/dataset';
/**
 * What the catalog's stored columns mean, in one place: the movie's `genres`
 * JSON, its release year, and the user profile as the models read it.
 * Pure functions; the repositories apply them to what they read.
 */

/** A user's profile fields as stored, with gender reduced to the values the models know. */
export type StoredUserProfile = Omit<UserProfile, 'id'>;

/** A movie's descriptive fields as the models and audits read them (the dataset's MovieProfile). */
export type StoredMovieProfile = MovieProfile;

/**
 * Genre names from a movie's `genres` column: a JSON array of names or of
 * `{id, name}` objects (the platform's movie API); a JSON text holding such an
 * array is parsed first. Anything else has no genres.
 */
export function genreNames(genres: unknown): string[] {
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

/** The year of a `YYYY-MM-DD` release date, or null. */
export function releaseYear(releaseDate: string | null): number | null {
  const m = releaseDate ? /^(\d{4})/.exec(releaseDate) : null;
  return m ? Number(m[1]) : null;
}

export function userProfileOf(row: {
  age: number | null;
  gender: string | null;
  occupation: string | null;
}): StoredUserProfile {
  const gender: 'M' | 'F' | null = row.gender === 'M' || row.gender === 'F' ? row.gender : null;
  return { age: row.age, gender, occupation: row.occupation };
}
