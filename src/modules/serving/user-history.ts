import { UserProfile } from '@lib/dataset';

/** What serving needs to know about a user for one request. */
export interface UserHistory {
  readonly profile: Omit<UserProfile, 'id'> | null;
  /** Movies watched to the end or rated: never recommended again. */
  readonly exclude: ReadonlySet<string>;
  /** Movies the user interacted with, most recent first (fold-in for users a model does not know). */
  readonly recent: readonly string[];
}

export const EMPTY_HISTORY: UserHistory = { profile: null, exclude: new Set(), recent: [] };

/**
 * "Watched to the end": at least 90% of the runtime; when the runtime is
 * unknown (a movie first seen in the stream), an hour counts as a full film.
 */
export function watchedToTheEnd(minutesWatched: number, runtime: number | null): boolean {
  return runtime !== null && runtime > 0 ? minutesWatched >= 0.9 * runtime : minutesWatched >= 60;
}
