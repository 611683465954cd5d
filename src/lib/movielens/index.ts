/**
 * MovieLens files (GroupLens' ml-100k, ml-1m, ml-latest/-small, ml-20m/25m):
 * the one reader, and its view as an InteractionDataset for offline work.
 */
export {
  detectFormat,
  ML1M_OCCUPATIONS,
  parseCsvRow,
  readMovieLens,
  type MovieLensData,
  type MovieLensFormat,
  type MovieLensIssue,
  type MovieLensMovie,
  type MovieLensRatings,
  type MovieLensUser,
} from './movielens-reader';
export { loadMovieLensDataset, movieLensDataset } from './movielens-dataset';
