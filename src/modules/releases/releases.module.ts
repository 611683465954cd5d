import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DatasetSnapshotService, DatasetsModule } from '@modules/datasets';
import { ExperimentsModule } from '@modules/experiments';
import { GovernanceModule } from '@modules/governance';
import { InteractionsModule } from '@modules/interactions';
import { ModelReleaseService } from './model-release.service';
import { RetrainingController } from './retraining.controller';
import { RetrainingService } from './retraining.service';
import { SNAPSHOT_SOURCE } from './snapshot-source';
import { TrainingRunRepository } from './training-run.repository';

/**
 * Model releases: scheduled retraining and the admin trigger, through one
 * pipeline (ModelReleaseService, also used by the demo bootstrap). The gates
 * come from governance's GateRegistry, where the modules owning them register
 * them: an application that runs releases imports those modules too (AppModule
 * imports MonitoringModule, FairnessModule and SecurityModule), and a gate no
 * module registered stays missing, so the policy denies.
 */
@Module({
  imports: [ScheduleModule.forRoot(), GovernanceModule, DatasetsModule, InteractionsModule, ExperimentsModule],
  controllers: [RetrainingController],
  providers: [
    TrainingRunRepository,
    ModelReleaseService,
    RetrainingService,
    { provide: SNAPSHOT_SOURCE, useExisting: DatasetSnapshotService },
  ],
  exports: [ModelReleaseService, RetrainingService],
})
export class ReleasesModule {}
