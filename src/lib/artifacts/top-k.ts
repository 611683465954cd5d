/**
 * Partial top-k selection with a fixed-size binary min-heap: O(n log k) over
 * the catalog instead of a full sort, and no allocation per request (the
 * buffers are reused; scorers are synchronous and single-threaded).
 */
export class TopK {
  private readonly scores: Float32Array;
  private readonly items: Int32Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float32Array(Math.max(1, capacity));
    this.items = new Int32Array(Math.max(1, capacity));
  }

  reset(): void {
    this.size = 0;
  }

  /** Lowest score kept so far (−∞ until full): callers may skip work below it. */
  threshold(k: number): number {
    return this.size < k ? -Infinity : this.scores[0];
  }

  /** Offers an item; keeps the best `k` (k ≤ capacity). Ties keep the lower index. */
  push(item: number, value: number, k: number): void {
    const score = Math.fround(value); // compare exactly as stored
    const scores = this.scores;
    const items = this.items;
    if (this.size < k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(score, item, scores[parent], items[parent])) break;
        scores[i] = scores[parent];
        items[i] = items[parent];
        i = parent;
      }
      scores[i] = score;
      items[i] = item;
      return;
    }
    if (!worse(scores[0], items[0], score, item)) return;
    this.replaceRoot(score, item, this.size);
  }

  /** Puts (score, item) at the root of the first `n` entries and sifts it down to its place. */
  private replaceRoot(score: number, item: number, n: number): void {
    const scores = this.scores;
    const items = this.items;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && worse(scores[right], items[right], scores[left], items[left])) child = right;
      if (!worse(scores[child], items[child], score, item)) break;
      scores[i] = scores[child];
      items[i] = items[child];
      i = child;
    }
    scores[i] = score;
    items[i] = item;
  }

  /**
   * The kept items, best first; empties the heap. Pops the root (the worst
   * kept) into the back of the output: O(k log k), no comparator closures.
   */
  drain(): { items: Int32Array; scores: Float32Array } {
    const outItems = new Int32Array(this.size);
    const outScores = new Float32Array(this.size);
    const scores = this.scores;
    const items = this.items;
    for (let n = this.size; n > 0; n--) {
      outItems[n - 1] = items[0];
      outScores[n - 1] = scores[0];
      // The last entry moves to the root and sifts down over the remaining n − 1.
      if (n > 1) this.replaceRoot(scores[n - 1], items[n - 1], n - 1);
    }
    this.size = 0;
    return { items: outItems, scores: outScores };
  }
}

/** True when (s1, i1) ranks below (s2, i2): lower score, or equal score and higher index. */
function worse(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 < s2 || (s1 === s2 && i1 > i2);
}
