import { ArtifactContents, tensor } from '../artifact-format';
import { ScoredItem, Scorer, UserContext } from '../scorer';
import { ItemRanker, ItemRankerOptions } from '../kernels/item-ranker';
import type { RankerSource } from '../kernels/ranking-thread';
import { ArtifactCatalog } from './catalog';
import { UserVectorPaging, UserVectors } from './user-vectors';

/**
 * Matrix-factorisation scorer shared by SVD (Koren 2009: r̂ = μ + b_u + b_i + p_u·q_i)
 * and implicit ALS (Hu, Koren & Volinsky 2008: score = x_u·y_i). For ranking the
 * user-constant terms (μ, b_u) are dropped. Items without training data
 * (itemActive = 0) are never recommended.
 *
 * Unknown users with a history (context.history) are folded in: for ALS by a
 * few conjugate-gradient steps on the HKV normal equations using the stored
 * Gram matrix YᵀY, for SVD by averaging the history's item factors.
 */
export class FactorScorer implements Scorer {
  readonly modelType: string;
  readonly factors: number;
  private readonly catalog: ArtifactCatalog;
  /** The learned user factors: in memory, or paged to a private file at full scale (UserVectors). */
  private readonly userFactors: UserVectors;
  private readonly itemFactors: Float32Array;
  private readonly itemBias: Float32Array | null;
  /** Item term of the ranking score (SVD: b_i + γ·ln(1 + n_i)); defaults to itemBias. */
  private readonly rankingBias: Float32Array | null;
  private readonly userBias: Float32Array | null;
  private readonly itemActive: Int32Array;
  private readonly userActive: Int32Array;
  private readonly itemGram: Float32Array | null;
  private readonly globalMean: number;
  /** Only models trained on explicit ratings (SVD) predict them. */
  readonly predictsRatings: boolean;
  private readonly foldInConfidence: number;
  private readonly regularization: number;
  /** All-items ranking runs in the int8 WebAssembly SIMD kernel with exact re-scoring (the request path's hot loop). */
  private ranker: ItemRanker | null = null;
  private readonly userVector: Float32Array;

  /**
   * For serving: the ranking goes to serving's ranking thread when one is
   * given; otherwise the item quantization is done a slice at a time, so that
   * loading a full-scale model next to live traffic never holds the request
   * thread for more than a few milliseconds at once. With `paging`, a user
   * factor table larger than its threshold is read a row per request from a
   * private file, and nothing of the artifact's buffer is kept.
   */
  static async load(
    contents: ArtifactContents,
    options: ItemRankerOptions = { quantizeInSlices: true },
    paging?: UserVectorPaging | null,
  ): Promise<FactorScorer> {
    const userFactors = await UserVectors.ofArtifact(contents, 'userFactors', 'itemFactors', paging);
    const scorer = new FactorScorer(contents, { deferRanker: true, userFactors });
    scorer.ranker = await ItemRanker.create(scorer.rankerSource(), options);
    return scorer;
  }

  constructor(contents: ArtifactContents, options: { deferRanker?: boolean; userFactors?: UserVectors } = {}) {
    this.modelType = contents.manifest.modelType;
    this.catalog = new ArtifactCatalog(contents);
    const users = this.catalog.users;
    const items = this.catalog.items;
    const entry = contents.manifest.tensors.find((t) => t.name === 'itemFactors');
    this.factors = entry?.shape[1] ?? 0;
    const f = this.factors;
    this.userFactors =
      options.userFactors ?? UserVectors.inMemory(tensor(contents, 'userFactors', Float32Array, [users, f]), f);
    // With paged user factors the other tensors are copied out, so the artifact's whole buffer (mostly
    // the user factors) can be freed; in memory they stay views of it, as the user factors do.
    const own = <T extends Float32Array | Int32Array>(t: T): T => (this.userFactors.paged ? (t.slice() as T) : t);
    this.itemFactors = own(tensor(contents, 'itemFactors', Float32Array, [items, f]));
    this.itemActive = own(tensor(contents, 'itemActive', Int32Array, [items]));
    this.userActive = own(tensor(contents, 'userActive', Int32Array, [users]));
    const has = (name: string) => contents.tensors.has(name);
    this.itemBias = has('itemBias') ? own(tensor(contents, 'itemBias', Float32Array, [items])) : null;
    this.rankingBias = has('rankingBias') ? own(tensor(contents, 'rankingBias', Float32Array, [items])) : this.itemBias;
    this.userBias = has('userBias') ? own(tensor(contents, 'userBias', Float32Array, [users])) : null;
    this.itemGram = has('itemGram') ? own(tensor(contents, 'itemGram', Float32Array, [f, f])) : null;
    const extra = contents.manifest.extra ?? {};
    this.globalMean = Number(extra.globalMean ?? 0);
    this.predictsRatings = extra.predictsRatings === true;
    this.foldInConfidence = Number(extra.foldInConfidence ?? 1);
    this.regularization = Number(extra.regularization ?? 0.1);
    this.userVector = new Float32Array(f);
    if (!options.deferRanker) this.ranker = ItemRanker.inThread(this.rankerSource());
  }

