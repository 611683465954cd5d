import fastifyRateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { Counter } from 'prom-client';
import { redactUrl } from '@common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { MetricsRegistry } from '@modules/metrics';
import { bucketsFor, RateLimitScope, RequestBuckets } from './rate-limit.policy';

type Check = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Rate limits on @fastify/rate-limit: fixed windows counted in its in-memory
 * store (an LRU of RATE_LIMIT_MEMORY_MAX_KEYS keys per bucket scope), or in its
 * Redis store when REDIS_URL is set so replicas share the counts (one Lua
 * script: INCR + PEXPIRE, atomic). `rate-limit.policy.ts` decides which buckets
 * a request counts against; each scope is one `createRateLimit` checker, tried
 * in the policy's order, and the first bucket over its limit answers 429.
 * A store failure fails open (counted and logged): losing the limiter for a
 * moment is better than refusing every user because Redis blinked.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimiter');
  private readonly limited: Counter<'route' | 'scope'>;
  private readonly storeErrors: Counter<'store'>;
  private redis: Redis | undefined;
  /** The buckets the policy chose for a request in flight, read back by each scope's keyGenerator. */
  private readonly buckets = new WeakMap<FastifyRequest, RequestBuckets>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    this.limited = metrics.counter({
      name: 'marquee_rate_limited_total',
      help: 'Requests refused with 429 by the rate limiter, by route and bucket scope',
      labelNames: ['route', 'scope'],
    });
    this.storeErrors = metrics.counter({
      name: 'marquee_rate_limit_store_errors_total',
      help: 'Rate-limit store failures (the limiter fails open)',
      labelNames: ['store'],
    });
  }

  /**
   * Registers @fastify/rate-limit on `fastify` (not globally: no per-route
   * hooks) and one root onRequest hook, so limits run before routing and body
   * parsing and also cover unknown routes (404s).
   */
  async install(fastify: FastifyInstance): Promise<void> {
    const rl = this.config.rateLimit;
    if (!rl.enabled) return;
    const redis = rl.redisUrl ? await this.connectRedis(rl.redisUrl) : undefined;
    const store = redis ? 'redis' : 'memory';
    // Not awaited: awaiting a plugin here would load the instance's plugins early, and the routes Nest maps
    // later would then miss Nest's error handler (Fastify fixes a route's error handler when it is added).
    // The plugin loads with the others at ready(); the checkers are made once it has.
    void fastify.register(fastifyRateLimit, {
      global: false,
      redis,
      nameSpace: 'marquee:rl:',
      skipOnError: false, // errors reach the hook below, which counts them and fails open
    });
    let checks: Record<RateLimitScope, Check> | undefined;
    void fastify.after(() => {
      const checker = (scope: RateLimitScope): Check => {
        const options: RateLimitOptions = {
          timeWindow: rl.windowMs,
          max: (request) => this.bucket(request, scope).max,
          keyGenerator: (request) => this.bucket(request, scope).key,
          cache: rl.memoryMaxKeys, // per scope (each createRateLimit has a store of its own)
        };
        return fastify.createRateLimit(options);
      };
      checks = { client: checker('client'), user: checker('user'), 'admin-client': checker('admin-client') };
    });

    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const buckets = bucketsFor(request.url, request.ip, rl);
      if (buckets.checks.length === 0 || !checks) return; // !checks: not ready yet, so no request either
      this.buckets.set(request, buckets);
      for (const bucket of buckets.checks) {
        let result;
        try {
          result = await checks[bucket.scope](request);
        } catch (error) {
          this.storeErrors.inc({ store });
          this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'rate-limit store failed');
          return;
        }
        if (result.isAllowed || !result.isExceeded) continue;
        this.limited.inc({ route: buckets.route, scope: bucket.scope });
        const retryAfter = Math.max(1, result.ttlInSeconds);
        await reply
          .code(429)
          .header('retry-after', String(retryAfter))
          .type('application/json')
          .send({
            error: {
              status: 429,
              code: 'too_many_requests',
              message: `rate limit of ${bucket.max} requests per ${rl.windowMs / 1000} s exceeded (${bucket.scope}); retry after ${retryAfter} s`,
            },
            requestId: request.id,
          });
        return reply;
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.redis?.disconnect();
    this.redis = undefined;
  }

  private bucket(request: FastifyRequest, scope: RateLimitScope): { key: string; max: number } {
    const bucket = this.buckets.get(request)?.checks.find((check) => check.scope === scope);
    if (!bucket) throw new Error(`no ${scope} rate-limit bucket for ${request.url}`);
    return bucket;
  }

  /** An ioredis client that fails fast (the limiter then fails open) and reconnects by itself. */
  private async connectRedis(url: string): Promise<Redis> {
    let failing = false;
    const redis = new Redis(url, {
      // A request must not wait for Redis to come back: no retries beyond one, no offline queue.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
      lazyConnect: true,
    });
    // Without a listener ioredis prints raw "[ioredis] Unhandled error event" lines on every reconnect
    // attempt. Logged as JSON, once per outage (the limiter counts failed-open requests meanwhile).
    redis.on('error', (error: Error) => {
      if (failing) return;
      failing = true;
      this.logger.warn(`REDIS_URL=${redactUrl(url)}: ${error.message}; rate limits fail open until it answers`);
    });
    redis.on('ready', () => {
      if (failing) this.logger.log(`REDIS_URL=${redactUrl(url)}: connected again`);
      failing = false;
    });
    this.redis = redis;
    try {
      await redis.connect();
    } catch (error) {
      // Start anyway (failing open, counted per request); ioredis keeps reconnecting in the background.
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'Redis unreachable at start-up',
      );
    }
    return redis;
  }
}
