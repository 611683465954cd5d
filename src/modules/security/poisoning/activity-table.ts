/**
 * What the shilling detectors read: every account's ratings (with times), the
 * set of movies each account actually watched, and when each account was
 * created. Columnar and index-based so the detectors are plain loops; the
 * builder maps external ids (user id, movie id) to dense indices.
 *
 * Built either from stream lines (the poisoning report, via the service's own
 * parser) or from the store (PoisoningScanService). Knows nothing of either.
 */
export interface ActivityTable {
  /** Dense user index → external user id. */
  readonly userIds: readonly number[];
  /** Dense item index → external movie id. */
  readonly movieIds: readonly string[];
  /** One row per (user, movie) rating: the latest value and its time. */
  readonly ratingUser: Int32Array;
  readonly ratingItem: Int32Array;
  readonly ratingValue: Float32Array;
  readonly ratingAt: Float64Array;
  /** Per user: distinct movies watched (any minute streamed). */
  readonly watched: readonly ReadonlySet<number>[];
  /** Per user: account creation time (epoch ms); NaN when the account predates what we know. */
  readonly accountCreatedAt: Float64Array;
  readonly ratingScaleMax: number;
}

export class ActivityTableBuilder {
  private readonly userIndex = new Map<number, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly userIds: number[] = [];
  private readonly movieIds: string[] = [];
  private readonly watched: Set<number>[] = [];
  private readonly created: number[] = [];
  /** key user * 2^21 + item → [value, at]; the latest rating wins. */
  private readonly ratings = new Map<number, [number, number]>();

  constructor(private readonly ratingScaleMax: number) {}

  user(userId: number): number {
    let u = this.userIndex.get(userId);
    if (u === undefined) {
      u = this.userIds.length;
      this.userIndex.set(userId, u);
      this.userIds.push(userId);
      this.watched.push(new Set());
      this.created.push(NaN);
    }
    return u;
  }

  item(movieId: string): number {
    let i = this.itemIndex.get(movieId);
    if (i === undefined) {
      i = this.movieIds.length;
      if (i >= 1 << 21) throw new RangeError('ActivityTableBuilder holds at most 2^21 movies');
      this.itemIndex.set(movieId, i);
      this.movieIds.push(movieId);
    }
    return i;
  }

  account(userId: number, at: number): this {
    const u = this.user(userId);
    if (!(this.created[u] <= at)) this.created[u] = at;
    return this;
  }

  watch(userId: number, movieId: string): this {
    this.watched[this.user(userId)].add(this.item(movieId));
    return this;
  }

  rate(userId: number, movieId: string, value: number, at: number): this {
    const key = this.user(userId) * 2 ** 21 + this.item(movieId);
    const previous = this.ratings.get(key);
    if (!previous || previous[1] <= at) this.ratings.set(key, [value, at]);
    return this;
  }

  build(): ActivityTable {
    const n = this.ratings.size;
    const ratingUser = new Int32Array(n);
    const ratingItem = new Int32Array(n);
    const ratingValue = new Float32Array(n);
    const ratingAt = new Float64Array(n);
    let k = 0;
    for (const [key, [value, at]] of this.ratings) {
      ratingUser[k] = Math.floor(key / 2 ** 21);
      ratingItem[k] = key % 2 ** 21;
      ratingValue[k] = value;
      ratingAt[k] = at;
      k++;
    }
    return {
      userIds: this.userIds,
      movieIds: this.movieIds,
      ratingUser,
      ratingItem,
      ratingValue,
      ratingAt,
      watched: this.watched,
      accountCreatedAt: Float64Array.from(this.created),
      ratingScaleMax: this.ratingScaleMax,
    };
  }
}