  private rankerSource(): RankerSource {
    return { itemFactors: this.itemFactors, factors: this.factors, bias: this.rankingBias, active: this.itemActive };
  }

  private get items(): ItemRanker {
    if (!this.ranker) throw new Error('FactorScorer used before load() finished');
    return this.ranker;
  }

  knowsUser(userId: number): boolean {
    return this.indexOfKnownUser(userId) !== undefined;
  }

  /** Internal index of a user with training data (others have no learned factors). */
  private indexOfKnownUser(userId: number): number | undefined {
    const u = this.catalog.userIndex.get(userId);
    return u !== undefined && this.userActive[u] === 1 ? u : undefined;
  }

  /** Predicted explicit rating (SVD); NaN when the user or item is unknown. */
  predictRating(userId: number, movieId: string): number {
    const u = this.indexOfKnownUser(userId);
    const i = this.catalog.itemIndex.get(movieId);
    if (!this.predictsRatings || u === undefined || i === undefined) return NaN;
    const f = this.factors;
    const x = this.userFactors.row(u);
    let dot = 0;
    for (let k = 0; k < f; k++) dot += x[k] * this.itemFactors[i * f + k];
    return this.globalMean + (this.userBias?.[u] ?? 0) + (this.itemBias?.[i] ?? 0) + dot;
  }

  recommend(userId: number, k: number, exclude: ReadonlySet<string>, context?: UserContext): ScoredItem[] {
    const user = this.userVectorFor(userId, context);
    if (!user) return [];
    return this.catalog.toScored(this.items.topK(user, k, this.catalog.indicesOf(exclude)));
  }

  async recommendAsync(
    userId: number,
    k: number,
    exclude: ReadonlySet<string>,
    context?: UserContext,
  ): Promise<ScoredItem[]> {
    const user = this.userVectorFor(userId, context);
    if (!user) return [];
    // The vector is copied when the call is posted, so the shared fold-in buffer may be reused right after.
    return this.catalog.toScored(await this.items.topKAsync(user, k, this.catalog.indicesOf(exclude)));
  }

  /** The user's learned factors, or folded in from their history; null when neither is possible. */
  private userVectorFor(userId: number, context?: UserContext): Float32Array | null {
    const u = this.indexOfKnownUser(userId);
    // Paged, the row is a scratch buffer: used at once (ranked here, or copied when posted to the ranking thread).
    if (u !== undefined) return this.userFactors.row(u);
    const history = this.catalog.indicesOf(context?.history ?? []);
    return history.length === 0 ? null : this.foldIn(history);
  }

  private foldIn(history: number[]): Float32Array {
    const f = this.factors;
    const x = this.userVector;
    x.fill(0);
    const Y = this.itemFactors;
    if (!this.itemGram) {
      for (const i of history) for (let k = 0; k < f; k++) x[k] += Y[i * f + k] / history.length;
      return x;
    }
    // Solve (YᵀY + λI + Σ_h (c−1) y_h y_hᵀ) x = Σ_h c y_h by CG from x = 0.
    const c = this.foldInConfidence;
    const G = this.itemGram;
    const r = new Float64Array(f);
    for (const i of history) for (let k = 0; k < f; k++) r[k] += c * Y[i * f + k];
    const p = Float64Array.from(r);
    const ap = new Float64Array(f);
    let rsOld = dot64(r, r);
    for (let step = 0; step < Math.min(f, 8) && rsOld > 1e-12; step++) {
      for (let a = 0; a < f; a++) {
        let s = this.regularization * p[a];
        for (let b = 0; b < f; b++) s += G[a * f + b] * p[b];
        ap[a] = s;
      }
      for (const i of history) {
        let yp = 0;
        for (let k = 0; k < f; k++) yp += Y[i * f + k] * p[k];
        for (let k = 0; k < f; k++) ap[k] += (c - 1) * yp * Y[i * f + k];
      }
      const alpha = rsOld / dot64(p, ap);
      for (let k = 0; k < f; k++) {
        x[k] += alpha * p[k];
        r[k] -= alpha * ap[k];
      }
      const rsNew = dot64(r, r);
      for (let k = 0; k < f; k++) p[k] = r[k] + (rsNew / rsOld) * p[k];
      rsOld = rsNew;
    }
    return x;
  }
}

function dot64(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
