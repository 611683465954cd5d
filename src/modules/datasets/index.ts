// Public surface of modules/datasets: what other modules may import. Everything else is internal.
export { DatasetSnapshotService, loadSnapshot } from './dataset-snapshot.service';
export { DatasetsModule } from './datasets.module';
export { SNAPSHOT_EXCLUSIONS, type SnapshotExclusions } from './snapshot-exclusions';
