import { DynamicModule, Module } from '@nestjs/common';
import { BootstrapModule } from '@modules/bootstrap';
import { CatalogModule } from '@modules/catalog';
import { ConsoleModule } from '@modules/console';
import { AppConfig, ConfigModule } from '@modules/config';
import { DatasetsModule } from '@modules/datasets';
import { EventsModule } from '@modules/events';
import { ExperimentsModule } from '@modules/experiments';
import { FairnessModule } from '@modules/fairness';
import { GovernanceModule } from '@modules/governance';
import { HealthModule } from '@modules/health';
import { IngestionModule } from '@modules/ingestion';
import { MetricsModule } from '@modules/metrics';
import { MonitoringModule } from '@modules/monitoring';
import { SecurityModule } from '@modules/security';
import { ReleasesModule } from '@modules/releases';
import { ServingModule } from '@modules/serving';
import { StorageModule } from '@modules/storage';

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
        // The operator console (/console): pages over the services above.
        ConsoleModule,
      ],
    };
  }
}
