import { ArtifactContents, tensor } from '../artifact-format';
import { ScoredItem, Scorer, UserContext } from '../scorer';
import { ItemRanker, ItemRankerOptions } from '../kernels/item-ranker';
import type { RankerSource } from '../kernels/ranking-thread';
import { ArtifactCatalog } from './catalog';
import { userFeatureNames } from './demographics';
import { UserVectorPaging, UserVectors } from './user-vectors';

/**
 * LightFM-style hybrid (Kula 2015): a user is the sum of the embeddings of
 * their features (id, age band, gender, occupation), an item the sum of its
 * features' embeddings (id, genres, year bucket, language). The artifact holds
 * the summed representations for known users and every catalog item, plus the
 * user feature embeddings so a new user is scored from their profile alone.
 */
export class HybridScorer implements Scorer {
  readonly modelType = 'hybrid';
  private readonly catalog: ArtifactCatalog;
  private readonly dim: number;
  /** Known users' summed representations: in memory, or paged to a private file at full scale (UserVectors). */
  private readonly userRepr: UserVectors;
  private readonly itemRepr: Float32Array;
  private readonly itemBias: Float32Array;
  private readonly userActive: Int32Array;
  private readonly userFeatureEmbeddings: Float32Array;
  private readonly userFeatureIndex: ReadonlyMap<string, number>;
  /** 'mean': a new user is the mean of their profile features' embeddings; 'sum' (older artifacts): their sum. */
  private readonly coldUserMean: boolean;
  private ranker: ItemRanker | null = null;
  private readonly coldUser: Float32Array;

  /** For serving: ranking on serving's ranking thread when one is given; `paging` as FactorScorer.load. */
  static async load(
    contents: ArtifactContents,
    options: ItemRankerOptions = {},
    paging?: UserVectorPaging | null,
  ): Promise<HybridScorer> {
    const userRepr = await UserVectors.ofArtifact(contents, 'userRepr', 'itemRepr', paging);
    const scorer = new HybridScorer(contents, { deferRanker: true, userRepr });
    scorer.ranker = await ItemRanker.create(scorer.rankerSource(), options);
    return scorer;
  }

  constructor(contents: ArtifactContents, options: { deferRanker?: boolean; userRepr?: UserVectors } = {}) {
    this.catalog = new ArtifactCatalog(contents);
    const entry = contents.manifest.tensors.find((t) => t.name === 'itemRepr');
    this.dim = entry?.shape[1] ?? 0;
    const names = (contents.manifest.extra?.userFeatures ?? []) as string[];
    this.userRepr =
      options.userRepr ??
      UserVectors.inMemory(tensor(contents, 'userRepr', Float32Array, [this.catalog.users, this.dim]), this.dim);
    // Paged: the other tensors are copied out so that the artifact's buffer can be freed (as FactorScorer).
    const own = <T extends Float32Array | Int32Array>(t: T): T => (this.userRepr.paged ? (t.slice() as T) : t);
    this.itemRepr = own(tensor(contents, 'itemRepr', Float32Array, [this.catalog.items, this.dim]));
    this.itemBias = own(tensor(contents, 'itemBias', Float32Array, [this.catalog.items]));
    this.userActive = own(tensor(contents, 'userActive', Int32Array, [this.catalog.users]));
    this.userFeatureEmbeddings = own(tensor(contents, 'userFeatureEmbeddings', Float32Array, [names.length, this.dim]));
    this.userFeatureIndex = new Map(names.map((name, i) => [name, i]));
    this.coldUserMean = contents.manifest.extra?.coldUser === 'mean';
    this.coldUser = new Float32Array(this.dim);
    if (!options.deferRanker) this.ranker = ItemRanker.inThread(this.rankerSource());
  }

  private rankerSource(): RankerSource {
    return { itemFactors: this.itemRepr, factors: this.dim, bias: this.itemBias, active: null };
  }

  private get items(): ItemRanker {
    if (!this.ranker) throw new Error('HybridScorer used before load() finished');
    return this.ranker;
  }

  knowsUser(userId: number): boolean {
    return this.indexOfKnownUser(userId) !== undefined;
  }

  private indexOfKnownUser(userId: number): number | undefined {
    const u = this.catalog.userIndex.get(userId);
    return u !== undefined && this.userActive[u] === 1 ? u : undefined;
  }

  recommend(userId: number, k: number, exclude: ReadonlySet<string>, context?: UserContext): ScoredItem[] {
    return this.catalog.toScored(
      this.items.topK(this.userVectorFor(userId, context), k, this.catalog.indicesOf(exclude)),
    );
  }

  async recommendAsync(
    userId: number,
    k: number,
    exclude: ReadonlySet<string>,
    context?: UserContext,
  ): Promise<ScoredItem[]> {
    const user = this.userVectorFor(userId, context);
    // The vector is copied when the call is posted, so the shared cold-user buffer may be reused right after.
    return this.catalog.toScored(await this.items.topKAsync(user, k, this.catalog.indicesOf(exclude)));
  }

  private userVectorFor(userId: number, context?: UserContext): Float32Array {
    const u = this.indexOfKnownUser(userId);
    const d = this.dim;
    // Paged, the row is a scratch buffer: used at once (ranked here, or copied when posted to the ranking thread).
    if (u !== undefined) return this.userRepr.row(u);
    // New user: sum (or mean, see coldUserMean) of the embeddings of the profile features we know.
    const user = this.coldUser;
    user.fill(0);
    let found = 0;
    for (const name of userFeatureNames(context?.profile)) {
      const f = this.userFeatureIndex.get(name);
      if (f === undefined) continue;
      found++;
      for (let k = 0; k < d; k++) user[k] += this.userFeatureEmbeddings[f * d + k];
    }
    if (this.coldUserMean && found > 1) for (let k = 0; k < d; k++) user[k] /= found;
    return user;
  }
}
