import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ArtifactIntegrityError,
  NewArtifact,
  writeArtifact,
  loadScorer,
  scorerFromArtifact,
  Scorer,
} from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { Trainer } from '@lib/training/trainer';
import { groupMovies, twoTasteGroups } from './two-taste-groups';

/**
 * The behaviour every model family must show, as a jest suite: known answer
 * on two disjoint-taste groups, determinism for a seed, artifact round trip,
 * and loud failure on a tampered or mis-shaped artifact.
 */
export function describeModelContract<P extends object>(
  trainer: Trainer<P>,
  params: Partial<P>,
  opts: { knowsUsers?: boolean; data?: InteractionDataset } = {},
): void {
  const data = opts.data ?? twoTasteGroups();
  let dir: string;
  let artifact: NewArtifact;
  let scorer: Scorer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `marquee-${trainer.modelType}-`));
    artifact = await trainer.train(data, params, 42, { workers: 1 });
    await writeArtifact(path.join(dir, 'a'), artifact);
    scorer = await loadScorer(path.join(dir, 'a'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const seen = (u: number) => {
    const out = new Set<string>();
    for (let k = 0; k < data.userIndex.length; k++)
      if (data.userIndex[k] === u) out.add(data.movies[data.itemIndex[k]].id);
    return out;
  };

  it('recommends each group its own unseen movies, never the other group’s', () => {
    for (const u of [0, 5, 20, 33]) {
      const exclude = seen(u);
      const { own } = groupMovies(u);
      const recs = scorer.recommend(data.users[u].id, 4, exclude);
      expect(recs).toHaveLength(4);
      for (const r of recs) {
        expect(own.has(r.movieId)).toBe(true);
        expect(exclude.has(r.movieId)).toBe(false);
      }
      for (let i = 1; i < recs.length; i++) expect(recs[i - 1].score).toBeGreaterThanOrEqual(recs[i].score);
    }
    expect(scorer.knowsUser(data.users[0].id)).toBe(opts.knowsUsers ?? true);
  });

  it('never throws for an unknown user', () => {
    expect(() => scorer.recommend(999_999, 5, new Set())).not.toThrow();
  });

  it('is deterministic for a seed: identical model.bin bytes', async () => {
    const again = await trainer.train(data, params, 42, { workers: 1 });
    await writeArtifact(path.join(dir, 'b'), again);
    const [a, b] = await Promise.all([
      readFile(path.join(dir, 'a', 'model.bin')),
      readFile(path.join(dir, 'b', 'model.bin')),
    ]);
    expect(createHash('sha256').update(b).digest('hex')).toBe(createHash('sha256').update(a).digest('hex'));
  });

  it('round-trips through the artifact: loaded rankings equal a second load, for every user', async () => {
    const reloaded = await loadScorer(path.join(dir, 'b'));
    for (let u = 0; u < data.users.length; u++) {
      const exclude = seen(u);
      expect(reloaded.recommend(data.users[u].id, 6, exclude)).toEqual(scorer.recommend(data.users[u].id, 6, exclude));
    }
  });

  it('refuses a tampered model.bin and a mis-shaped tensor', async () => {
    const bin = await readFile(path.join(dir, 'a', 'model.bin'));
    bin[bin.length - 1] ^= 0xff;
    await writeFile(path.join(dir, 'b', 'model.bin'), bin);
    await expect(loadScorer(path.join(dir, 'b'))).rejects.toThrow(ArtifactIntegrityError);

    await writeArtifact(path.join(dir, 'c'), artifact);
    const manifestPath = path.join(dir, 'c', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const first = manifest.tensors[0];
    first.shape = [first.shape[0] + 1, ...first.shape.slice(1)];
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(loadScorer(path.join(dir, 'c'))).rejects.toThrow(ArtifactIntegrityError);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(trainer.train(data, params, 42, { workers: 1, signal: controller.signal })).rejects.toThrow(
      /interrupted/,
    );
  });
}

/** Writes an artifact to a temporary directory and loads it through the serving path. */
/** Kept under its old name for the specs. */
export const loadTrained = scorerFromArtifact;
