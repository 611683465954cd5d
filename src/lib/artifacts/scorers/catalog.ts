import { ArtifactContents } from '../artifact-format';
import { ScoredItem } from '../scorer';
import { RankedIndices } from '../kernels/quantized-top-k';
import { TopK } from '../top-k';
import { CodedMovieSet } from './coded-movie-set';
import { UserIdIndex } from './user-id-index';

/**
 * Id ↔ index maps and per-request scratch buffers shared by every scorer.
 * Scorers are synchronous, so one set of buffers per loaded model suffices.
 */
export class ArtifactCatalog {
  readonly itemIds: readonly string[];
  readonly itemIndex: ReadonlyMap<string, number>;
  readonly userIndex: UserIdIndex;
  readonly items: number;
  readonly users: number;
  private readonly excluded: Uint8Array;
  private readonly heap = new TopK(1000);
  /** Per id table of CodedMovieSets (one per history index): code → this model's item index, −1 unknown. */
  private readonly codedTables = new WeakMap<readonly string[], Int32Array>();

  constructor(contents: ArtifactContents) {
    this.itemIds = contents.ids.items;
    this.items = contents.ids.items.length;
    this.users = contents.ids.users.length;
    this.itemIndex = new Map(contents.ids.items.map((id, i) => [id, i]));
    this.userIndex = new UserIdIndex(contents.ids.users);
    this.excluded = new Uint8Array(this.items);
  }

  /** Internal indices of the given movie ids that this model knows. */
  indicesOf(movieIds: Iterable<string>): number[] {
    if (movieIds instanceof CodedMovieSet) return this.indicesOfCodes(movieIds);
    const out: number[] = [];
    for (const id of movieIds) {
      const index = this.itemIndex.get(id);
      if (index !== undefined) out.push(index);
    }
    return out;
  }

  private indicesOfCodes(set: CodedMovieSet): number[] {
    let itemOf = this.codedTables.get(set.table);
    if (itemOf === undefined) {
      // Built once per model and id table (~27,000 lookups, a few ms), then one array read per movie.
      itemOf = new Int32Array(set.table.length);
      for (let code = 0; code < itemOf.length; code++) itemOf[code] = this.itemIndex.get(set.table[code]) ?? -1;
      this.codedTables.set(set.table, itemOf);
    }
    const out: number[] = [];
    for (const code of set.codes) {
      const index = itemOf[code];
      if (index >= 0) out.push(index);
    }
    return out;
  }

  /**
   * Ranks items by `scores` (NaN / −∞ = not recommendable), skipping `exclude`,
   * with a partial top-k heap; never sorts the catalog.
   */
  topK(scores: Float32Array, k: number, exclude: ReadonlySet<string>): ScoredItem[] {
    const limit = Math.min(k, this.items, 1000);
    if (limit <= 0) return [];
    const marked = this.indicesOf(exclude);
    for (const i of marked) this.excluded[i] = 1;
    const heap = this.heap;
    heap.reset();
    const excluded = this.excluded;
    let floor = -Infinity;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (s >= floor && s > -Infinity && excluded[i] === 0) {
        heap.push(i, s, limit);
        floor = heap.threshold(limit);
      }
    }
    for (const i of marked) this.excluded[i] = 0;
    return this.toScored(heap.drain());
  }

  /** Movie ids for ranked internal indices. */
  toScored({ items, scores }: RankedIndices): ScoredItem[] {
    const out: ScoredItem[] = new Array(items.length);
    for (let r = 0; r < items.length; r++) out[r] = { movieId: this.itemIds[items[r]], score: scores[r] };
    return out;
  }
}
