import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { GovernanceMetrics } from '../governance-metrics';
import { AccessControlService } from './access-control.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { CallerAccess } from './caller-access.service';

/** Who may call the admin API: API keys (hashed) and casbin RBAC. */
@Module({
  imports: [AuditModule],
  providers: [GovernanceMetrics, ApiKeyRepository, ApiKeyService, AccessControlService, AdminAuthGuard, CallerAccess],
  exports: [ApiKeyService, AccessControlService, AdminAuthGuard, GovernanceMetrics, CallerAccess],
})
export class AccessModule {}
