import { Module } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { AdminApiModule } from './admin/admin-api.module';
import { AuditModule } from './audit/audit.module';
import { GatesModule } from './gates/gates.module';
import { PolicyModule } from './policy/policy.module';
import { RegistryModule } from './registry/registry.module';
import { ReportsModule } from './reports/reports.module';
import { StartupAudit } from './startup-audit.service';

/**
 * Governance: model registry and lineage, OPA-gated promotion, casbin access
 * control for the admin API, the hash-chained audit trail and compliance
 * reports. Other modules import this and use the exported services:
 * AuditService.append, PromotionGate.requestTransition,
 * ModelRegistryService (recordGateResult, serving, …), LineageService, and
 * GateRegistry, where gate-owning modules register their promotion gates.
 */
@Module({
  imports: [AuditModule, AccessModule, PolicyModule, GatesModule, RegistryModule, ReportsModule, AdminApiModule],
  providers: [StartupAudit],
  exports: [AuditModule, AccessModule, PolicyModule, GatesModule, RegistryModule, ReportsModule],
})
export class GovernanceModule {}
