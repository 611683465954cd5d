import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CatalogModule } from '../catalog/catalog.module';
import { DatasetSnapshotService } from '../datasets/dataset-snapshot.service';
import { DatasetsModule } from '../datasets/datasets.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { FairnessGateEvaluator } from '../fairness/fairness-gate.evaluator';
import { FairnessModule } from '../fairness/fairness.module';
import { GovernanceModule } from '../governance/governance.module';
import { IngestionModule } from '../ingestion/ingestion.module';
import { InteractionsModule } from '../interactions';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { PoisoningGateEvaluator } from '../security/poisoning/poisoning-gate.evaluator';
import { SecurityModule } from '../security/security.module';
import { ServingModule } from '../serving/serving.module';
import { DemoBootstrapService } from './demo-bootstrap.service';
import { DriftGateEvaluator } from './drift-gate.evaluator';
import { GATE_EVALUATORS, GateEvaluator } from './gate-evaluator';
import { ModelReleaseService } from './model-release.service';
import { RetrainingController } from './retraining.controller';
import { SNAPSHOT_SOURCE } from './snapshot-source';
import { RetrainingService } from './retraining.service';
import { TrainingRunRepository } from './training-run.repository';

/** Model releases: the start-up bootstrap, scheduled retraining and the admin trigger, all through one pipeline. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    GovernanceModule,
    DatasetsModule,
    IngestionModule,
    InteractionsModule,
    CatalogModule,
    ServingModule,
    MonitoringModule,
    FairnessModule,
    SecurityModule,
    ExperimentsModule,
  ],
  controllers: [RetrainingController],
  providers: [
    TrainingRunRepository,
    ModelReleaseService,
    RetrainingService,
    DemoBootstrapService,
    { provide: SNAPSHOT_SOURCE, useExisting: DatasetSnapshotService },
    DriftGateEvaluator,
    // Gates with an evaluator; a gate without one stays missing and the policy denies.
    {
      provide: GATE_EVALUATORS,
      inject: [DriftGateEvaluator, FairnessGateEvaluator, PoisoningGateEvaluator],
      useFactory: (...evaluators: GateEvaluator[]) => evaluators,
    },
  ],
  exports: [ModelReleaseService, RetrainingService],
})
export class ReleasesModule {}
