import { MovieProfile, UserProfile } from '@lib/dataset';

/**
 * Demographic and content features shared by training and serving, so a
 * model trained on them is scored with the identical encoding.
 */
type Demographics = Pick<UserProfile, 'age' | 'gender' | 'occupation'>;

const AGE_BANDS: readonly [number, string][] = [
  [18, 'under-18'],
  [25, '18-24'],
  [35, '25-34'],
  [45, '35-44'],
  [50, '45-49'],
  [56, '50-55'],
];

export function ageBand(age: number | null | undefined): string {
  if (age === null || age === undefined) return 'unknown';
  for (const [upper, band] of AGE_BANDS) if (age < upper) return band;
  return '56+';
}

/** Cold-start segment of the popularity model: age band × gender. */
export function demographicSegment(profile: Partial<Demographics> | undefined): string {
  return `${ageBand(profile?.age)}|${profile?.gender ?? 'unknown'}`;
}

export function yearBucket(year: number | null): string {
  if (year === null) return 'unknown';
  if (year < 1960) return 'pre-1960';
  if (year >= 2020) return String(year); // recent years are their own bucket: freshness matters
  return `${Math.floor(year / 10) * 10}s`;
}

/** LightFM-style user features (besides the per-user id feature). */
export function userFeatureNames(profile: Partial<Demographics> | undefined): string[] {
  const out = [`age:${ageBand(profile?.age)}`, `gender:${profile?.gender ?? 'unknown'}`];
  if (profile?.occupation) out.push(`occupation:${profile.occupation}`);
  return out;
}

/** LightFM-style item features (besides the per-item id feature). */
export function itemFeatureNames(movie: MovieProfile): string[] {
  const out = movie.genres.map((g) => `genre:${g}`);
  out.push(`year:${yearBucket(movie.year)}`);
  if (movie.language) out.push(`language:${movie.language}`);
  return out;
}
