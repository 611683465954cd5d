import { Module } from '@nestjs/common';
import { InteractionsModule } from '@modules/interactions';
import { DatasetSnapshotService } from './dataset-snapshot.service';
import { SnapshotRepository } from './snapshot.repository';

/**
 * Dataset snapshots: freeze ingested interactions up to a cutoff into a
 * content-hashed snapshot (files under DATA_DIR/snapshots + a dataset_snapshot
 * row) and load them back as the InteractionDataset training consumes.
 * `DatasetSnapshotService` is the internal API (createSnapshot / create / find
 * / load); `npm run snapshot` is its CLI. The interactions are read through
 * the interactions module, which owns them.
 */
@Module({
  imports: [InteractionsModule],
  providers: [SnapshotRepository, DatasetSnapshotService],
  exports: [DatasetSnapshotService],
})
export class DatasetsModule {}
