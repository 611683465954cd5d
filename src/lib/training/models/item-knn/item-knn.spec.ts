import { describeModelContract } from '@test/support/training/model-contract';
import { twoTasteGroups } from '@test/support/training/two-taste-groups';
import { createKernelHandler } from './item-knn.kernel';
import { itemKnnTrainer } from './item-knn.trainer';
import { buildCsr, transposeCsr } from '../../csr';

describe('item-knn', () => {
  describeModelContract(itemKnnTrainer, { neighbours: 9, shrink: 1 });

  it('computes shrunk cosine similarities exactly on a hand-checked matrix', () => {
    // users × items: u0 {0,1}, u1 {0,1}, u2 {1,2}
    const users = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const items = Int32Array.from([0, 1, 0, 1, 1, 2]);
    const ui = buildCsr(3, 3, users, items, () => 1);
    const iu = transposeCsr(ui);
    const norms = Float32Array.from([Math.SQRT2, Math.sqrt(3), 1]);
    const run = createKernelHandler({ userItems: ui, itemUsers: iu, itemNorms: norms, neighbours: 2, shrink: 1 });
    const { neighbours, similarities } = run({ start: 0, end: 3 });
    // sim(0,1) = 2 / (√2·√3 + 1); item 0 and 2 share no user.
    expect(Array.from(neighbours.subarray(0, 2))).toEqual([1, -1]);
    expect(similarities[0]).toBeCloseTo(2 / (Math.sqrt(6) + 1), 6);
    // item 1's neighbours: 0 (2 co-watchers) before 2 (1 co-watcher).
    expect(Array.from(neighbours.subarray(2, 4))).toEqual([0, 2]);
    expect(similarities[3]).toBeCloseTo(1 / (Math.sqrt(3) + 1), 6);
  });

  it('gives the same neighbours with two worker threads as in-process', async () => {
    const data = twoTasteGroups();
    const one = await itemKnnTrainer.train(data, { neighbours: 5 }, 1, { workers: 1 });
    const two = await itemKnnTrainer.train(data, { neighbours: 5 }, 1, { workers: 2 });
    expect(Array.from(two.tensors.neighbours.data)).toEqual(Array.from(one.tensors.neighbours.data));
    expect(Array.from(two.tensors.similarities.data)).toEqual(Array.from(one.tensors.similarities.data));
  });
});
