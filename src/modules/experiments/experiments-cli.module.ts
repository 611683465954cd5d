import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@modules/config';
import { MetricsModule } from '@modules/metrics';
import { StorageModule } from '@modules/storage';
import { ExperimentsRepository } from './experiments.repository';

/** The slice the experiment CLIs need: the store and the repository (no HTTP, no stream). */
@Module({})
export class ExperimentsCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ExperimentsCliModule,
      imports: [ConfigModule.forRoot(config), StorageModule, MetricsModule],
      providers: [ExperimentsRepository],
      exports: [ExperimentsRepository],
    };
  }
}

export async function experimentsCliContext(config: AppConfig) {
  const context = await NestFactory.createApplicationContext(ExperimentsCliModule.forRoot(config), { logger: false });
  await context.init();
  return context;
}
