import 'reflect-metadata';
import { createApp, installGracefulShutdown } from './app.factory';
import { createRootLogger } from './common/logger';
import { ConfigError, loadConfig } from './modules/config/app-config';

/** Starts the HTTP service with the configuration in the environment (also used by the worker entry points). */
export async function runService(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createRootLogger(config.logLevel);
  const app = await createApp(config, logger);
  const listening = app.listen({ host: config.http.host, port: config.http.port });
  installGracefulShutdown(app, config, logger, listening);
  await listening;
  const shown = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  logger.info(
    { database: config.database.kind, events: config.events.kind },
    `Marquee listening on http://${shown}:${config.http.port} (try /healthz, /readyz)`,
  );
}
