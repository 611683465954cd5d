import { ArtifactContents, tensor } from '../artifact-format';
import { ScoredItem, Scorer, UserContext } from '../scorer';
import { ArtifactCatalog } from './catalog';

/**
 * Item-based kNN (Sarwar et al. 2001; Deshpande & Karypis 2004): the score of a
 * candidate is the sum of its similarities to the items in the user's history,
 * over each history item's top-N neighbour list. The training-time history is
 * stored in the artifact (userItems, CSR); serving may pass a fresher one in
 * context.history, which then replaces it.
 */
export class ItemKnnScorer implements Scorer {
  readonly modelType = 'item-knn';
  private readonly catalog: ArtifactCatalog;
  private readonly neighbours: Int32Array;
  private readonly similarities: Float32Array;
  private readonly userItemsPtr: Int32Array;
  private readonly userItems: Int32Array;
  private readonly width: number;
  private readonly scratch: Float32Array;
  private readonly touched: Int32Array;

  constructor(contents: ArtifactContents) {
    this.catalog = new ArtifactCatalog(contents);
    const items = this.catalog.items;
    const entry = contents.manifest.tensors.find((t) => t.name === 'neighbours');
    this.width = entry?.shape[1] ?? 0;
    this.neighbours = tensor(contents, 'neighbours', Int32Array, [items, this.width]);
    this.similarities = tensor(contents, 'similarities', Float32Array, [items, this.width]);
    this.userItemsPtr = tensor(contents, 'userItemsPtr', Int32Array, [this.catalog.users + 1]);
    this.userItems = tensor(contents, 'userItems', Int32Array, [null]);
    if (this.userItemsPtr[this.catalog.users] !== this.userItems.length) {
      throw new Error('item-knn artifact: userItemsPtr does not match userItems');
    }
    this.scratch = new Float32Array(items).fill(-Infinity);
    this.touched = new Int32Array(items);
  }

  knowsUser(userId: number): boolean {
    const u = this.catalog.userIndex.get(userId);
    return u !== undefined && this.userItemsPtr[u + 1] > this.userItemsPtr[u];
  }

  recommend(userId: number, k: number, exclude: ReadonlySet<string>, context?: UserContext): ScoredItem[] {
    let history: ArrayLike<number>;
    if (context?.history && context.history.length > 0) {
      history = this.catalog.indicesOf(context.history);
    } else {
      const u = this.catalog.userIndex.get(userId);
      if (u === undefined) return [];
      history = this.userItems.subarray(this.userItemsPtr[u], this.userItemsPtr[u + 1]);
    }
    if (history.length === 0) return [];
    // Sparse accumulation: only neighbours of history items are touched, then reset.
    const scores = this.scratch;
    const w = this.width;
    let touched = 0;
    for (let h = 0; h < history.length; h++) {
      const base = history[h] * w;
      for (let n = 0; n < w; n++) {
        const j = this.neighbours[base + n];
        if (j < 0) break;
        if (scores[j] === -Infinity) {
          scores[j] = 0;
          this.touched[touched++] = j;
        }
        scores[j] += this.similarities[base + n];
      }
    }
    const result = this.catalog.topK(scores, k, exclude);
    for (let t = 0; t < touched; t++) scores[this.touched[t]] = -Infinity;
    return result;
  }
}
