import { MemoryRateLimitStore } from './memory-rate-limit.store';
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

describe('MemoryRateLimitStore', () => {
  it('counts within a window and starts over when it expires', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(10, () => now);
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetMs: 1000 });
    now = 400;
    expect(await store.hit('k', 1000)).toEqual({ count: 2, resetMs: 600 });
    now = 1000;
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetMs: 1000 });
  });

  it('stays bounded under a flood of distinct keys (expired first, then oldest)', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(100, () => now);
    for (let i = 0; i < 2_000; i++) {
      now = i;
      await store.hit(`k${i}`, 50);
      expect(store.size).toBeLessThanOrEqual(100);
    }
    // A live key survives while only expired keys need to go.
    const fresh = new MemoryRateLimitStore(3, () => now);
    await fresh.hit('a', 10_000);
    await fresh.hit('b', 1);
    await fresh.hit('c', 1);
    now += 5;
    await fresh.hit('d', 10_000);
    expect((await fresh.hit('a', 10_000)).count).toBe(2);
  });

  it('evicts a tenth at once when every window is live, so a key flood does not sweep the map per request', async () => {
    const store = new MemoryRateLimitStore(100, () => 0);
    const sweeps = jest.spyOn(store as unknown as { makeRoom(now: number): void }, 'makeRoom');
    for (let i = 0; i < 1_000; i++) await store.hit(`k${i}`, 60_000);
    expect(store.size).toBeLessThanOrEqual(100);
    // 900 inserts beyond capacity, 10 evicted per sweep: 90 sweeps, not 900.
    expect(sweeps.mock.calls.length).toBe(90);
    // The newest keys are the ones kept.
    expect((await store.hit('k999', 60_000)).count).toBe(2);
  });
});
