import { MetricsRegistry } from '@modules/metrics';
import { rateLimitedApp, RateLimitedApp } from '../support/rate-limited-app';

/**
 * The rate limiter on @fastify/rate-limit's Redis store against a REAL Redis
 * (`bash infra/redis-start.sh` prints REDIS_URL), through HTTP (inject) on
 * bare Fastify instances, each with its own Redis connection like a replica.
 * Without REDIS_URL this suite fails: it never skips.
 */
describe('rate limiting on Redis (replicas share limits)', () => {
  const url = process.env.REDIS_URL;
  const apps: RateLimitedApp[] = [];

  beforeAll(() => {
    if (!url)
      throw new Error('REDIS_URL is not set: start Redis with `bash infra/redis-start.sh` and export REDIS_URL');
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
  });

  const replica = async (env: Record<string, string>, metrics?: MetricsRegistry): Promise<RateLimitedApp> => {
    const a = await rateLimitedApp({ REDIS_URL: url!, RATE_LIMIT_CLIENT_MAX: '100000', ...env }, metrics);
    apps.push(a);
    return a;
  };
  /** A user id no earlier run used: the Redis keys outlive the test. */
  const freshUser = (): number => 1_000_000 + Math.floor(Math.random() * 1_000_000_000);

  it('counts atomically across two replicas hitting the same key concurrently', async () => {
    const env = { RATE_LIMIT_USER_MAX: '100', RATE_LIMIT_WINDOW_MS: '10000' };
    const [a, b] = [await replica(env), await replica(env)];
    const user = freshUser();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).get(`/recommend/${user}`, `10.1.0.${i % 250}`)),
    );
    // Exactly the limit passes: no increment lost between the replicas.
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(100);
    const limited = answers.filter((r) => r.statusCode === 429);
    expect(limited).toHaveLength(100);
    for (const r of limited) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(10);
    }
  });

  it('expires a window and starts counting again', async () => {
    const a = await replica({ RATE_LIMIT_USER_MAX: '2', RATE_LIMIT_WINDOW_MS: '150' });
    const user = freshUser();
    expect((await a.get(`/recommend/${user}`, '10.2.0.1')).statusCode).toBe(200);
    expect((await a.get(`/recommend/${user}`, '10.2.0.1')).statusCode).toBe(200);
    expect((await a.get(`/recommend/${user}`, '10.2.0.1')).statusCode).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await a.get(`/recommend/${user}`, '10.2.0.1')).statusCode).toBe(200);
  });

  it('two service instances on one Redis enforce one per-user limit', async () => {
    const metrics = new MetricsRegistry();
    const env = { RATE_LIMIT_USER_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' };
    const replicas = [await replica(env, metrics), await replica(env, metrics)];
    const user = freshUser();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await replicas[i % 2].get(`/recommend/${user}`, `10.0.0.${i}`));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[3].json()).toMatchObject({
      error: { status: 429, code: 'too_many_requests', message: expect.stringMatching(/rate limit of 3 .*\(user\)/) },
    });
    expect(await metrics.text()).toMatch(/marquee_rate_limited_total\{route="recommend",scope="user"\} 2/);
  });

  it('fails open (counted) when Redis is unreachable', async () => {
    const metrics = new MetricsRegistry();
    const a = await replica({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_USER_MAX: '1' }, metrics);
    // The store is offline, as after losing Redis.
    for (let i = 0; i < 3; i++) expect((await a.get('/recommend/5', '10.0.0.1')).statusCode).toBe(200);
    expect(await metrics.text()).toMatch(/marquee_rate_limit_store_errors_total\{store="redis"\} 3/);
  });
});
