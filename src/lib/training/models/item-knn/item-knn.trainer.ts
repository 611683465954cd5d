import { NewArtifact } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { buildCsr, transposeCsr } from '../../csr';
import { balancedRanges, KernelPool } from '../../parallel/kernel-pool';
import { recencyWeights, Trainer, TrainingRun, TrainOptions } from '../../trainer';
import { createKernelHandler, ItemKnnResult, ItemKnnTask } from './item-knn.kernel';

export interface ItemKnnParams {
  /** Neighbours kept per item. */
  readonly neighbours: number;
  /** Shrinkage term in the cosine denominator: damps similarities backed by few co-watchers. */
  readonly shrink: number;
  /** Interaction weight: 1 for any interaction, or log(1 + minutes/10) + rating/max. */
  readonly weighting: 'binary' | 'strength';
  /** Half-life (days) multiplying each interaction's weight; 0 = no time decay. */
  readonly halfLifeDays: number;
}

export const itemKnnTrainer: Trainer<ItemKnnParams> = {
  modelType: 'item-knn',
  defaults: { neighbours: 100, shrink: 10, weighting: 'binary', halfLifeDays: 0 },

  async train(data: InteractionDataset, partial, seed, opts: TrainOptions = {}): Promise<NewArtifact> {
    const run = new TrainingRun('item-knn', this.defaults, partial, seed, opts);
    const params = run.params;
    const workers = opts.workers ?? 2;
    const shared = workers > 1;
    const nU = data.users.length;
    const nI = data.movies.length;
    const recency = recencyWeights(data, params.halfLifeDays, 0.05);
    const weight =
      params.weighting === 'binary'
        ? (k: number) => recency[k]
        : (k: number) => recency[k] * (Math.log1p(data.watchMinutes[k] / 10) + data.rating[k] / data.ratingScaleMax);
    const userItems = buildCsr(nU, nI, data.userIndex, data.itemIndex, weight, { shared });
    const itemUsers = transposeCsr(userItems, shared);
    const itemNorms = shared ? new Float32Array(new SharedArrayBuffer(nI * 4)) : new Float32Array(nI);
    for (let i = 0; i < nI; i++) {
      let s = 0;
      for (let a = itemUsers.indptr[i]; a < itemUsers.indptr[i + 1]; a++) s += itemUsers.values[a] ** 2;
      itemNorms[i] = Math.sqrt(s);
    }
    run.throwIfAborted();
    const n = params.neighbours;
    const neighbours = new Int32Array(nI * n);
    const similarities = new Float32Array(nI * n);
    // Cost of an item ≈ Σ over its users of their history length; balance chunks on its users' count.
    const ranges = balancedRanges(itemUsers.indptr, nI, Math.max(1, workers * 16), 1);
    const pool = KernelPool.start<ItemKnnTask, ItemKnnResult>(
      require.resolve('./item-knn.kernel'),
      workers,
      { userItems, itemUsers, itemNorms, neighbours: n, shrink: params.shrink },
      createKernelHandler,
    );
    try {
      // Batches of chunks so progress is reported and an abort is honoured between them.
      const batch = Math.max(1, workers * 2);
      for (let b = 0; b < ranges.length; b += batch) {
        const results = await pool.run(ranges.slice(b, b + batch).map(([start, end]) => ({ start, end })));
        for (const r of results) {
          neighbours.set(r.neighbours, r.start * n);
          similarities.set(r.similarities, r.start * n);
        }
        run.progress('similarities', Math.min(ranges.length, b + batch), ranges.length);
        await run.checkpoint();
      }
    } finally {
      await pool.close();
    }
    return {
      ...run.envelope(data),
      tensors: {
        neighbours: { data: neighbours, shape: [nI, n] },
        similarities: { data: similarities, shape: [nI, n] },
        userItemsPtr: { data: Int32Array.from(userItems.indptr), shape: [nU + 1] },
        userItems: { data: Int32Array.from(userItems.indices), shape: [userItems.indices.length] },
      },
    };
  },
};
