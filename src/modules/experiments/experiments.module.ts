import { Module } from '@nestjs/common';
import { GovernanceModule } from '@modules/governance';
import { ServingModule } from '@modules/serving';
import { CanaryController } from './canary.controller';
import { CanaryService } from './canary.service';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsMetrics } from './experiments.metrics';
import { ExperimentsRepository } from './experiments.repository';
import { ExperimentsService } from './experiments.service';
import { OnlineTelemetryService } from './online-telemetry.service';

/** A/B tests, canary releases and the online (stream-measured) quality they are judged on. */
@Module({
  imports: [GovernanceModule, ServingModule],
  controllers: [ExperimentsController, CanaryController],
  providers: [ExperimentsRepository, ExperimentsMetrics, OnlineTelemetryService, ExperimentsService, CanaryService],
  exports: [ExperimentsService, CanaryService, OnlineTelemetryService, ExperimentsRepository],
})
export class ExperimentsModule {}
