import { MovieProfile } from '@lib/dataset';
import {
  CategoryExposure,
  coverage,
  exposureByCategory,
  exposureCounts,
  gini,
  longTail,
  LongTail,
  lorenzCurve,
  releasePeriod,
  topShare,
} from '../indicators';

/** Item-side exposure of a set of recommendation lists (offline audit or logged traffic alike). */
export interface ExposureReport {
  readonly lists: number;
  readonly impressions: number;
  readonly gini: number;
  readonly top1Share: number;
  readonly top10Share: number;
  readonly coverage: number;
  readonly longTail: LongTail;
  readonly genres: readonly CategoryExposure[];
  readonly periods: readonly CategoryExposure[];
  readonly lorenz: readonly { readonly x: number; readonly y: number }[];
}

/**
 * `lists` hold internal item indices into `movies`; `popularity` (same
 * indexing) decides the head and the long tail.
 */
export function exposureReport(
  lists: readonly ArrayLike<number>[],
  movies: readonly MovieProfile[],
  popularity: ArrayLike<number>,
): ExposureReport {
  const exposure = exposureCounts(lists, movies.length);
  let impressions = 0;
  for (let i = 0; i < exposure.length; i++) impressions += exposure[i];
  return {
    lists: lists.length,
    impressions,
    gini: gini(exposure),
    top1Share: topShare(exposure, 0.01),
    top10Share: topShare(exposure, 0.1),
    coverage: coverage(exposure),
    longTail: longTail(exposure, popularity),
    genres: exposureByCategory(exposure, (i) => movies[i].genres),
    periods: exposureByCategory(exposure, (i) => [releasePeriod(movies[i].year)]),
    lorenz: lorenzCurve(exposure),
  };
}
