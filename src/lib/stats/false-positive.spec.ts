import { alwaysValidPValue, proportionLook, SequentialLook } from './msprt';
import { twoProportionZTest } from './proportions';
import { summaryFromSums, welchTTest } from './welch';

/** mulberry32: a tiny seeded PRNG, so the A/A runs are repeatable. */
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

const ALPHA = 0.05;
const SEEDS = 2000;

/**
 * A/A false-positive rates measured by simulating the statistics alone: both
 * arms draw from the same distribution, over many seeds. With 2000 seeds the
 * binomial SD of a 5% rate is 0.49 points, so [3%, 7%] is a ±4 SD band.
 */
describe('A/A false-positive rate over repeated seeds', () => {
  it('two-proportion z-test at a fixed horizon is near the nominal 5%', () => {
    let rejections = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = rng(seed);
      const n = 1000;
      let a = 0;
      let b = 0;
      for (let i = 0; i < n; i++) {
        if (r() < 0.12) a++;
        if (r() < 0.12) b++;
      }
      if (twoProportionZTest(a, n, b, n).pValue < ALPHA) rejections++;
    }
    const rate = rejections / SEEDS;
    console.log(
      `A/A two-proportion z-test: ${rejections}/${SEEDS} = ${(rate * 100).toFixed(2)}% false positives at α=5%`,
    );
    expect(rate).toBeGreaterThan(0.03);
    expect(rate).toBeLessThan(0.07);
  });

  it('Welch t-test on skewed (exponential) per-user minutes is near the nominal 5%', () => {
    let rejections = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = rng(10_000 + seed);
      const sums = [0, 0, 0, 0];
      const n = 400;
      for (let i = 0; i < n; i++) {
        const x = -Math.log(1 - r()) * 30;
        const y = -Math.log(1 - r()) * 30;
        sums[0] += x;
        sums[1] += x * x;
        sums[2] += y;
        sums[3] += y * y;
      }
      const t = welchTTest(summaryFromSums(n, sums[0], sums[1]), summaryFromSums(n, sums[2], sums[3]));
      if (t.pValue < ALPHA) rejections++;
    }
    const rate = rejections / SEEDS;
    console.log(`A/A Welch t-test: ${rejections}/${SEEDS} = ${(rate * 100).toFixed(2)}% false positives at α=5%`);
    expect(rate).toBeGreaterThan(0.03);
    expect(rate).toBeLessThan(0.07);
  });

  it('peeking 20 times inflates the naive z-test; the mSPRT p-value stays at or below α', () => {
    let naive = 0;
    let sequential = 0;
    const seeds = 1000;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = rng(50_000 + seed);
      let a = 0;
      let b = 0;
      let n = 0;
      let naiveRejected = false;
      const looks: SequentialLook[] = [];
      for (let look = 1; look <= 20; look++) {
        for (let i = 0; i < 200; i++) {
          if (r() < 0.12) a++;
          if (r() < 0.12) b++;
        }
        n += 200;
        if (twoProportionZTest(a, n, b, n).pValue < ALPHA) naiveRejected = true;
        looks.push(proportionLook(a, n, b, n));
      }
      if (naiveRejected) naive++;
      if (alwaysValidPValue(looks, 0.05) < ALPHA) sequential++;
    }
    console.log(
      `A/A with 20 peeks: naive z-test ${((naive / seeds) * 100).toFixed(1)}% false positives, ` +
        `mSPRT ${((sequential / seeds) * 100).toFixed(1)}% (α=5%)`,
    );
    expect(naive / seeds).toBeGreaterThan(0.1);
    expect(sequential / seeds).toBeLessThanOrEqual(0.06);
  });
});
