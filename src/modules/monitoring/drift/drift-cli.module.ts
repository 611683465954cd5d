import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '../../config/app-config';
import { ConfigModule } from '../../config/config.module';
import { DatasetsModule } from '../../datasets/datasets.module';
import { AuditModule } from '../../governance/audit/audit.module';
import { RegistryModule } from '../../governance/registry/registry.module';
import { InteractionsModule } from '../../interactions';
import { MetricsModule } from '../../metrics/metrics.module';
import { StorageModule } from '../../storage/storage.module';
import { MonitoringMetrics } from '../monitoring.metrics';
import { DriftService } from './drift.service';

/** The slice of the application `npm run drift:report` needs (no HTTP, no bus, no start-up audit). */
@Module({})
export class DriftCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DriftCliModule,
      imports: [
        ConfigModule.forRoot(config),
        StorageModule,
        MetricsModule,
        DatasetsModule,
        AuditModule,
        RegistryModule,
        InteractionsModule,
      ],
      providers: [MonitoringMetrics, DriftService],
    };
  }
}

export async function driftCliContext(config: AppConfig) {
  const context = await NestFactory.createApplicationContext(DriftCliModule.forRoot(config), { logger: false });
  await context.init();
  return context;
}
