import { InteractionDataset } from '@lib/dataset';
import { SnapshotRef } from '@modules/governance';

/**
 * What a model release needs from the datasets module (DatasetSnapshotService
 * provides it, see ReleasesModule). A port of three calls rather than the whole
 * service, so the pipeline and its tests depend only on what they use.
 */
export interface SnapshotSource {
  /** Freezes everything ingested up to `cutoff`. */
  create(cutoff: Date): Promise<SnapshotRef>;
  find(id: string): Promise<SnapshotRef | null>;
  load(id: string): Promise<InteractionDataset>;
}

export const SNAPSHOT_SOURCE = Symbol('SNAPSHOT_SOURCE');
