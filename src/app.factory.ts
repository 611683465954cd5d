import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { JsonExceptionFilter, PinoNestLogger } from '@common';
import { AppConfig } from '@modules/config';
import { ReadinessRegistry } from '@modules/health';

/** Builds the application (without listening), shared by main.ts and the tests. */
export async function createApp(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Fastify logs every request at info; at production rates that is noise, so
    // its logger only speaks for warnings and errors.
    loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }),
    bodyLimit: 64 * 1024,
    // Honour an incoming request id so a trace spans services, but only a
    // plain token (it is echoed and logged: no log or header injection);
    // otherwise mint one.
    requestIdHeader: false,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
    // Throw start-up errors to the caller (main exits non-zero; tests see the cause).
    abortOnError: false,
  });
  app.useGlobalFilters(new JsonExceptionFilter());
  const fastify = app.getHttpAdapter().getInstance();
  const readiness = app.get(ReadinessRegistry);
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // While draining, close each keep-alive connection after its response: the
    // server closes only idle connections when it stops, and one that finishes a
    // request later would otherwise hold shutdown until keepAliveTimeout (72 s).
    if (readiness.isDraining()) reply.header('connection', 'close');
  });
  return app;
}

/**
 * SIGTERM: become unready, let the load balancer notice, then close in order.
 * A signal that arrives while the application is still starting (`started`
 * pending: modules initialising, consumers joining) waits for start-up to
 * finish, so the close runs on a whole application, not a half-built one.
 */
export function installGracefulShutdown(
  app: NestFastifyApplication,
  config: AppConfig,
  logger: Logger,
  started: Promise<unknown> = Promise.resolve(),
): void {
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining');
    const force = setTimeout(() => {
      logger.error('grace period exceeded; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    // app.close() stops accepting connections, waits for in-flight requests,
    // then runs every module's shutdown hook (consumers commit, stores close).
    started
      // A failed start-up is reported by whoever awaits `started` (runService's caller); close what did start.
      .catch((error: unknown) => logger.warn({ err: error, signal }, 'start-up had failed; closing what started'))
      .then(() => {
        app.get(ReadinessRegistry).startDraining();
        return app.close();
      })
      .then(() => {
        logger.info('shutdown complete');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // SIGHUP's default action ends the process at once (no drain). Here it means "reload": the model
  // loader reloads (every mode); a process without one (ingest worker) logs and carries on.
  process.on('SIGHUP', () => logger.info({ signal: 'SIGHUP' }, 'SIGHUP: reload requested'));
}
