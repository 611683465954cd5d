import { ActivityTableBuilder } from './activity-table';
import {
  degreeOfSimilarity,
  deviationFromMeanAgreement,
  lengthVariance,
  poissonUpperTail,
  ratingBursts,
  robustZ,
  unwatchedRatingShare,
} from './detectors';
import { detectShilling } from './shilling-detector';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('deviationFromMeanAgreement (Chirita et al. 2005)', () => {
  it('computes RDMA, WDMA and WDA by hand on a 3-user example', () => {
    // Item a: ratings 5, 3, 1 (mean 3, NR 3); item b: 4, 4 (mean 4, NR 2).
    const t = new ActivityTableBuilder(5)
      .rate(1, 'a', 5, 0)
      .rate(1, 'b', 4, 0)
      .rate(2, 'a', 3, 0)
      .rate(2, 'b', 4, 0)
      .rate(3, 'a', 1, 0)
      .build();
    const { rdma, wdma, wda } = deviationFromMeanAgreement(t);
    // user 1: (|5−3|/3 + |4−4|/2) / 2 = 1/3
    expect(rdma[0]).toBeCloseTo(1 / 3);
    expect(wdma[0]).toBeCloseTo(2 / 9 / 2);
    expect(wda[0]).toBeCloseTo(2 / 3);
    expect(rdma[1]).toBeCloseTo(0);
    expect(rdma[2]).toBeCloseTo(2 / 3);
  });
});

describe('degreeOfSimilarity', () => {
  it('is highest for profiles cloned from one template', () => {
    const b = new ActivityTableBuilder(5);
    // Four clones: target at 5, the same fillers at 1.
    for (const u of [10, 11, 12, 13]) b.rate(u, 't', 5, 0).rate(u, 'f1', 1, 0).rate(u, 'f2', 1, 0).rate(u, 'f3', 1, 0);
    // Genuine users with mixed, uncorrelated tastes on the same items.
    b.rate(1, 't', 2, 0).rate(1, 'f1', 4, 0).rate(1, 'f2', 3, 0);
    b.rate(2, 'f1', 5, 0).rate(2, 'f3', 2, 0).rate(2, 't', 3, 0);
    const t = b.build();
    const deg = degreeOfSimilarity(t, 3, 3);
    const clone = deg[t.userIds.indexOf(10)];
    expect(clone).toBeGreaterThan(0.9);
    expect(deg[t.userIds.indexOf(1)]).toBeLessThan(clone);
    expect(deg[t.userIds.indexOf(2)]).toBeLessThan(clone);
  });
});

describe('lengthVariance and unwatchedRatingShare', () => {
  it('scores long profiles and ratings without viewing', () => {
    const b = new ActivityTableBuilder(5).rate(1, 'a', 4, 0).watch(1, 'a').rate(2, 'a', 3, 0);
    for (let i = 0; i < 10; i++) b.rate(3, `m${i}`, 3, 0);
    const t = b.build();
    const lv = lengthVariance(t);
    expect(lv[2]).toBeGreaterThan(lv[0]);
    const share = unwatchedRatingShare(t);
    expect(Array.from(share)).toEqual([0, 1, 1]);
  });
});

describe('poissonUpperTail and robustZ', () => {
  it('matches known Poisson tails', () => {
    expect(poissonUpperTail(0, 2)).toBe(1);
    // P(X ≥ 1 | 2) = 1 − e^−2
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 10);
    // P(X ≥ 3 | 1) = 1 − e^−1 (1 + 1 + 1/2)
    expect(poissonUpperTail(3, 1)).toBeCloseTo(1 - Math.exp(-1) * 2.5, 10);
    expect(poissonUpperTail(40, 0.5)).toBeLessThan(1e-40);
    expect(poissonUpperTail(40, 0.5)).toBeGreaterThan(0);
  });

  it('centres on the median and leaves NaN alone', () => {
    const z = robustZ(Float64Array.from([1, 2, 3, 4, 100, NaN]));
    expect(z[2]).toBeCloseTo(0);
    expect(z[4]).toBeGreaterThan(10);
    expect(Number.isNaN(z[5])).toBe(true);
  });
});

/** A week of genuine activity on 20 movies plus, optionally, 15 young accounts pushing one movie in one hour. */
function world(attack: boolean): ReturnType<ActivityTableBuilder['build']> {
  const b = new ActivityTableBuilder(5);
  let seed = 1;
  const rand = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let u = 1; u <= 200; u++) {
    for (let k = 0; k < 6; k++) {
      const movie = `m${Math.floor(rand() * 20)}`;
      const at = rand() * 7 * DAY;
      b.watch(u, movie).rate(u, movie, 1 + Math.floor(rand() * 5), at);
    }
  }
  // A genuine new user who loves m3 on day 3 (one rating: no burst).
  b.account(500, 3 * DAY)
    .watch(500, 'm3')
    .rate(500, 'm3', 5, 3 * DAY + HOUR);
  if (attack) {
    for (let f = 0; f < 15; f++) {
      const id = 1000 + f;
      const t0 = 4 * DAY + f * 60_000;
      b.account(id, t0).rate(id, 'm7', 5, t0 + 30_000);
      for (let k = 0; k < 5; k++) b.rate(id, `m${(f + k * 3) % 20 === 7 ? 19 : (f + k * 3) % 20}`, 3, t0 + 60_000 * k);
    }
  }
  return b.build();
}

describe('ratingBursts', () => {
  it('flags the hour in which young accounts push one movie, and nothing in genuine traffic', () => {
    expect(ratingBursts(world(false)).bursts).toEqual([]);
    const { bursts } = ratingBursts(world(true));
    expect(bursts.map((b) => [b.movieId, b.direction, b.count])).toEqual([['m7', 'push', 15]]);
    expect(bursts[0].pValue).toBeLessThan(1e-6);
  });
});

describe('detectShilling', () => {
  it('quarantines the fake accounts and no genuine user', () => {
    const t = world(true);
    const report = detectShilling(t);
    const ids = report.suspects.map((s) => s.userId).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 15 }, (_, f) => 1000 + f));
    expect(report.suspects[0].reasons).toContain('rating_burst');
    expect(report.suspects[0].burstItems).toEqual(['m7']);
  });

  it('flags nobody without an attack', () => {
    expect(detectShilling(world(false)).suspects).toEqual([]);
  });
});
