import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadMovieLensDataset as loadMovieLens } from '@lib/movielens';
import { writeMovieLensFixture } from '@test/support/training/movielens-fixture';
import { runOfflineEvaluation } from './run-offline-evaluation';
import { OfflineReport } from './report-writer';

const RUNS = [
  { model: 'popularity', params: {} },
  { model: 'item-knn', params: { neighbours: 20 } },
  { model: 'svd', params: { factors: 4, epochs: 5, minItemRatings: 1 } },
  { model: 'als', params: { factors: 4, iterations: 3 } },
  { model: 'hybrid', params: { dim: 4, epochs: 2 } },
];

describe('MovieLens-format fixture, end to end', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'marquee-ml-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads ml-100k and ml-latest layouts into the same interactions', async () => {
    const { ml100k, mlLatest } = await writeMovieLensFixture(dir);
    const a = await loadMovieLens(ml100k);
    const b = await loadMovieLens(mlLatest);
    expect(a.userIndex.length).toBeGreaterThan(300);
    expect(b.userIndex.length).toBe(a.userIndex.length);
    expect(a.movies.length).toBe(b.movies.length);
    expect(a.users.some((u) => u.age !== null && u.gender !== null)).toBe(true);
    expect(b.movies.every((m) => m.year !== null)).toBe(true);
    expect(Math.max(...b.rating)).toBeLessThanOrEqual(5);
  });

  it('trains, evaluates and reports every model on every split', async () => {
    const { ml100k } = await writeMovieLensFixture(dir);
    const data = await loadMovieLens(ml100k);
    const outDir = path.join(dir, 'report');
    const { file, report } = await runOfflineEvaluation({
      data,
      source: 'MovieLens fixture',
      splits: ['temporal', 'leave-last-k', 'random-75-25'],
      runs: RUNS,
      seed: 1,
      outDir,
      workers: 1,
    });
    expect(report.splits.map((s) => s.split)).toEqual(['temporal', 'leave-last-k', 'random-75-25']);
    for (const split of report.splits) {
      expect(split.models.map((m) => m.model).sort()).toEqual(RUNS.map((r) => r.model).sort());
      for (const m of split.models) {
        expect(m.evaluation.warm.users).toBeGreaterThan(0);
        expect(m.evaluation.warm.ndcg).toBeGreaterThanOrEqual(0);
        expect(m.evaluation.warm.ndcg).toBeLessThanOrEqual(1);
        expect(m.artifactBytes).toBeGreaterThan(0);
      }
    }
    const svd = report.splits[0].models.find((m) => m.model === 'svd');
    expect(svd?.evaluation.rmse).toBeGreaterThan(0);
    const md = await readFile(file, 'utf8');
    expect(md).toContain('| als |');
    expect(md).toContain('quality-vs-latency.svg');
    const json = JSON.parse(await readFile(path.join(outDir, 'report.json'), 'utf8')) as OfflineReport;
    expect(json.splits).toHaveLength(3);
    expect(await readFile(path.join(outDir, 'quality-vs-training-time.svg'), 'utf8')).toContain('<svg');
  });
});
