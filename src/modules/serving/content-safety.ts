import { ScoredItem } from '@lib/artifacts';

export const ADULT_AGE = 18;

/**
 * The one place that keeps adult titles from minors. It runs after ranking,
 * on every path (model, experiment arm, fallback), so no model or arm can
 * bypass it. A user is protected when their age is known and under 18.
 */
export function enforceContentSafety(
  items: readonly ScoredItem[],
  age: number | null | undefined,
  isAdult: (movieId: string) => boolean,
): ScoredItem[] {
  if (age === null || age === undefined || age >= ADULT_AGE) return [...items];
  return items.filter((item) => !isAdult(item.movieId));
}
