import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { loadConfig } from '@modules/config';
import { MetricsRegistry } from '@modules/metrics';
import { RateLimiter } from '@modules/security/rate-limit/rate-limiter.service';

/** A bare Fastify instance with the service's rate limiter installed and stand-in routes, driven by inject(). */
export interface RateLimitedApp {
  readonly fastify: FastifyInstance;
  readonly limiter: RateLimiter;
  readonly metrics: MetricsRegistry;
  get(url: string, ip: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function rateLimitedApp(
  env: Record<string, string>,
  metrics = new MetricsRegistry(),
): Promise<RateLimitedApp> {
  const fastify = Fastify({ logger: false });
  const limiter = new RateLimiter(loadConfig(env), metrics);
  await limiter.install(fastify);
  fastify.get('/recommend/:userId', async () => 'ok');
  fastify.get('/admin/models', async () => []);
  fastify.get('/healthz', async () => 'ok');
  await fastify.ready();
  return {
    fastify,
    limiter,
    metrics,
    get: (url, ip) => fastify.inject({ method: 'GET', url, remoteAddress: ip }),
    close: async () => {
      await fastify.close();
      await limiter.onModuleDestroy();
    },
  };
}
