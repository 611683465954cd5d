import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact, loadScorer } from '@lib/artifacts';
import { describeModelContract } from '@test/support/training/model-contract';
import { twoTasteGroups } from '@test/support/training/two-taste-groups';
import { createRng } from '../../random';
import { FeatureMatrix, hybridEpoch, HybridState } from './hybrid.kernel';
import { hybridEpochs, hybridTrainer } from './hybrid.trainer';
import { HybridWasmKernel } from './hybrid-wasm';

/** Rows with their identity feature and 0–`extra` of `shared` shared features, weights 1/length. */
function randomFeatures(rows: number, shared: number, extra: number, seed: number): FeatureMatrix {
  const rng = createRng(seed);
  const indptr = new Int32Array(rows + 1);
  const features: number[] = [];
  const weights: number[] = [];
  for (let r = 0; r < rows; r++) {
    const own = [r];
    for (let k = rng.int(extra + 1); k > 0; k--) {
      const f = rows + rng.int(shared);
      if (!own.includes(f)) own.push(f);
    }
    features.push(...own);
    weights.push(...own.map(() => 1 / own.length));
    indptr[r + 1] = features.length;
  }
  return {
    indptr,
    features: Int32Array.from(features),
    weights: Float32Array.from(weights),
    count: rows + shared,
  };
}

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

  /** Three epochs of the TypeScript kernel and of the WebAssembly one (laid out for `slots` threads, run by one). */
  function bothKernels(loss: 'warp' | 'bpr', slots: number) {
    const [nU, nI, dim, nPairs] = [60, 45, 8, 900];
    const users = randomFeatures(nU, 4, 2, 1);
    const items = randomFeatures(nI, 6, 3, 2);
    const rng = createRng(3);
    const pairUser = Int32Array.from({ length: nPairs }, () => rng.int(nU));
    const pairItem = Int32Array.from({ length: nPairs }, () => rng.int(nI));
    const pairWeight = Float32Array.from({ length: nPairs }, () => 0.5 + rng.next());
    const order = Int32Array.from({ length: nPairs }, (_, k) => (k * 7) % nPairs);
    const p = { loss, learningRate: 0.1, regularization: 1e-3, maxSampled: 10, cacheRefresh: 50 };
    const wasm = HybridWasmKernel.layout(users, items, nI, dim, slots);
    if (!wasm) throw new Error('no layout');
    const init = (a: Float32Array, seed: number) => {
      const r = createRng(seed);
      for (let k = 0; k < a.length; k++) a[k] = (r.next() - 0.5) / dim;
      return a;
    };
    const ts: HybridState = {
      dim,
      userEmb: init(new Float32Array(users.count * dim), 4),
      itemEmb: init(new Float32Array(items.count * dim), 5),
      itemFeatBias: new Float32Array(items.count),
      userEmbG: new Float32Array(users.count * dim).fill(1),
      itemEmbG: new Float32Array(items.count * dim).fill(1),
      itemFeatBiasG: new Float32Array(items.count).fill(1),
    };
    init(wasm.userEmb, 4);
    init(wasm.itemEmb, 5);
    wasm.userEmbG.fill(1);
    wasm.itemEmbG.fill(1);
    wasm.itemFeatBiasG.fill(1);
    const kernel = new HybridWasmKernel(wasm.layout);
    const [r1, r2] = [createRng(6), createRng(6)];
    const losses: [number, number][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      losses.push([
        hybridEpoch(ts, users, items, pairUser, pairItem, pairWeight, order, nI, r1.next, p),
        kernel.epoch(pairUser, pairItem, pairWeight, order, r2.next, p),
      ]);
    }
    // The updates did happen (not two untouched copies), also to the shared features' rows.
    expect(wasm.itemFeatBias.subarray(nI).some((b) => b !== 0)).toBe(true);
    return { ts, wasm, losses };
  }
  const ARRAYS = ['userEmb', 'itemEmb', 'itemFeatBias', 'userEmbG', 'itemEmbG', 'itemFeatBiasG'] as const;

  it.each(['warp', 'bpr'] as const)(
    "the WebAssembly kernel gives the TypeScript kernel's weights bit for bit (%s)",
    (loss) => {
      const { ts, wasm, losses } = bothKernels(loss, 1);
      for (const [a, b] of losses) expect(b).toBe(a);
      const bits = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
      for (const key of ARRAYS) expect(bits(wasm[key]).equals(bits(ts[key]))).toBe(true);
    },
  );

  it.each(['warp', 'bpr'] as const)(
    "a Hogwild thread's private shared-feature rows reach the shared ones at every sync (%s)",
    (loss) => {
      // Alone, the thread differs from one in-place thread only by the merges' float32 rounding.
      const { ts, wasm } = bothKernels(loss, 2);
      for (const key of ARRAYS) {
        const a = ts[key];
        const b = wasm[key];
        let worst = 0;
        for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / Math.max(1, Math.abs(a[k])));
        expect(worst).toBeLessThan(1e-4);
      }
    },
  );

  it("turns epochs 'auto' into a fixed budget of SGD steps, and refuses a nonsense count", () => {
    expect(hybridEpochs({ epochs: 'auto', autoSteps: 3_000_000 }, 62_000)).toBe(48);
    expect(hybridEpochs({ epochs: 'auto', autoSteps: 3_000_000 }, 32_000_000)).toBe(1);
    expect(hybridEpochs({ epochs: 'auto', autoSteps: 3_000_000 }, 10)).toBe(60);
    expect(hybridEpochs({ epochs: 12, autoSteps: 3_000_000 }, 62_000)).toBe(12);
    expect(() => hybridEpochs({ epochs: 0, autoSteps: 1 }, 10)).toThrow(/positive integer/);
  });
});
