import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { GatesModule } from '../gates/gates.module';
import { RegistryModule } from '../registry/registry.module';
import { ComplianceReportService } from './compliance-report.service';

/** Compliance reports for auditors. */
@Module({
  imports: [AuditModule, GatesModule, RegistryModule],
  providers: [ComplianceReportService],
  exports: [ComplianceReportService],
})
export class ReportsModule {}
