import 'reflect-metadata';
import { createApp, installGracefulShutdown } from './app.factory';
import { createRootLogger } from '@common';
import { AppConfig, ConfigError, loadConfig } from '@modules/config';

/**
 * The configuration in the environment; a bad value ends the process with
 * exit code 2 and a message naming the variable.
 */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/** Starts the HTTP service (also used by the worker entry points); `config` defaults to the environment's. */
export async function runService(config: AppConfig = loadConfigOrExit()): Promise<void> {
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
