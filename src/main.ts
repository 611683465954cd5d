/** The API process: `node dist/main.js` (what `npm start` runs). */
import cluster from 'node:cluster';
import { runSupervisor } from './cluster';
import { createRootLogger } from '@common';
import { loadConfigOrExit, runService } from './service';

const config = loadConfigOrExit();
if (config.http.workers > 1 && cluster.isPrimary) {
  // HTTP_WORKERS > 1: this process only supervises; each worker runs the whole service.
  runSupervisor(config.http.workers, createRootLogger(config.logLevel));
} else {
  runService(config).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
