import { Module, OnModuleInit } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DatasetSnapshotService, DatasetsModule } from '@modules/datasets';
import { ExperimentsModule } from '@modules/experiments';
import { GateRegistry, GovernanceModule } from '@modules/governance';
import { HoldoutComparisonEvaluator } from './holdout-comparison.evaluator';
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
 * module registered stays missing, so the policy denies. Releases register
 * one gate of their own: `holdout-comparison`, the like-for-like offline
 * comparison with the champion that the policy's quality rule reads.
 */
@Module({
  imports: [ScheduleModule.forRoot(), GovernanceModule, DatasetsModule, InteractionsModule, ExperimentsModule],
  controllers: [RetrainingController],
  providers: [
    TrainingRunRepository,
    ModelReleaseService,
    RetrainingService,
    HoldoutComparisonEvaluator,
    { provide: SNAPSHOT_SOURCE, useExisting: DatasetSnapshotService },
  ],
  exports: [ModelReleaseService, RetrainingService],
})
export class ReleasesModule implements OnModuleInit {
  constructor(
    private readonly gates: GateRegistry,
    private readonly comparison: HoldoutComparisonEvaluator,
  ) {}

  /** Releases own the like-for-like comparison with the champion (it retrains the champion's recipe). */
  onModuleInit(): void {
    this.gates.register(this.comparison);
  }
}
