import { Module } from '@nestjs/common';
import { GovernanceModule } from '@modules/governance';
import { InteractionsModule } from '@modules/interactions';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';

/**
 * Movies and users in the platform's API shape: validated bulk import and
 * lookup. The rows are stored by the interactions module, which owns `movie`
 * and `app_user` (the stream registers them too).
 */
@Module({
  imports: [InteractionsModule, GovernanceModule],
  controllers: [CatalogController],
  providers: [CatalogService],
  exports: [CatalogService],
})
export class CatalogModule {}
