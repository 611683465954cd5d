import { rateLimitedApp, RateLimitedApp } from '@test/support/rate-limited-app';
import { bucketsFor, RateLimitLimits } from './rate-limit.policy';

const LIMITS: RateLimitLimits = { windowMs: 1000, clientMax: 100, userMax: 5, adminMax: 10, allowlist: ['10.0.0.9'] };

describe('bucketsFor', () => {
  it('counts /recommend per client and per user, /admin per client with the admin limit, probes never', () => {
    expect(bucketsFor('/recommend/42?format=json', '1.2.3.4', LIMITS)).toEqual({
      route: 'recommend',
      checks: [
        { scope: 'client', key: 'pub:ip:1.2.3.4', max: 100 },
        { scope: 'user', key: 'user:42', max: 5 },
      ],
    });
    expect(bucketsFor('/admin/models', '1.2.3.4', LIMITS)).toEqual({
      route: 'admin',
      checks: [{ scope: 'admin-client', key: 'admin:ip:1.2.3.4', max: 10 }],
    });
    expect(bucketsFor('/healthz', '1.2.3.4', LIMITS).checks).toEqual([]);
    expect(bucketsFor('/readyz', '1.2.3.4', LIMITS).checks).toEqual([]);
    expect(bucketsFor('/metrics', '1.2.3.4', LIMITS).checks.map((c) => c.scope)).toEqual(['client']);
  });

  it('gives junk user ids no bucket of their own, and exempts allow-listed clients from the client bucket only', () => {
    expect(bucketsFor('/recommend/%00abc', '1.2.3.4', LIMITS).checks.map((c) => c.scope)).toEqual(['client']);
    expect(bucketsFor('/recommend/007', '10.0.0.9', LIMITS).checks).toEqual([{ scope: 'user', key: 'user:7', max: 5 }]);
    // /administrator is not the admin API.
    expect(bucketsFor('/administrator', '1.2.3.4', LIMITS).route).toBe('other');
  });
});

/** The in-memory store (@fastify/rate-limit's LRU), observed through HTTP on a bare Fastify instance. */
describe('RateLimiter on the in-memory store', () => {
  const apps: RateLimitedApp[] = [];
  const app = async (env: Record<string, string>): Promise<RateLimitedApp> => {
    const a = await rateLimitedApp({ RATE_LIMIT_CLIENT_MAX: '100000', ...env });
    apps.push(a);
    return a;
  };
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    jest.restoreAllMocks();
  });

  it('counts within a window and starts over when it expires', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const a = await app({ RATE_LIMIT_USER_MAX: '2', RATE_LIMIT_WINDOW_MS: '1000' });
    expect((await a.get('/recommend/7', '10.0.0.1')).statusCode).toBe(200);
    now += 400;
    expect((await a.get('/recommend/7', '10.0.0.2')).statusCode).toBe(200);
    const limited = await a.get('/recommend/7', '10.0.0.3');
    expect(limited.statusCode).toBe(429);
    // 600 ms of the window left: Retry-After rounds up to whole seconds.
    expect(limited.headers['retry-after']).toBe('1');
    now += 600;
    expect((await a.get('/recommend/7', '10.0.0.4')).statusCode).toBe(200);
  });

  it('stays bounded under a flood of distinct keys: it forgets the least recently used, never refuses more', async () => {
    const a = await app({ RATE_LIMIT_USER_MAX: '1', RATE_LIMIT_WINDOW_MS: '60000', RATE_LIMIT_MEMORY_MAX_KEYS: '100' });
    expect((await a.get('/recommend/1', '10.0.0.1')).statusCode).toBe(200);
    expect((await a.get('/recommend/1', '10.0.0.1')).statusCode).toBe(429);
    // Fewer new keys than the bound: the live window of user 1 is kept.
    for (let i = 0; i < 50; i++) expect((await a.get(`/recommend/${1_000 + i}`, '10.0.0.1')).statusCode).toBe(200);
    expect((await a.get('/recommend/1', '10.0.0.1')).statusCode).toBe(429);
    // A flood of 2,000 ids: the store holds at most 100 keys, so user 1's count is forgotten (fail towards allowing).
    for (let i = 0; i < 2_000; i++) await a.get(`/recommend/${10_000 + i}`, '10.0.0.1');
    expect((await a.get('/recommend/1', '10.0.0.1')).statusCode).toBe(200);
    // The newest keys are the ones kept.
    expect((await a.get('/recommend/11999', '10.0.0.1')).statusCode).toBe(429);
  });
});
