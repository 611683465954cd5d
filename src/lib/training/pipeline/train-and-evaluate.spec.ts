import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readManifest } from '@lib/artifacts';
import { generateLatentWorld } from '../synthetic/latent-world';
import { trainAndEvaluate } from './train-and-evaluate';

describe('trainAndEvaluate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-pipeline-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures on a temporal holdout, deploys a model trained on everything, and keeps only that artifact', async () => {
    const data = generateLatentWorld({ users: 600, movies: 200, interactions: 12_000, seed: 5 }).dataset;
    const als = await trainAndEvaluate(
      data,
      { modelType: 'als', params: { factors: 16, iterations: 6 }, seed: 1, artifactDir: path.join(dir, 'als') },
      { workers: 1 },
    );
    const pop = await trainAndEvaluate(
      data,
      { modelType: 'popularity', params: {}, seed: 1, artifactDir: path.join(dir, 'pop') },
      { workers: 1 },
    );

    expect(als.metrics['ndcg@20']).toBeGreaterThan(pop.metrics['ndcg@20'] as number);
    expect(als.metrics.coverage).toBeGreaterThan(0);
    expect(als.evaluation.warm.users).toBeGreaterThan(0);
    const manifest = await readManifest(als.artifactDir);
    expect(manifest.modelType).toBe('als');
    expect(existsSync(`${als.artifactDir}.evaluation`)).toBe(false);
    expect(existsSync(`${als.artifactDir}.evaluation-popularity`)).toBe(false);
  }, 120_000);
});
