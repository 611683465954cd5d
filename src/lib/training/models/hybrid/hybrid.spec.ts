import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact, loadScorer } from '@lib/artifacts';
import { describeModelContract } from '@test/support/training/model-contract';
import { twoTasteGroups } from '@test/support/training/two-taste-groups';
import { hybridEpochs, hybridTrainer } from './hybrid.trainer';

describe('hybrid', () => {
  const params = { dim: 8, epochs: 30, learningRate: 0.1 };
  describeModelContract(hybridTrainer, params);
  describeModelContract(hybridTrainer, { ...params, loss: 'bpr' as const, epochs: 60 });

  it.each([
    ['profile embeddings projected from trained users (default)', {}],
    ['profile features trained jointly, LightFM-style', { userFeatures: true }],
    ['profile features trained jointly, rows normalised', { userFeatures: true, normalizeFeatures: true }],
  ])('serves new users from their profile and ranks a brand-new movie by its genre: %s', async (_, variant) => {
    const data = twoTasteGroups();
    // A new Action movie nobody has watched yet (index 20).
    const movies = [...data.movies, { ...data.movies[0], id: 'm-new-action', year: 2004 }];
    const artifact = await hybridTrainer.train({ ...data, movies }, { ...params, ...variant }, 7, {});
    const dir = await mkdtemp(path.join(tmpdir(), 'marquee-hybrid-'));
    try {
      await writeArtifact(dir, artifact);
      const scorer = await loadScorer(dir);
      const man = scorer.recommend(-1, 5, new Set(), { profile: { age: 30, gender: 'M', occupation: 'engineer' } });
      const woman = scorer.recommend(-1, 5, new Set(), { profile: { age: 30, gender: 'F', occupation: 'engineer' } });
      const actionOrNew = (id: string) => id === 'm-new-action' || Number(id.slice(1)) <= 10;
      expect(man.every((r) => actionOrNew(r.movieId))).toBe(true);
      expect(woman.every((r) => !actionOrNew(r.movieId))).toBe(true);
      // The unseen movie ranks for group A above every Romance movie.
      const all = scorer.recommend(data.users[0].id, 21, new Set());
      const at = (id: string) => all.findIndex((r) => r.movieId === id);
      expect(at('m-new-action')).toBeGreaterThanOrEqual(0);
      expect(at('m-new-action')).toBeLessThan(at('m11'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hogwild mode (two worker threads sharing the embeddings) learns the same two tastes', async () => {
    const data = twoTasteGroups();
    const artifact = await hybridTrainer.train(data, { ...params, parallel: 'hogwild' }, 7, { workers: 2 });
    expect(artifact.params).toMatchObject({ parallel: 'hogwild' });
    const dir = await mkdtemp(path.join(tmpdir(), 'marquee-hybrid-hogwild-'));
    try {
      await writeArtifact(dir, artifact);
      const scorer = await loadScorer(dir);
      const groupA = (id: string) => Number(id.slice(1)) <= 10;
      const first = data.users[0].id;
      const last = data.users[data.users.length - 1].id;
      const a = scorer.recommend(first, 5, new Set());
      const b = scorer.recommend(last, 5, new Set());
      // The first user is in group A (Action, m1…m10), the last in group B.
      expect(a.every((r) => groupA(r.movieId))).toBe(true);
      expect(b.every((r) => !groupA(r.movieId))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("turns epochs 'auto' into a fixed budget of SGD steps, and refuses a nonsense count", () => {
    expect(hybridEpochs({ epochs: 'auto', autoSteps: 3_000_000 }, 62_000)).toBe(48);
    expect(hybridEpochs({ epochs: 'auto', autoSteps: 3_000_000 }, 32_000_000)).toBe(1);
    expect(hybridEpochs({ epochs: 'auto', autoSteps: 3_000_000 }, 10)).toBe(60);
    expect(hybridEpochs({ epochs: 12, autoSteps: 3_000_000 }, 62_000)).toBe(12);
    expect(() => hybridEpochs({ epochs: 0, autoSteps: 1 }, 10)).toThrow(/positive integer/);
  });
});
