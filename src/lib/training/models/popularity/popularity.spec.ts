import { describeModelContract, loadTrained } from '@test/support/training/model-contract';
import { twoTasteGroups } from '@test/support/training/two-taste-groups';
import { popularityTrainer } from './popularity.trainer';

describe('popularity', () => {
  describeModelContract(popularityTrainer, { segmentPrior: 1 }, { knowsUsers: false });

  it('serves a new user the list of their demographic segment (cold start)', async () => {
    const scorer = await loadTrained(await popularityTrainer.train(twoTasteGroups(), { segmentPrior: 1 }, 1));
    const man = scorer.recommend(-1, 5, new Set(), { profile: { age: 31, gender: 'M', occupation: null } });
    const woman = scorer.recommend(-1, 5, new Set(), { profile: { age: 29, gender: 'F', occupation: null } });
    expect(man.every((r) => Number(r.movieId.slice(1)) <= 10)).toBe(true);
    expect(woman.every((r) => Number(r.movieId.slice(1)) > 10)).toBe(true);
  });

  it('weights recent interactions more', async () => {
    const data = twoTasteGroups();
    // Make every group-B interaction the most recent: with a short half-life B's movies lead the global list.
    const timestamp = Float64Array.from(data.timestamp, (t, k) => (data.itemIndex[k] >= 10 ? t + 400 * 86_400_000 : t));
    const artifact = await popularityTrainer.train({ ...data, timestamp }, { halfLifeDays: 7, segmented: false }, 1);
    const top = (await loadTrained(artifact)).recommend(-1, 3, new Set());
    expect(top.every((r) => Number(r.movieId.slice(1)) > 10)).toBe(true);
  });
});
