import { Attribution, JoinSink, OnlineJoin, RecommendationOutcome, ServedLine } from './online-join';
import { histogramQuantile, OutcomeAccumulator } from './outcome-buckets';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 1);

function recorder() {
  const counts = { served: 0, converted: 0, minutes: 0 };
  const outcomes: RecommendationOutcome[] = [];
  const sink: JoinSink = {
    served: () => counts.served++,
    converted: () => counts.converted++,
    watchMinute: () => counts.minutes++,
    finalised: (o) => outcomes.push(o),
  };
  return { counts, outcomes, sink };
}

const arm = (name: string): Attribution => ({ experimentId: 'exp-1', arm: name, modelVersion: `m-${name}` });
const served = (userId: number, at: number, items: string[], latencyMs = 50, status = 200): ServedLine => ({
  userId,
  at,
  items,
  status,
  latencyMs,
});

describe('OnlineJoin', () => {
  it('counts a conversion when a recommended movie starts within the window, and its minutes', () => {
    const { counts, outcomes, sink } = recorder();
    const join = new OnlineJoin(sink, { windowMs: 30 * MIN, maxPerUser: 5, maxUsers: 100, duplicateToleranceMs: 5000 });
    join.recommendation(served(1, T0, ['a', 'b', 'c']), arm('A'));
    join.recommendation(served(2, T0, ['a', 'b']), arm('B'));
    join.watch(1, 'b', 0, T0 + 5 * MIN); // converts
    join.watch(1, 'b', 1, T0 + 6 * MIN);
    join.watch(1, 'b', 2, T0 + 7 * MIN);
    join.watch(1, 'z', 0, T0 + 8 * MIN); // not recommended
    join.watch(2, 'a', 5, T0 + 8 * MIN); // resumed mid-movie: not a start
    join.rating(1, 'c', 4, T0 + 9 * MIN);
    join.watch(2, 'b', 0, T0 + 31 * MIN); // too late for user 2's window; also closes both windows
    expect(counts).toEqual({ served: 2, converted: 1, minutes: 3 });
    expect(outcomes).toHaveLength(2);
    const u1 = outcomes.find((o) => o.userId === 1)!;
    expect(u1).toMatchObject({ converted: true, watchMinutes: 3, ratingSum: 4, ratingCount: 1 });
    expect(outcomes.find((o) => o.userId === 2)).toMatchObject({ converted: false, watchMinutes: 0 });
    expect(join.openResponses).toBe(0);
    expect(join.trackedUsers).toBe(0);
  });

  it('credits the most recent response that listed the movie, once per response', () => {
    const { counts, outcomes, sink } = recorder();
    const join = new OnlineJoin(sink);
    join.recommendation(served(1, T0, ['a', 'b']), arm('A'));
    join.recommendation(served(1, T0 + MIN, ['a', 'c']), arm('A'));
    join.watch(1, 'a', 0, T0 + 2 * MIN);
    join.watch(1, 'c', 0, T0 + 3 * MIN);
    join.watch(1, 'b', 0, T0 + 4 * MIN);
    join.finaliseAll();
    expect(counts.converted).toBe(2);
    expect(outcomes.map((o) => [o.at - T0, o.converted, o.watchMinutes])).toEqual([
      [0, true, 1],
      [MIN, true, 2],
    ]);
  });

  it('treats the same list for the same user within the tolerance as one response', () => {
    const { counts, sink } = recorder();
    const join = new OnlineJoin(sink);
    expect(join.recommendation(served(1, T0, ['a', 'b']), arm('A'))).toBe(true);
    expect(join.recommendation(served(1, T0 + 800, ['a', 'b']), arm('A'))).toBe(false);
    expect(join.recommendation(served(1, T0 + 60_000, ['a', 'b']), arm('A'))).toBe(true);
    expect(counts.served).toBe(2);
  });

  it('stays bounded: latest N per user, at most M users, every response finalised exactly once', () => {
    const { counts, outcomes, sink } = recorder();
    const join = new OnlineJoin(sink, { windowMs: 30 * MIN, maxPerUser: 3, maxUsers: 50, duplicateToleranceMs: 0 });
    let total = 0;
    let maxUsers = 0;
    let maxOpen = 0;
    for (let i = 0; i < 10_000; i++) {
      join.recommendation(served(i % 200, T0 + i * 10, [`m${i}`]), arm(i % 2 ? 'A' : 'B'));
      total++;
      maxUsers = Math.max(maxUsers, join.trackedUsers);
      maxOpen = Math.max(maxOpen, join.openResponses);
    }
    expect(maxUsers).toBe(50);
    expect(maxOpen).toBeLessThanOrEqual(150);
    join.finaliseAll();
    expect(counts.served).toBe(total);
    expect(outcomes).toHaveLength(total);
    expect(join.openResponses).toBe(0);
  });

  // The second case holds every response open at once and serves lists of up to
  // 30 movies, so the join's storage grows in rows and in list width mid-stream.
  it.each([
    { windowMinutes: 30, longestList: 5 },
    { windowMinutes: 6 * 60, longestList: 30 },
  ])(
    'matches a brute-force join on a synthetic stream (exact counts per arm), %o',
    ({ windowMinutes, longestList }) => {
      // Deterministic synthetic stream: 300 users, requests every few minutes, watches of listed and unlisted movies.
      let seed = 7;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      type Ev =
        | { kind: 'rec'; user: number; at: number; items: string[] }
        | { kind: 'watch'; user: number; at: number; movie: string; minute: number };
      const events: Ev[] = [];
      let t = T0;
      for (let i = 0; i < 20_000; i++) {
        t += Math.floor(rand() * 2000);
        const user = Math.floor(rand() * 300);
        if (rand() < 0.3) {
          events.push({
            kind: 'rec',
            user,
            at: t,
            items: Array.from({ length: 1 + Math.floor(rand() * longestList) }, () => `m${Math.floor(rand() * 40)}`),
          });
        } else
          events.push({
            kind: 'watch',
            user,
            at: t,
            movie: `m${Math.floor(rand() * 40)}`,
            minute: rand() < 0.5 ? 0 : 3,
          });
      }
      const windowMs = windowMinutes * MIN;
      const { outcomes, sink } = recorder();
      const join = new OnlineJoin(sink, { windowMs, maxPerUser: 1000, maxUsers: 1_000_000, duplicateToleranceMs: -1 });
      const armOf = (u: number) => arm(u % 2 ? 'A' : 'B');
      for (const e of events) {
        if (e.kind === 'rec') join.recommendation(served(e.user, e.at, e.items), armOf(e.user));
        else join.watch(e.user, e.movie, e.minute, e.at);
      }
      join.finaliseAll();
      // Brute force over all history (per user): for each watch, walk the user's earlier recs within the window,
      // newest first; the first that already converted the movie takes the minute, else (minute 0) the first listing it converts.
      const recs = events.filter((e) => e.kind === 'rec').map((e) => ({ ...e, converted: new Set<string>() }));
      const byUser = new Map<number, typeof recs>();
      for (const r of recs) byUser.set(r.user, [...(byUser.get(r.user) ?? []), r]);
      for (const w of events) {
        if (w.kind !== 'watch') continue;
        const candidates = (byUser.get(w.user) ?? []).filter((r) => r.at <= w.at && w.at - r.at <= windowMs).reverse();
        for (const r of candidates) {
          if (r.converted.has(w.movie)) break;
          if (w.minute === 0 && r.items.includes(w.movie)) {
            r.converted.add(w.movie);
            break;
          }
        }
      }
      for (const name of ['A', 'B']) {
        const expected = recs.filter((r) => armOf(r.user).arm === name && r.converted.size > 0).length;
        const got = outcomes.filter((o) => o.attribution.arm === name && o.converted).length;
        expect(got).toBe(expected);
        expect(outcomes.filter((o) => o.attribution.arm === name)).toHaveLength(
          recs.filter((r) => armOf(r.user).arm === name).length,
        );
      }
      expect(outcomes.filter((o) => o.converted).length).toBeGreaterThan(100);
    },
  );
});

