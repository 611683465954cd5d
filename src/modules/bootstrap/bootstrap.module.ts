import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { GovernanceModule } from '../governance/governance.module';
import { IngestionModule } from '../ingestion/ingestion.module';
import { InteractionsModule } from '../interactions';
import { ReleasesModule } from '../releases/releases.module';
import { ServingModule } from '../serving/serving.module';
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
