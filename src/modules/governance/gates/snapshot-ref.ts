/** A frozen dataset snapshot, as releases and gates refer to it. */
export interface SnapshotRef {
  readonly id: string;
  readonly contentHash: string;
  readonly cutoff: Date;
}