describe('OutcomeAccumulator', () => {
  it('aggregates per minute bucket and per user, and restores a failed flush', () => {
    const acc = new OutcomeAccumulator();
    const base = { userId: 1, status: 200, ratingSum: 0, ratingCount: 0 };
    acc.add({ ...base, attribution: arm('A'), at: T0 + 1000, latencyMs: 40, converted: true, watchMinutes: 3 });
    acc.add({ ...base, attribution: arm('A'), at: T0 + 2000, latencyMs: 700, converted: false, watchMinutes: 0 });
    acc.add({
      ...base,
      attribution: arm('A'),
      at: T0 + MIN,
      latencyMs: 40,
      converted: false,
      watchMinutes: 0,
      status: 504,
    });
    acc.add({
      ...base,
      attribution: { experimentId: null, arm: 'none', modelVersion: 'x' },
      at: T0,
      latencyMs: 1,
      converted: true,
      watchMinutes: 1,
    });
    const drained = acc.drain();
    expect(drained.buckets).toHaveLength(2);
    expect(drained.buckets[0]).toMatchObject({
      recommendations: 2,
      conversions: 1,
      watchMinutes: 3,
      watchMinutesSquares: 9,
      errors: 0,
    });
    expect(drained.buckets[1]).toMatchObject({ recommendations: 1, errors: 1 });
    expect(drained.users).toEqual([
      { experimentId: 'exp-1', userId: 1, arm: 'A', recommendations: 3, conversions: 1, watchMinutes: 3 },
    ]);
    expect(histogramQuantile(drained.buckets[0].latencyHistogram, 0.99)).toBe(800);
    acc.restore(drained);
    acc.restore(drained);
    expect(acc.drain().buckets[0].recommendations).toBe(4);
  });
});
