import { createRng } from '@lib/training';
import { QuantizedTopK } from './quantized-top-k';
import { RankingThread } from './ranking-thread';

function model(seed: number, n: number, f: number) {
  const rng = createRng(seed);
  const next = (): number => rng.next() - 0.5;
  return {
    itemFactors: Float32Array.from({ length: n * f }, () => next() / Math.sqrt(f)),
    factors: f,
    bias: Float32Array.from({ length: n }, () => next() * 0.1),
    active: Int32Array.from({ length: n }, (_, i) => (i % 13 === 5 ? 0 : 1)),
  };
}

describe('RankingThread', () => {
  let thread: RankingThread;

  beforeEach(() => {
    thread = new RankingThread();
  });

  afterEach(async () => {
    await thread.close();
  });

  it('ranks exactly as the in-thread kernel does, for each registered model', async () => {
    const a = model(1, 1_203, 16);
    const b = model(2, 801, 24);
    const [remoteA, remoteB] = await Promise.all([thread.register(a), thread.register(b)]);
    const localA = new QuantizedTopK(a.itemFactors, a.factors, a.bias, a.active);
    const localB = new QuantizedTopK(b.itemFactors, b.factors, b.bias, b.active);
    const next = createRng(3);
    for (let u = 0; u < 20; u++) {
      for (const [remote, local, f, n] of [
        [remoteA, localA, 16, 1_203],
        [remoteB, localB, 24, 801],
      ] as const) {
        const user = Float32Array.from({ length: f }, () => next.next() - 0.5);
        const excluded = Array.from({ length: u % 4 }, (_, j) => (u * 97 + j * 389) % n);
        const got = await remote.topK(user, 10, excluded);
        const want = local.topK(user, 10, excluded);
        expect(Array.from(got.items)).toEqual(Array.from(want.items));
        expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
        for (const i of excluded) expect(Array.from(got.items)).not.toContain(i);
      }
    }
    expect(thread.outstanding).toBe(0);
  });

  it('sends only the user row, not the whole factor matrix it is a view of', async () => {
    const m = model(4, 300, 8);
    const remote = await thread.register(m);
    const users = Float32Array.from({ length: 8 * 1000 }, (_, i) => Math.sin(i));
    const row = users.subarray(8 * 17, 8 * 18);
    const got = await remote.topK(row, 5, []);
    expect(Array.from(got.items)).toEqual(
      Array.from(new QuantizedTopK(m.itemFactors, 8, m.bias, m.active).topK(row, 5).items),
    );
    // The caller's matrix is untouched (nothing was transferred away from it).
    expect(users.length).toBe(8000);
    expect(row.length).toBe(8);
  });

  it('answers calls concurrently in flight, each with its own result', async () => {
    const m = model(5, 500, 16);
    const remote = await thread.register(m);
    const local = new QuantizedTopK(m.itemFactors, 16, m.bias, m.active);
    const users = Array.from({ length: 50 }, (_, u) =>
      Float32Array.from({ length: 16 }, (_, j) => Math.cos(u * 16 + j)),
    );
    const results = await Promise.all(users.map((user) => remote.topK(user, 7, [])));
    results.forEach((got, u) => expect(Array.from(got.items)).toEqual(Array.from(local.topK(users[u], 7).items)));
  });

  it('fails the calls a crashed thread held, then serves every registered model from a new thread', async () => {
    const m = model(6, 20_000, 8);
    const remote = await thread.register(m);
    const user = Float32Array.from({ length: 8 }, (_, j) => j - 3.5);
    const before = await remote.topK(user, 5, []);
    // Enough queued work (tens of milliseconds) that the crash lands while the thread holds calls:
    // a single call could be answered before terminate() takes effect.
    const inFlight = Array.from({ length: 200 }, () =>
      remote.topK(user, 5, []).then(
        (got) => ({ ok: true as const, items: Array.from(got.items) }),
        (error: Error) => ({ ok: false as const, message: error.message }),
      ),
    );
    await thread.crashForTest();
    const settled = await Promise.all(inFlight);
    const failed = settled.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const r of settled) {
      // Each held call fails with the crash; any answered before it is a correct answer.
      if (r.ok) expect(r.items).toEqual(Array.from(before.items));
      else expect(r.message).toMatch(/ranking thread/);
    }
    const after = await remote.topK(user, 5, []);
    expect(Array.from(after.items)).toEqual(Array.from(before.items));
    expect(thread.threadsStarted).toBe(2);
  });

  it('rejects a model the thread cannot build, and a call for a model it does not hold, without dying', async () => {
    // Room for two billion results does not fit in a WebAssembly memory.
    const tooBig = { ...model(10, 20, 4), maxK: 2_000_000_000 };
    await expect(thread.register(tooBig)).rejects.toThrow();
    const m = model(7, 100, 4);
    const remote = await thread.register(m);
    await expect(thread.rank(9_999, new Float32Array(4), 3, [])).rejects.toThrow(/not loaded/);
    expect((await remote.topK(Float32Array.of(1, 0, 0, 0), 3, [])).items).toHaveLength(3);
    expect(thread.threadsStarted).toBe(1);
  });

  it('refuses work once closed', async () => {
    const remote = await thread.register(model(8, 50, 4));
    await thread.close();
    await expect(remote.topK(new Float32Array(4), 3, [])).rejects.toThrow(/closed/);
    await expect(thread.register(model(9, 50, 4))).rejects.toThrow(/closed/);
  });
});
