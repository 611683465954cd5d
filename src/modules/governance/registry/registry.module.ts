import { Module } from '@nestjs/common';
import { InteractionsModule } from '@modules/interactions';
import { AuditModule } from '../audit/audit.module';
import { GatesModule } from '../gates/gates.module';
import { GovernanceMetrics } from '../governance-metrics';
import { PolicyModule } from '../policy/policy.module';
import { LineageRepository } from './lineage.repository';
import { LineageService } from './lineage.service';
import { ModelRegistryService } from './model-registry.service';
import { ModelVersionRepository } from './model-version.repository';
import { PromotionGate } from './promotion-gate.service';

/** Model registry, lifecycle (through the PromotionGate) and lineage. */
@Module({
  imports: [AuditModule, PolicyModule, GatesModule, InteractionsModule],
  providers: [
    GovernanceMetrics,
    ModelVersionRepository,
    LineageRepository,
    ModelRegistryService,
    PromotionGate,
    LineageService,
  ],
  exports: [ModelRegistryService, PromotionGate, LineageService],
})
export class RegistryModule {}
