import { randomUUID } from 'node:crypto';
import { loadConfig } from '@modules/config';
import { MetricsRegistry } from '@modules/metrics';
import { RateLimiter } from '@modules/security/rate-limit/rate-limiter.service';
import { RedisRateLimitStore } from '@modules/security/rate-limit/redis-rate-limit.store';

/**
 * The Redis rate-limit store against a REAL Redis (`bash infra/redis-start.sh`
 * prints REDIS_URL). Without REDIS_URL this suite fails: it never skips.
 */
describe('rate limiting on Redis (replicas share limits)', () => {
  const url = process.env.REDIS_URL;
  const stores: RedisRateLimitStore[] = [];
  const limiters: RateLimiter[] = [];

  beforeAll(() => {
    if (!url)
      throw new Error('REDIS_URL is not set: start Redis with `bash infra/redis-start.sh` and export REDIS_URL');
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    for (const l of limiters) await l.onModuleDestroy();
  });

  const store = async (): Promise<RedisRateLimitStore> => {
    const s = new RedisRateLimitStore(url!, `marquee-test:${randomUUID()}:`);
    await s.connect();
    stores.push(s);
    return s;
  };

  it('counts atomically across two replicas hitting the same key concurrently', async () => {
    const a = await store();
    const b = new RedisRateLimitStore(url!, (a as unknown as { prefix: string }).prefix);
    await b.connect();
    stores.push(b);
    const counts = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).hit('k', 10_000)));
    const values = counts.map((c) => c.count).sort((x, y) => x - y);
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const c of counts) {
      expect(c.resetMs).toBeGreaterThan(0);
      expect(c.resetMs).toBeLessThanOrEqual(10_000);
    }
  });

  it('expires a window and starts counting again', async () => {
    const s = await store();
    expect((await s.hit('w', 150)).count).toBe(1);
    expect((await s.hit('w', 150)).count).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await s.hit('w', 150)).count).toBe(1);
  });

  it('two service instances on one Redis enforce one per-user limit', async () => {
    const config = loadConfig({ REDIS_URL: url, RATE_LIMIT_USER_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
    const metrics = new MetricsRegistry();
    const replicas = [new RateLimiter(config, metrics), new RateLimiter(config, metrics)];
    limiters.push(...replicas);
    for (const r of replicas) await r.onModuleInit();
    expect(replicas[0].store.kind).toBe('redis');
    const user = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await replicas[i % 2].check(`/recommend/${user}`, `10.0.0.${i}`));
    expect(decisions.map((d) => d.limited)).toEqual([false, false, false, true, true]);
    expect(decisions[3]).toMatchObject({ scope: 'user', route: 'recommend', limit: 3 });
    expect(await metrics.text()).toMatch(/marquee_rate_limited_total\{route="recommend",scope="user"\} 2/);
  });

  it('fails open (counted) when Redis is unreachable', async () => {
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_USER_MAX: '1' });
    const metrics = new MetricsRegistry();
    const limiter = new RateLimiter(config, metrics);
    limiters.push(limiter);
    // No connect: the store is offline, as after losing Redis.
    for (let i = 0; i < 3; i++) expect((await limiter.check('/recommend/5', '10.0.0.1')).limited).toBe(false);
    expect(await metrics.text()).toMatch(/marquee_rate_limit_store_errors_total\{store="redis"\} 3/);
  });
});
