import { Module } from '@nestjs/common';
import { ExperimentsModule } from '@modules/experiments';
import { GovernanceModule } from '@modules/governance';
import { HealthModule } from '@modules/health';
import { IngestionModule } from '@modules/ingestion';
import { ServingModule } from '@modules/serving';
import { ConsoleAuthGuard } from './console-auth.guard';
import { ConsolePagesController, ConsoleSignInController } from './console.controller';
import { ConsolePagesService } from './console-pages.service';
import { ConsoleSessionService } from './console-session.service';

/** The operator console: server-rendered pages under /console over the services the admin API uses. */
@Module({
  imports: [GovernanceModule, ExperimentsModule, IngestionModule, ServingModule, HealthModule],
  controllers: [ConsoleSignInController, ConsolePagesController],
  providers: [ConsoleSessionService, ConsolePagesService, ConsoleAuthGuard],
})
export class ConsoleModule {}
