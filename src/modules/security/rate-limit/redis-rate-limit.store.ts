import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { redactUrl } from '@common';
import { RateLimitStore, WindowCount } from './rate-limit.store';

/**
 * INCR and PEXPIRE in one Lua script, so the first hit of a window sets its
 * expiry atomically (a crash between the two commands cannot leave a counter
 * that never expires) and replicas sharing the Redis share the counts.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

type RedisWithHit = Redis & { rateLimitHit(key: string, windowMs: number): Promise<[number, number]> };

export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisWithHit;
  private readonly logger = new Logger('RateLimitRedis');
  private failing = false;

  constructor(
    url: string,
    private readonly prefix = 'marquee:rl:',
  ) {
    const redis = new Redis(url, {
      // Fail fast: a request must not wait for Redis to come back (the limiter then fails open).
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
      lazyConnect: true,
    });
    // Without a listener ioredis prints raw "[ioredis] Unhandled error event" lines on every reconnect
    // attempt. Logged as JSON, once per outage (the limiter counts failed-open requests meanwhile).
    redis.on('error', (error: Error) => {
      if (this.failing) return;
      this.failing = true;
      this.logger.warn(`REDIS_URL=${redactUrl(url)}: ${error.message}; rate limits fail open until it answers`);
    });
    redis.on('ready', () => {
      if (this.failing) this.logger.log(`REDIS_URL=${redactUrl(url)}: connected again`);
      this.failing = false;
    });
    redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = redis as RedisWithHit;
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttl] = await this.redis.rateLimitHit(this.prefix + key, windowMs);
    return { count: Number(count), resetMs: Math.max(0, Number(ttl)) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
