import { DynamicModule, Module } from '@nestjs/common';
import { BootstrapModule } from './modules/bootstrap/bootstrap.module';
import { CatalogModule } from './modules/catalog/catalog.module';
import { AppConfig } from './modules/config/app-config';
import { ConfigModule } from './modules/config/config.module';
import { DatasetsModule } from './modules/datasets/datasets.module';
import { EventsModule } from './modules/events/events.module';
import { ExperimentsModule } from './modules/experiments/experiments.module';
import { FairnessModule } from './modules/fairness/fairness.module';
import { GovernanceModule } from './modules/governance/governance.module';
import { HealthModule } from './modules/health/health.module';
import { IngestionModule } from './modules/ingestion/ingestion.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { MonitoringModule } from './modules/monitoring/monitoring.module';
import { SecurityModule } from './modules/security/security.module';
import { ReleasesModule } from './modules/releases/releases.module';
import { ServingModule } from './modules/serving/serving.module';
import { StorageModule } from './modules/storage/storage.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        StorageModule,
        EventsModule,
        HealthModule,
        MetricsModule,
        MonitoringModule,
        SecurityModule,
        CatalogModule,
        GovernanceModule,
        ServingModule,
        ExperimentsModule,
        ReleasesModule,
        // Monitoring (drift), Fairness and Security (poisoning) register the promotion
        // gates with governance; without one, its gate stays missing and the policy denies.
        FairnessModule,
        IngestionModule,
        DatasetsModule,
        BootstrapModule,
      ],
    };
  }
}
