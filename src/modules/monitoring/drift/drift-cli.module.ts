import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@modules/config';
import { DatasetsModule } from '@modules/datasets';
import { AuditModule, RegistryModule } from '@modules/governance';
import { InteractionsModule } from '@modules/interactions';
import { MetricsModule } from '@modules/metrics';
import { StorageModule } from '@modules/storage';
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
