import { ArtifactContents } from '../artifact-format';
import { ScoredItem } from '../scorer';
import { TopK } from '../top-k';
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
    const out: number[] = [];
    for (const id of movieIds) {
      const index = this.itemIndex.get(id);
      if (index !== undefined) out.push(index);
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
    const { items, scores: best } = heap.drain();
    const out: ScoredItem[] = new Array(items.length);
    for (let r = 0; r < items.length; r++) out[r] = { movieId: this.itemIds[items[r]], score: best[r] };
    return out;
  }
}

/**
 * scores[i] = bias[i] + ⟨user, items[i]⟩ for every item: the hot loop of the
 * factor models, a Float32Array dot product unrolled 4-way.
 */
export function scoreAllItems(
  user: Float32Array,
  items: Float32Array,
  factors: number,
  bias: Float32Array | null,
  out: Float32Array,
): void {
  const n = out.length;
  const f4 = factors - (factors % 4);
  for (let i = 0; i < n; i++) {
    const base = i * factors;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let f = 0;
    for (; f < f4; f += 4) {
      s0 += user[f] * items[base + f];
      s1 += user[f + 1] * items[base + f + 1];
      s2 += user[f + 2] * items[base + f + 2];
      s3 += user[f + 3] * items[base + f + 3];
    }
    for (; f < factors; f++) s0 += user[f] * items[base + f];
    out[i] = s0 + s1 + s2 + s3 + (bias === null ? 0 : bias[i]);
  }
}

/** Items with no training data get −∞ so they are never recommended by a model that cannot score them. */
export function maskInactive(scores: Float32Array, active: Int32Array | null): void {
  if (!active) return;
  for (let i = 0; i < scores.length; i++) if (active[i] === 0) scores[i] = -Infinity;
}
