import { Module } from '@nestjs/common';
import { CatalogModule } from '@modules/catalog';
import { GovernanceModule } from '@modules/governance';
import { IngestionModule } from '@modules/ingestion';
import { InteractionsModule } from '@modules/interactions';
import { ReleasesModule } from '@modules/releases';
import { ServingModule } from '@modules/serving';
import { DemoBootstrapService } from './demo-bootstrap.service';

/**
 * The demo bootstrap of an empty embedded store (`npm start` on a fresh
 * machine): simulate a world into the stream, then release the first model
 * through the normal pipeline. Its own module because it is the one place in
 * src/modules that drives the simulated world (src/world), which the service
 * itself must not depend on; only AppModule imports it. Needs the global
 * ConfigModule, EventsModule and StorageModule.
 */
@Module({
  imports: [GovernanceModule, CatalogModule, IngestionModule, InteractionsModule, ServingModule, ReleasesModule],
  providers: [DemoBootstrapService],
})
export class BootstrapModule {}
