// Public surface of lib/dataset: what other modules may import. Everything else is internal.
export { type InteractionDataset, type MovieProfile, type UserProfile } from './interaction-dataset';
export {
  contentHashOf,
  loadSnapshotDir,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotContent,
  type SnapshotManifest,
  writeSnapshotFiles,
} from './snapshot-format';
