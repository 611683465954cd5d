import { analyseExperiment, ArmTotals } from './analysis';
import { assignArm } from './assignment';
import { DEFAULT_SETTINGS } from './experiment';
import { OnlineJoin, RecommendationOutcome } from './online-join';
import { emptyHistogram, OutcomeAccumulator } from './outcome-buckets';
import { twoProportionZTest } from '@lib/stats';

/** mulberry32 (seeded, repeatable). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIN = 60_000;

/**
 * A/A through the whole pipeline except HTTP and the store: salted-hash
 * assignment → stream of responses and watches → OnlineJoin → per-user
 * outcomes → analyseExperiment, repeated over seeds. Users differ in how
 * likely they are to follow a recommendation and see several responses, so
 * responses are clustered by user: the user-level test keeps its nominal
 * rate, a naive response-level z-test does not.
 */
describe('A/A through assignment, streaming join and analysis', () => {
  it('keeps the false-positive rate near α over repeated seeds (user-level unit)', () => {
    const seeds = 400;
    let userLevel = 0;
    let primary = 0;
    let responseLevel = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = rng(seed);
      const arms = [
        { name: 'A', modelVersion: 'pop', share: 0.5 },
        { name: 'B', modelVersion: 'pop', share: 0.5 },
      ];
      const outcomes: RecommendationOutcome[] = [];
      const join = new OnlineJoin(
        {
          served: () => undefined,
          converted: () => undefined,
          watchMinute: () => undefined,
          finalised: (o) => outcomes.push(o),
        },
        { windowMs: 30 * MIN, maxPerUser: 5, maxUsers: 100_000, duplicateToleranceMs: 0 },
      );
      let t = Date.UTC(2026, 10, 1);
      for (let user = 1; user <= 600; user++) {
        const propensity = r() < 0.3 ? 0.6 : 0.05; // heterogeneous users
        const arm = assignArm(`aa-${seed}`, user, arms);
        const sessions = 1 + Math.floor(r() * 5);
        for (let s = 0; s < sessions; s++) {
          t += 1000;
          const items = Array.from({ length: 5 }, (_, i) => `m${(user * 7 + s * 3 + i) % 97}`);
          join.recommendation(
            { userId: user, at: t, status: 200, items, latencyMs: 30 },
            { experimentId: 'aa', arm, modelVersion: 'pop' },
          );
          if (r() < propensity) join.watch(user, items[Math.floor(r() * 5)], 0, t + 5 * MIN);
        }
      }
      join.finaliseAll();
      const acc = new OutcomeAccumulator();
      outcomes.forEach((o) => acc.add(o));
      const { users, buckets } = acc.drain();
      const totals: ArmTotals[] = arms.map((a) => {
        const us = users.filter((u) => u.arm === a.name);
        const bs = buckets.filter((b) => b.arm === a.name);
        return {
          arm: a.name,
          modelVersion: 'pop',
          users: us.length,
          convertedUsers: us.filter((u) => u.conversions > 0).length,
          userMinutesSum: us.reduce((x, u) => x + u.watchMinutes, 0),
          userMinutesSquares: us.reduce((x, u) => x + u.watchMinutes ** 2, 0),
          userRateSum: us.reduce((x, u) => x + u.conversions / u.recommendations, 0),
          userRateSquares: us.reduce((x, u) => x + (u.conversions / u.recommendations) ** 2, 0),
          recommendations: bs.reduce((x, b) => x + b.recommendations, 0),
          conversions: bs.reduce((x, b) => x + b.conversions, 0),
          errors: 0,
          watchMinutes: 0,
          ratingSum: 0,
          ratingCount: 0,
          latencyHistogram: emptyHistogram(),
        };
      });
      const analysis = analyseExperiment(arms, totals, DEFAULT_SETTINGS, []);
      if (analysis.comparisons[0].conversion.pValue < 0.05) userLevel++;
      if (analysis.comparisons[0].conversionRatePerUser.pValue < 0.05) primary++;
      const [a, b] = totals;
      if (twoProportionZTest(a.conversions, a.recommendations, b.conversions, b.recommendations).pValue < 0.05)
        responseLevel++;
    }
    console.log(
      `A/A pipeline over ${seeds} seeds: user-level z-test ${((userLevel / seeds) * 100).toFixed(1)}% false positives, ` +
        `primary (Welch, conversions per response per user) ${((primary / seeds) * 100).toFixed(1)}%, ` +
        `naive response-level z-test ${((responseLevel / seeds) * 100).toFixed(1)}% (α=5%)`,
    );
    // 400 seeds: binomial SD of 5% is 1.1 points.
    expect(userLevel / seeds).toBeLessThan(0.09);
    expect(userLevel / seeds).toBeGreaterThan(0.015);
    expect(primary / seeds).toBeLessThan(0.09);
    expect(primary / seeds).toBeGreaterThan(0.015);
  });
});
