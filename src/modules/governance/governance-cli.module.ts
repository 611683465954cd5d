import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@modules/config';
import { EventsModule } from '@modules/events';
import { MetricsModule } from '@modules/metrics';
import { StorageModule } from '@modules/storage';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { ReportsModule } from './reports/reports.module';

/** The slice of the application the governance CLIs need (no HTTP; the event bus only for Kafka audit anchors). */
@Module({})
export class GovernanceCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: GovernanceCliModule,
      imports: [
        ConfigModule.forRoot(config),
        StorageModule,
        MetricsModule,
        // The event bus only to read and write audit anchors on Kafka (AUDIT_ANCHOR_SINK=kafka).
        ...(config.auditAnchors.sink === 'kafka' ? [EventsModule] : []),
        AuditModule,
        AccessModule,
        ReportsModule,
      ],
    };
  }
}

export async function governanceCliContext(config: AppConfig) {
  const context = await NestFactory.createApplicationContext(GovernanceCliModule.forRoot(config), { logger: false });
  await context.init();
  return context;
}
