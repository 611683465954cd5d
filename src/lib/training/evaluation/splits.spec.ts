import { generateLatentWorld } from '../synthetic/latent-world';
import { leaveLastKOut, randomUserSplit, temporalSplit } from './splits';

describe('evaluation splits', () => {
  const { dataset } = generateLatentWorld({ users: 300, movies: 80, interactions: 6000, seed: 2 });
  const rows = dataset.userIndex.length;

  it('temporal: every training row precedes every test row', () => {
    const split = temporalSplit(dataset, 0.8);
    expect(split.train.userIndex.length + split.test.userIndex.length).toBe(rows);
    const lastTrain = Math.max(...split.train.timestamp);
    const testTimes = dataset.timestamp.filter((t) => t >= lastTrain);
    expect(split.test.userIndex.length).toBeLessThanOrEqual(testTimes.length);
    expect(split.train.userIndex.length / rows).toBeGreaterThan(0.75);
  });

  it('leave-last-k: holds out exactly each eligible user’s k latest rows', () => {
    const split = leaveLastKOut(dataset, 3);
    const perUser = new Map<number, number>();
    for (const u of split.test.userIndex) perUser.set(u, (perUser.get(u) ?? 0) + 1);
    for (const n of perUser.values()) expect(n).toBe(3);
    for (const [u] of perUser) {
      let latestTrain = -Infinity;
      for (let k = 0; k < split.train.userIndex.length; k++) {
        if (split.train.userIndex[k] === u) latestTrain = Math.max(latestTrain, split.train.timestamp[k]);
      }
      const own = dataset.timestamp.filter((_, k) => dataset.userIndex[k] === u);
      const sorted = [...own].sort((a, b) => a - b);
      expect(latestTrain).toBeLessThanOrEqual(sorted[sorted.length - 3]);
    }
  });

  it('random 75/25: stratified per user and reproducible for a seed', () => {
    const a = randomUserSplit(dataset, 5);
    const b = randomUserSplit(dataset, 5);
    expect(Array.from(a.test.itemIndex)).toEqual(Array.from(b.test.itemIndex));
    expect(a.k).toBe(10);
    const total = new Map<number, number>();
    const test = new Map<number, number>();
    for (const u of dataset.userIndex) total.set(u, (total.get(u) ?? 0) + 1);
    for (const u of a.test.userIndex) test.set(u, (test.get(u) ?? 0) + 1);
    for (const [u, n] of total) expect(test.get(u) ?? 0).toBe(Math.floor(n * 0.25));
  });
});
