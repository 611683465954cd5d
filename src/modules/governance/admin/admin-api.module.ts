import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AuditModule } from '../audit/audit.module';
import { GatesModule } from '../gates/gates.module';
import { RegistryModule } from '../registry/registry.module';
import { ReportsModule } from '../reports/reports.module';
import { AuditController } from './audit.controller';
import { LineageController } from './lineage.controller';
import { ModelsController } from './models.controller';

/** The /admin HTTP API: thin controllers behind AdminAuthGuard. */
@Module({
  imports: [AccessModule, AuditModule, GatesModule, RegistryModule, ReportsModule],
  controllers: [ModelsController, LineageController, AuditController],
})
export class AdminApiModule {}
