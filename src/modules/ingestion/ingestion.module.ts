import { Module } from '@nestjs/common';
import { InteractionsModule } from '@modules/interactions';
import { IngestionMetrics } from './ingestion.metrics';
import { IngestionRepository } from './ingestion.repository';
import { IngestionService } from './ingestion.service';

/**
 * movielog → store. Starts the consumer group on application bootstrap when
 * INGESTION_ENABLED (default true) and leaves it, committing the batch in
 * progress, before the bus and the database close. The activity rows go to
 * the interactions module, which owns those tables; ingestion keeps the
 * dead letters. Exports the service for lag and observers.
 */
@Module({
  imports: [InteractionsModule],
  providers: [IngestionMetrics, IngestionRepository, IngestionService],
  exports: [IngestionService],
})
export class IngestionModule {}
