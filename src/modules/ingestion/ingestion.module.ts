import { Module } from '@nestjs/common';
import { IngestionMetrics } from './ingestion.metrics';
import { IngestionRepository } from './ingestion.repository';
import { IngestionService } from './ingestion.service';

/**
 * movielog → store. Starts the consumer group on application bootstrap when
 * INGESTION_ENABLED (default true) and leaves it, committing the batch in
 * progress, before the bus and the database close. Exports the repository
 * for `recordServedRecommendation` and the service for lag and observers.
 */
@Module({
  providers: [IngestionMetrics, IngestionRepository, IngestionService],
  exports: [IngestionService, IngestionRepository],
})
export class IngestionModule {}
