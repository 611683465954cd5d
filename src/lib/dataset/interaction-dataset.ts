/**
 * The in-memory form of a dataset snapshot that trainers and evaluators read.
 * It is the contract between ingestion/snapshots (which produce it) and
 * training (which consumes it); neither side knows how the other stores data.
 *
 * Interactions are one row per (user, movie) pair with any activity, in
 * columnar typed arrays (COO layout) so 30M rows stay compact (~0.5 GB).
 */
export interface UserProfile {
  readonly id: number;
  readonly age: number | null;
  readonly gender: 'M' | 'F' | null;
  readonly occupation: string | null;
}

export interface MovieProfile {
  readonly id: string;
  readonly genres: readonly string[];
  readonly year: number | null;
  readonly language: string | null;
  readonly adult: boolean;
  /** Minutes; null when unknown. */
  readonly runtime: number | null;
}

export interface InteractionDataset {
  readonly snapshotId: string;
  /** Content hash of the snapshot the rows came from. */
  readonly contentHash: string;
  /** Internal user index → profile (and external id). */
  readonly users: readonly UserProfile[];
  /** Internal item index → profile (and external movie id). */
  readonly movies: readonly MovieProfile[];
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  /** Minutes watched (highest minute seen + 1); 0 when only rated. */
  readonly watchMinutes: Float32Array;
  /** Latest explicit rating; 0 when the user never rated the movie. */
  readonly rating: Float32Array;
  /** Epoch milliseconds of the last interaction of the pair. */
  readonly timestamp: Float64Array;
  readonly ratingScaleMax: number;
}

export function interactionCount(data: InteractionDataset): number {
  return data.userIndex.length;
}
