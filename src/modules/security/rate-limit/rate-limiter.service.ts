import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { MetricsRegistry } from '@modules/metrics';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { bucketsFor, RateLimitRoute, RateLimitScope } from './rate-limit.policy';
import { RateLimitStore } from './rate-limit.store';
import { RedisRateLimitStore } from './redis-rate-limit.store';

export type RateLimitDecision =
  | { readonly limited: false }
  | {
      readonly limited: true;
      readonly route: RateLimitRoute;
      readonly scope: RateLimitScope;
      readonly limit: number;
      readonly retryAfterSeconds: number;
    };

/**
 * Counts requests in fixed windows (in memory, or in Redis when REDIS_URL is
 * set so replicas share limits) and decides whether one is over a limit.
 * A store failure fails open (counted and logged): losing the limiter for a
 * moment is better than refusing every user because Redis blinked.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RateLimiter');
  readonly store: RateLimitStore;
  private readonly limited: Counter<'route' | 'scope'>;
  private readonly storeErrors: Counter<'store'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    const rl = config.rateLimit;
    this.store = rl.redisUrl ? new RedisRateLimitStore(rl.redisUrl) : new MemoryRateLimitStore(rl.memoryMaxKeys);
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

  get windowMs(): number {
    return this.config.rateLimit.windowMs;
  }

  get enabled(): boolean {
    return this.config.rateLimit.enabled;
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled || !(this.store instanceof RedisRateLimitStore)) return;
    try {
      await this.store.connect();
    } catch (error) {
      // Start anyway (failing open, counted per request); ioredis keeps reconnecting in the background.
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'Redis unreachable at start-up',
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }

  async check(url: string, clientIp: string): Promise<RateLimitDecision> {
    if (!this.enabled) return { limited: false };
    const limits = this.config.rateLimit;
    const { route, checks } = bucketsFor(url, clientIp, limits);
    for (const bucket of checks) {
      let window;
      try {
        window = await this.store.hit(bucket.key, limits.windowMs);
      } catch (error) {
        this.storeErrors.inc({ store: this.store.kind });
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'rate-limit store failed');
        return { limited: false };
      }
      if (window.count > bucket.max) {
        this.limited.inc({ route, scope: bucket.scope });
        return {
          limited: true,
          route,
          scope: bucket.scope,
          limit: bucket.max,
          retryAfterSeconds: Math.max(1, Math.ceil(window.resetMs / 1000)),
        };
      }
    }
    return { limited: false };
  }
}
