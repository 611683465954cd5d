import { createRng } from '@lib/training';
import { TopK } from './top-k';

describe('TopK', () => {
  it('matches a full sort (score desc, then index asc) on random scores with ties', () => {
    const rng = createRng(1);
    const scores = Array.from({ length: 5000 }, () => Math.round(rng.next() * 200) / 10);
    const heap = new TopK(50);
    for (const k of [1, 7, 50]) {
      heap.reset();
      scores.forEach((s, i) => heap.push(i, s, k));
      const { items } = heap.drain();
      const expected = scores
        .map((s, i) => ({ s, i }))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .slice(0, k)
        .map((x) => x.i);
      expect(Array.from(items)).toEqual(expected);
    }
  });
});
