// Public surface of modules/ingestion: what other modules may import. Everything else is internal.
export { IngestionModule } from './ingestion.module';
export { IngestionService } from './ingestion.service';
export { withIngestWorkerDefaults } from './ingest-worker-defaults';
