/** The API process: `node dist/main.js` (what `npm start` runs). */
import cluster from 'node:cluster';
import { runSupervisor } from './cluster';
import { createRootLogger } from './common/logger';
import { ConfigError, loadConfig } from './modules/config/app-config';
import { runService } from './service';

function workersWanted(): { workers: number; logLevel: Parameters<typeof createRootLogger>[0] } {
  try {
    const config = loadConfig();
    return { workers: config.http.workers, logLevel: config.logLevel };
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

const { workers, logLevel } = workersWanted();
if (workers > 1 && cluster.isPrimary) {
  // HTTP_WORKERS > 1: this process only supervises; each worker runs the whole service.
  runSupervisor(workers, createRootLogger(logLevel));
} else {
  runService().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
