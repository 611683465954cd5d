import type { InteractionDataset } from '../../datasets/interaction-dataset';

/**
 * How the drift service reads a training snapshot it has not been handed.
 * The datasets module provides it (`{ provide: SNAPSHOT_DATASET_READER, useExisting: … }`
 * in a global module, or `DriftService.useSnapshotReader(reader)` from start-up code).
 * Without one, callers pass the dataset they trained on to `evaluateDriftGate`.
 */
export interface SnapshotDatasetReader {
  read(snapshotId: string): Promise<InteractionDataset>;
}

export const SNAPSHOT_DATASET_READER = Symbol('SNAPSHOT_DATASET_READER');
