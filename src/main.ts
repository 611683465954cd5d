/** The API process: `node dist/main.js` (what `npm start` runs). */
import cluster from 'node:cluster';
import { runSupervisor } from './cluster';
import { createRootLogger, StartupError } from '@common';
import { loadConfigOrExit, runService } from './service';

const config = loadConfigOrExit();
if (config.http.workers > 1 && cluster.isPrimary) {
  // HTTP_WORKERS > 1: this process only supervises; each worker runs the whole service.
  runSupervisor(config.http.workers, createRootLogger(config.logLevel));
} else {
  runService(config).catch((error: unknown) => {
    if (error instanceof StartupError) {
      // A named dependency failed: its message is the whole story (no stack trace), as JSON like every log line.
      createRootLogger(config.logLevel === 'silent' ? 'fatal' : config.logLevel).fatal(
        { variable: error.variable },
        `start-up failed: ${error.message}`,
      );
      process.exit(1);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
