import { InteractionDataset } from '../datasets/interaction-dataset';

/** A frozen dataset snapshot, as releases refer to it. */
export interface SnapshotRef {
  readonly id: string;
  readonly contentHash: string;
  readonly cutoff: Date;
}

/** What a model release needs from the datasets module. */
export interface SnapshotSource {
  /** Freezes everything ingested up to `cutoff`. */
  create(cutoff: Date): Promise<SnapshotRef>;
  find(id: string): Promise<SnapshotRef | null>;
  load(id: string): Promise<InteractionDataset>;
}

export const SNAPSHOT_SOURCE = Symbol('SNAPSHOT_SOURCE');
