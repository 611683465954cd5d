import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '../../../model-artifacts/artifact-format';
import { loadScorer } from '../../../model-artifacts/load-scorer';
import { FactorScorer } from '../../../model-artifacts/scorers/factor.scorer';
import { generateLatentWorld } from '../../synthetic/latent-world';
import { describeModelContract } from '../../testing/model-contract';
import { svdTrainer } from './svd.trainer';
import { twoTasteGroups } from '../../testing/two-taste-groups';

describe('svd', () => {
  // Ratings alone say nothing about movies a user never watched, so SVD's known-answer data includes dislikes.
  describeModelContract(
    svdTrainer,
    { factors: 4, epochs: 60, minItemRatings: 1, learningRate: 0.02 },
    { data: twoTasteGroups(20, 3, { dislikes: true }) },
  );

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
