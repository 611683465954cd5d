import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { evaluateSplit } from '../evaluation/offline-evaluation';
import { EvaluationSplit, randomUserSplit } from '../evaluation/splits';
import { readManifest } from '@lib/artifacts';
import { trainAndEvaluate } from '../pipeline/train-and-evaluate';
import { createRng } from '../random';
import { generateLatentWorld } from '../synthetic/latent-world';
import { tuneHyperparameters } from './tuner';

const data = generateLatentWorld({ users: 300, movies: 120, interactions: 9_000, seed: 5 }).dataset;
const budget = { trials: 5, seconds: 600 };

/** The same split with every test row replaced by noise: a tuner that read them would choose differently. */
function corruptTestRows(split: EvaluationSplit): EvaluationSplit {
  const rng = createRng(99);
  const n = split.test.userIndex.length;
  return {
    ...split,
    test: {
      userIndex: split.test.userIndex.map(() => rng.int(data.users.length)),
      itemIndex: Int32Array.from({ length: n }, () => rng.int(data.movies.length)),
      rating: split.test.rating.map(() => 1 + rng.int(5)),
    },
  };
}

describe('tuneHyperparameters', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'marquee-tuner-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('never reads the test rows: corrupting them changes the test figures, not the trials or the choice', async () => {
    const split = randomUserSplit(data, 3, 0.25, 10);
    const run = {
      model: 'als',
      params: { iterations: 4 },
      label: 'als+tuned',
      tune: { budget, fixed: ['iterations'] },
    };
    const opts = { seed: 3, workers: 1, maxUsers: 300 };
    const clean = await evaluateSplit(split, [run], { ...opts, artifactRoot: path.join(root, 'clean') });
    const noisy = await evaluateSplit(corruptTestRows(split), [run], {
      ...opts,
      artifactRoot: path.join(root, 'noisy'),
    });
    const [a] = clean.models;
    const [b] = noisy.models;
    expect(a.tuning?.trials.length).toBe(budget.trials);
    const choices = (t: typeof a.tuning) =>
      t?.trials.map(({ trial, params, metric, status }) => ({ trial, params, metric, status }));
    expect(choices(b.tuning)).toEqual(choices(a.tuning));
    expect(b.tuning?.best).toEqual(a.tuning?.best);
    expect(b.params).toEqual(a.params);
    // The corruption is visible where test rows are used: in the evaluation itself.
    expect(b.evaluation.warm.ndcg).not.toBeCloseTo(a.evaluation.warm.ndcg, 3);
  });

  it('starts from the defaults, searches only the free parameters, and reproduces its trials from the seed', async () => {
    const request = {
      modelType: 'als',
      baseParams: { factors: 8 },
      fixed: ['factors'],
      budget,
      seed: 7,
      protocol: 'temporal' as const,
    };
    const first = await tuneHyperparameters(data, { ...request, trainOptions: { workers: 1 } });
    const second = await tuneHyperparameters(data, { ...request, trainOptions: { workers: 1 } });
    expect(first.trials[0].params).toEqual({});
    expect(first.trials.map((t) => t.params)).toEqual(second.trials.map((t) => t.params));
    expect(first.trials.map((t) => t.metric)).toEqual(second.trials.map((t) => t.metric));
    for (const trial of first.trials.slice(1)) {
      expect(Object.keys(trial.params).sort()).toEqual(['alpha', 'iterations', 'regularization']);
    }
    expect(first.best.params.factors).toBe(8);
    const best = Math.max(...first.trials.map((t) => t.metric ?? -1));
    expect(first.best.metric).toBe(best);
    expect(first.validation.sourceRows).toBe(data.userIndex.length);
    expect(first.validation.trainRows + first.validation.validationRows).toBe(data.userIndex.length);
  });

  it('stops at the wall-time limit and says so when no trial could finish', async () => {
    await expect(
      tuneHyperparameters(data, {
        modelType: 'hybrid',
        baseParams: { epochs: 60 },
        budget: { trials: 3, seconds: 0.001 },
        seed: 1,
        protocol: 'temporal',
      }),
    ).rejects.toThrow(/no trial finished/);
  });

  it('refuses a budget without trials or time', async () => {
    await expect(
      tuneHyperparameters(data, { modelType: 'als', budget: { trials: 0 }, seed: 1, protocol: 'temporal' }),
    ).rejects.toThrow(/budget/);
  });

  it('records the search in the deployable artifact, whose manifest the registry hashes', async () => {
    const artifactDir = path.join(root, 'release', 'als');
    const trained = await trainAndEvaluate(
      data,
      { modelType: 'als', params: {}, seed: 2, artifactDir, tune: { trials: 3, seconds: 600 } },
      { workers: 1 },
    );
    expect(trained.tuning?.trials).toHaveLength(3);
    // The promotion policy's holdout (the temporal split's last 20%) is outside what the tuner saw.
    expect(trained.tuning?.validation.sourceRows).toBeLessThan(data.userIndex.length);
    const manifest = await readManifest(artifactDir);
    expect((manifest.extra as { tuning?: unknown }).tuning).toEqual(JSON.parse(JSON.stringify(trained.tuning)));
    expect(manifest.params).toEqual(expect.objectContaining(trained.tuning?.best.params));
  });
});
