import { openSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { alsTrainer } from '@lib/training/models/als/als.trainer';
import { hybridTrainer } from '@lib/training/models/hybrid/hybrid.trainer';
import { svdTrainer } from '@lib/training/models/svd/svd.trainer';
import { twoTasteGroups } from '@test/support/training/two-taste-groups';
import { writeArtifact } from './artifact-format';
import { RankingThread } from './kernels/ranking-thread';
import { loadScorer } from './load-scorer';
import { UserVectors } from './scorers/user-vectors';

describe('loadScorer with serving’s ranking thread', () => {
  const data = twoTasteGroups();
  let dir: string;
  let thread: RankingThread;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'marquee-load-scorer-'));
    thread = new RankingThread();
  });

  afterAll(async () => {
    await thread.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['als', () => alsTrainer.train(data, { factors: 4, iterations: 10, regularization: 5 }, 1, { workers: 1 })],
    ['svd', () => svdTrainer.train(data, { factors: 4, epochs: 60, minItemRatings: 1, learningRate: 0.02 }, 1, {})],
    ['hybrid', () => hybridTrainer.train(data, { dim: 8, epochs: 30, learningRate: 0.1 }, 1, {})],
  ])('%s ranks on the thread exactly as in-thread, known, folded-in and new users alike', async (name, train) => {
    const at = path.join(dir, name);
    await writeArtifact(at, await train());
    const remote = await loadScorer(at, { rankingThread: thread });
    const local = await loadScorer(at);
    expect(remote.recommendAsync).toBeDefined();
    const contexts = [
      undefined,
      { history: ['m1', 'm2', 'm3'] },
      { profile: { age: 30, gender: 'F' as const, occupation: 'engineer' } },
    ];
    for (const userId of [data.users[0].id, data.users[7].id, data.users[20].id, -5]) {
      for (const context of contexts) {
        const exclude = new Set(['m1', 'm12']);
        const got = await remote.recommendAsync!(userId, 6, exclude, context);
        expect(got).toEqual(local.recommend(userId, 6, exclude, context));
        // The synchronous path of a thread-backed scorer (offline callers) gives the same list.
        expect(remote.recommend(userId, 6, exclude, context)).toEqual(got);
      }
    }
  });

  it('serves the user table from memory, and says why, when writing its page file fails', async () => {
    const at = path.join(dir, 'als-unwritable');
    await writeArtifact(
      at,
      await alsTrainer.train(data, { factors: 4, iterations: 10, regularization: 5 }, 1, { workers: 1 }),
    );
    // A descriptor open for reading only: every write to it fails, as on a full disk.
    const readOnly = openSync(path.join(at, 'manifest.json'), 'r');
    const plan = jest
      .spyOn(UserVectors, 'spillPlan')
      .mockImplementation(async () => ({ tensor: 'userFactors', fd: readOnly }));
    try {
      const failures: Error[] = [];
      const fromMemory = await loadScorer(at, {
        userVectorPaging: { dir: path.join(dir, 'unused'), aboveBytes: 0, onFailure: (e) => failures.push(e) },
      });
      expect(plan).toHaveBeenCalledTimes(1);
      expect(failures).toHaveLength(1);
      expect(failures[0].message).toMatch(/EBADF/);
      const inMemory = await loadScorer(at);
      expect(fromMemory.recommend(data.users[3].id, 6, new Set())).toEqual(
        inMemory.recommend(data.users[3].id, 6, new Set()),
      );
    } finally {
      plan.mockRestore();
    }
  });

  it.each([
    ['als', () => alsTrainer.train(data, { factors: 4, iterations: 10, regularization: 5 }, 1, { workers: 1 })],
    ['hybrid', () => hybridTrainer.train(data, { dim: 8, epochs: 30, learningRate: 0.1 }, 1, {})],
  ])('%s with paged user vectors ranks exactly as in memory, from a private copy', async (name, train) => {
    const at = path.join(dir, `${name}-paged`);
    const pages = path.join(dir, `${name}-pages`);
    await writeArtifact(at, await train());
    const inMemory = await loadScorer(at);
    const paged = await loadScorer(at, { rankingThread: thread, userVectorPaging: { dir: pages, aboveBytes: 0 } });
    // The page file is unlinked as soon as it is created: nothing can open or alter it by name.
    expect(await readdir(pages)).toEqual([]);
    // Altering the artifact on disk after the load changes nothing served (the copy is the verified bytes).
    await writeFile(path.join(at, 'model.bin'), Buffer.alloc(64));
    for (const userId of [data.users[0].id, data.users[7].id, data.users[20].id, -5]) {
      const exclude = new Set(['m1']);
      const want = inMemory.recommend(userId, 6, exclude);
      expect(await paged.recommendAsync!(userId, 6, exclude)).toEqual(want);
      expect(paged.recommend(userId, 6, exclude)).toEqual(want);
    }
  });
});
