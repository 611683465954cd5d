/**
 * Ingestion worker entry point (one consumer-group member per process; the
 * k8s Deployment scales it up to the topic's partition count). The same
 * service with ingestion on and serving off: it never loads a model, and it
 * keeps /healthz, /readyz and /metrics for probes and scraping.
 */
import { parseCommand } from '@lib/cli';
import { withIngestWorkerDefaults } from '@modules/ingestion';
import { runService } from '../service';
import { COMMANDS } from './commands';

parseCommand(COMMANDS['ingest:worker']);
process.env.INGESTION_ENABLED = 'true';
process.env.SERVING_ENABLED = 'false';
process.env.BOOTSTRAP_WORLD = 'false';
// A process that only ingests: the Kafka thread at normal priority, larger batches (see the module).
withIngestWorkerDefaults(process.env);
runService().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
