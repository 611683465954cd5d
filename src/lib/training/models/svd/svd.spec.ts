import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact, loadScorer } from '@lib/artifacts';
import { FactorScorer } from '@lib/artifacts/scorers/factor.scorer';
import { generateLatentWorld } from '../../synthetic/latent-world';
import { describeModelContract } from '@test/support/training/model-contract';
import { svdTrainer } from './svd.trainer';
import { groupMovies, twoTasteGroups } from '@test/support/training/two-taste-groups';

describe('svd', () => {
  // Known answer from what users watched (all rated 4–5): the choice term supplies the negatives.
  describeModelContract(svdTrainer, { factors: 4, epochs: 60, minItemRatings: 1, learningRate: 0.02 });

  describe('ranking on two taste groups without any dislikes', () => {
    const data = twoTasteGroups(20, 3);
    const params = { factors: 4, epochs: 60, minItemRatings: 1, learningRate: 0.02 };
    const seen = (u: number) =>
      new Set(
        data.movies
          .filter((_, i) => data.itemIndex.some((it, k) => it === i && data.userIndex[k] === u))
          .map((m) => m.id),
      );

    /** Users whose top 4 contains a movie of the other group. */
    async function misranked(extra: object): Promise<number[]> {
      const artifact = await svdTrainer.train(data, { ...params, ...extra }, 42, { workers: 1 });
      const dir = await mkdtemp(path.join(tmpdir(), 'marquee-svd-rank-'));
      try {
        await writeArtifact(dir, artifact);
        const scorer = await loadScorer(dir);
        const bad: number[] = [];
        for (let u = 0; u < data.users.length; u++) {
          const recs = scorer.recommend(data.users[u].id, 4, seen(u));
          if (recs.length !== 4 || recs.some((r) => groupMovies(u).other.has(r.movieId))) bad.push(u);
        }
        return bad;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }

    it('ranks every user’s own unseen movies above the other group’s (choice term on, the default)', async () => {
      expect(await misranked({})).toEqual([]);
    });

    it('ratings alone (the plain Funk model, implicitPerInteraction 0) cannot: they never see the other group', async () => {
      // Every rating is 4–5 and both groups' movies are equally popular, so nothing separates them.
      expect((await misranked({ implicitPerInteraction: 0, rankingPopularityWeight: 1 })).length).toBeGreaterThan(5);
    });
  });

  it('predicts held-out ratings better than the global mean', async () => {
    const { dataset } = generateLatentWorld({ users: 400, movies: 120, interactions: 16_000, seed: 5 });
    const isTest = (k: number) => k % 5 === 0;
    const keep = (k: number) => !isTest(k);
    const pick = <T extends Int32Array | Float32Array | Float64Array>(a: T) => a.filter((_, k) => keep(k)) as T;
    const train = {
      ...dataset,
      userIndex: pick(dataset.userIndex),
      itemIndex: pick(dataset.itemIndex),
      watchMinutes: pick(dataset.watchMinutes),
      rating: pick(dataset.rating),
      timestamp: pick(dataset.timestamp),
    };
    const artifact = await svdTrainer.train(train, { factors: 8, epochs: 30 }, 1);
    const dir = await mkdtemp(path.join(tmpdir(), 'marquee-svd-rmse-'));
    try {
      await writeArtifact(dir, artifact);
      const scorer = (await loadScorer(dir)) as FactorScorer;
      const mean = artifact.extra?.globalMean as number;
      let model = 0;
      let baseline = 0;
      let n = 0;
      for (let k = 0; k < dataset.rating.length; k++) {
        if (!isTest(k) || dataset.rating[k] === 0) continue;
        const p = scorer.predictRating(dataset.users[dataset.userIndex[k]].id, dataset.movies[dataset.itemIndex[k]].id);
        if (!Number.isFinite(p)) continue;
        model += (p - dataset.rating[k]) ** 2;
        baseline += (mean - dataset.rating[k]) ** 2;
        n++;
      }
      expect(n).toBeGreaterThan(500);
      expect(Math.sqrt(model / n)).toBeLessThan(0.97 * Math.sqrt(baseline / n));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
