/**
 * Exposure mitigations as pure re-ranking functions over a model's candidate
 * list (best first). They import nothing from training or storage, so serving
 * may use them. Both keep every candidate (only the order changes): later
 * stages (content safety, padding, truncation) see the same items.
 */
export interface RankedItem {
  readonly movieId: string;
  readonly score: number;
}

/**
 * Exposure-aware re-ranking: score = rank utility (n − r)/n minus
 * strength · share/maxShare, where share is the item's recent exposure share.
 * strength 0 keeps the order; strength 1 lets the most exposed candidate
 * fall by up to the whole list. In the spirit of the exposure-penalised
 * re-rankers of Abdollahpouri et al. (2019, xQuAD for long-tail) and
 * Singh & Joachims (2018, fairness of exposure), kept deliberately simple.
 */
export function exposureRerank<T extends RankedItem>(
  items: readonly T[],
  shareOf: (movieId: string) => number,
  strength: number,
): T[] {
  const n = items.length;
  if (n < 2 || strength <= 0) return [...items];
  const shares = items.map((i) => Math.max(0, shareOf(i.movieId)));
  const maxShare = Math.max(...shares);
  if (maxShare <= 0) return [...items];
  return items
    .map((item, r) => ({ item, r, value: (n - r) / n - (strength * shares[r]) / maxShare }))
    .sort((a, b) => b.value - a.value || a.r - b.r)
    .map((x) => ({ ...x.item, score: x.value }));
}

/**
 * Exploration share: about ε·listLength of the shown slots (the fractional
 * part drawn, so the expected share is exactly ε) are filled with items from
 * `pool` at random positions; the displaced items move behind the shown
 * slots. Deterministic for a key (e.g. user and day), so a user sees a
 * stable list within a day and different exploration the next day.
 */
export function exploreRerank<T extends RankedItem>(
  items: readonly T[],
  pool: readonly T[],
  epsilon: number,
  listLength: number,
  key: string,
): T[] {
  const shown = items.slice(0, listLength);
  const present = new Set(items.slice(0, listLength).map((i) => i.movieId));
  const candidates = pool.filter((p) => !present.has(p.movieId));
  if (epsilon <= 0 || candidates.length === 0 || shown.length === 0) return [...items];
  const rng = keyedRandom(key);
  const expected = epsilon * shown.length;
  let slots = Math.floor(expected) + (rng() < expected - Math.floor(expected) ? 1 : 0);
  slots = Math.min(slots, shown.length, candidates.length);
  if (slots === 0) return [...items];
  const positions = Array.from({ length: shown.length }, (_, i) => i);
  const picks = [...candidates];
  for (let j = 0; j < slots; j++) {
    swap(positions, j, j + Math.floor(rng() * (positions.length - j)));
    swap(picks, j, j + Math.floor(rng() * (picks.length - j)));
  }
  const out = [...shown];
  const displaced: T[] = [];
  for (let j = 0; j < slots; j++) {
    displaced.push(out[positions[j]]);
    out[positions[j]] = picks[j];
  }
  const placed = new Set(out.map((i) => i.movieId));
  const rest = items.slice(listLength).filter((i) => !placed.has(i.movieId));
  return [...out, ...displaced, ...rest];
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** mulberry32 seeded by FNV-1a of the key: a small, fast, reproducible stream per key. */
export function keyedRandom(key: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Recent exposure shares with exponential forgetting (half-life counted in
 * lists). Weights grow instead of decaying (renormalised rarely), so
 * recording a list costs O(list length).
 */
export class ExposureTracker {
  private readonly counts = new Map<string, number>();
  private total = 0;
  private weight = 1;
  private readonly growth: number;

  constructor(halfLifeLists = 5_000) {
    this.growth = Math.pow(2, 1 / Math.max(1, halfLifeLists));
  }

  record(movieIds: Iterable<string>): void {
    for (const id of movieIds) {
      this.counts.set(id, (this.counts.get(id) ?? 0) + this.weight);
      this.total += this.weight;
    }
    this.weight *= this.growth;
    if (this.weight > 1e100) {
      for (const [id, c] of this.counts) this.counts.set(id, c / this.weight);
      this.total /= this.weight;
      this.weight = 1;
    }
  }

  share = (movieId: string): number => (this.total > 0 ? (this.counts.get(movieId) ?? 0) / this.total : 0);
}

export type RerankMode = 'none' | 'exposure' | 'explore';

export interface RerankSettings {
  readonly mode: RerankMode;
  /** exposure: penalty weight; explore: ε, the share of shown slots used for exploration. */
  readonly strength: number;
  /** Slots the user is shown (serving's LIST_LENGTH). */
  readonly listLength: number;
  readonly exposureHalfLifeLists?: number;
}

/**
 * The serving re-rank stage, framework-free (the feedback study runs this
 * exact code): exposure-aware re-ranking against the exposure it has itself
 * produced recently, or an exploration share filled from the deeper part of
 * the model's own candidate list (ranks listLength+1…), least exposed first
 * half, chosen by a random stream keyed by (user, UTC day).
 */
export class ServingReranker {
  readonly exposure: ExposureTracker;

  constructor(readonly settings: RerankSettings) {
    this.exposure = new ExposureTracker(settings.exposureHalfLifeLists);
  }

  apply<T extends RankedItem>(userId: number, items: readonly T[], now: number): T[] {
    const { mode, strength, listLength } = this.settings;
    let out: T[];
    if (mode === 'exposure') out = exposureRerank(items, this.exposure.share, strength);
    else if (mode === 'explore') {
      const deeper = [...items.slice(listLength)].sort(
        (a, b) => this.exposure.share(a.movieId) - this.exposure.share(b.movieId),
      );
      const pool = deeper.slice(0, Math.max(1, Math.ceil(deeper.length / 2)));
      out = exploreRerank(items, pool, strength, listLength, `${userId}:${Math.floor(now / 86_400_000)}`);
    } else out = [...items];
    if (mode !== 'none') this.exposure.record(out.slice(0, listLength).map((i) => i.movieId));
    return out;
  }
}
