import { CodedMovieSet, positionInSorted } from '@lib/artifacts';
import { UserHistory, watchedToTheEnd } from './user-history';

/** How many distinct recent movies a history carries (fold-in for users a model does not know). */
export const RECENT_MOVIES = 50;

/** One watch or rating of a user, as the store holds it; rows of a user arrive most recent first. */
export interface HistoryRow {
  readonly movieId: string;
  readonly kind: 'watch' | 'rating';
  /** Watch: minutes watched (highest minute + 1); rating: null. */
  readonly minutes: number | null;
  /** The movie's runtime in minutes, when the catalog knows it. */
  readonly runtime: number | null;
}

export type UserProfileFields = NonNullable<UserHistory['profile']>;

/**
 * The one definition of what serving derives from a user's stored rows, used
 * by the per-request SQL path and the in-memory index alike: exclude what was
 * rated or watched to the end; `recent` is the distinct movies, most recent first.
 */
export function historyFromRows(profile: UserProfileFields | null, rows: readonly HistoryRow[]): UserHistory {
  const exclude = new Set<string>();
  const recent: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (row.kind === 'rating' || watchedToTheEnd(row.minutes ?? 0, row.runtime)) exclude.add(row.movieId);
    if (!seen.has(row.movieId)) {
      seen.add(row.movieId);
      if (recent.length < RECENT_MOVIES) recent.push(row.movieId);
    }
  }
  return { profile, exclude, recent };
}

const NO_AGE = -32_768;
const GENDER_CODES: Record<string, number> = { M: 1, F: 2 };
const GENDERS: readonly ('M' | 'F' | null)[] = [null, 'M', 'F'];

/**
 * Every user's history in a few typed arrays, so a request reads it from
 * memory instead of asking PostgreSQL: at full scale (1M users, ~33 rows
 * each) that is about 130 MB that the garbage collector never traverses,
 * where the same data as Sets and strings would be gigabytes of small objects.
 *
 * Layout: users sorted by id (binary search); per user a slice of `entries`,
 * one per distinct movie, most recent first, each `movieIndex << 1 | excluded`.
 * Immutable once built; a newer index replaces it whole.
 */
export class UserHistoryIndex {
  constructor(
    private readonly userIds: Int32Array,
    /** starts[u]..starts[u+1] is user u's slice of entries (length users + 1). */
    private readonly starts: Int32Array,
    /** Uint16 when every movie code fits 15 bits (the full-scale catalog, 27,000 movies): half the bytes. */
    private readonly entries: Int32Array | Uint16Array,
    private readonly movies: readonly string[],
    private readonly ages: Int16Array,
    private readonly genders: Uint8Array,
    private readonly occupations: Uint16Array,
    private readonly occupationNames: readonly string[],
    private readonly hasProfile: Uint8Array,
  ) {}

  get users(): number {
    return this.userIds.length;
  }

  get rows(): number {
    return this.starts[this.userIds.length] ?? 0;
  }

  /** Approximate bytes held (for the memory gauge). */
  get bytes(): number {
    return (
      this.userIds.byteLength +
      this.starts.byteLength +
      this.entries.byteLength +
      this.ages.byteLength +
      this.genders.byteLength +
      this.occupations.byteLength +
      this.hasProfile.byteLength +
      this.movies.length * 64
    );
  }

  /** The user's history, or undefined when the index has never seen the user. */
  lookup(userId: number): UserHistory | undefined {
    const u = positionInSorted(this.userIds, userId);
    if (u < 0) return undefined;
    const start = this.starts[u];
    const end = this.starts[u + 1];
    let excluded = 0;
    for (let e = start; e < end; e++) excluded += this.entries[e] & 1;
    const codes = new Int32Array(excluded);
    const recent: string[] = [];
    for (let e = start, c = 0; e < end; e++) {
      const entry = this.entries[e];
      if (entry & 1) codes[c++] = entry >>> 1;
      if (recent.length < RECENT_MOVIES) recent.push(this.movies[entry >>> 1]);
    }
    // Codes into the index's movie table: a model maps them to its items without hashing ids.
    const exclude = new CodedMovieSet(this.movies, codes);
    const profile: UserProfileFields | null = this.hasProfile[u]
      ? {
          age: this.ages[u] === NO_AGE ? null : this.ages[u],
          gender: GENDERS[this.genders[u]],
          occupation: this.occupations[u] === 0 ? null : this.occupationNames[this.occupations[u]],
        }
      : null;
    return { profile, exclude, recent };
  }
}

/** Grows a typed array by doubling; `view()` is the filled prefix. */
class Growable<T extends Int32Array | Int16Array | Uint8Array | Uint16Array> {
  length = 0;
  constructor(
    private data: T,
    private readonly make: (n: number) => T,
  ) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(Math.max(16, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  or(at: number, bits: number): void {
    this.data[at] |= bits;
  }

  /** A right-sized copy (the doubling slack is not kept for the index's lifetime). */
  build(): T {
    return this.data.slice(0, this.length) as T;
  }

  /** build() into another element type (values must fit it). */
  buildAs<U extends Int32Array | Uint16Array>(make: (n: number) => U): U {
    const out = make(this.length);
    out.set(this.data.subarray(0, this.length));
    return out;
  }
}

/** Builds a UserHistoryIndex from users added in increasing id order. */
export class UserHistoryIndexBuilder {
  private readonly userIds = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly starts = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly entries = new Growable(new Int32Array(1 << 16), (n) => new Int32Array(n));
  private readonly ages = new Growable(new Int16Array(1024), (n) => new Int16Array(n));
  private readonly genders = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  private readonly occupations = new Growable(new Uint16Array(1024), (n) => new Uint16Array(n));
  private readonly hasProfile = new Growable(new Uint8Array(1024), (n) => new Uint8Array(n));
  private readonly movies: string[] = [];
  private readonly movieIndex = new Map<string, number>();
  /** Runtime per movie code (NaN: unknown). */
  private runtimes: Float64Array;
  private readonly occupationNames: string[] = [''];
  private readonly occupationIndex = new Map<string, number>();
  /** Per-user dedupe without a Map: slotOwner[code] === current user's ordinal ⇒ slotAt[code] is its entry. */
  private slotOwner: Int32Array;
  private slotAt: Int32Array;
  private lastUserId = -Infinity;

  /**
   * @param catalog movies known up front, with runtimes: they get codes 0..n−1 in
   *   this order, so a loader can send codes instead of ids (addCodedRow)
   */
  constructor(catalog: readonly (readonly [string, number | null])[] = []) {
    this.runtimes = new Float64Array(Math.max(16, catalog.length));
    this.slotOwner = new Int32Array(this.runtimes.length).fill(-1);
    this.slotAt = new Int32Array(this.runtimes.length);
    for (const [movieId, runtime] of catalog) this.movieCode(movieId, runtime);
  }

  /** Adds one user; `rows` most recent first (the order historyFromRows expects). */
  add(userId: number, profile: UserProfileFields | null, rows: readonly HistoryRow[]): void {
    this.beginUser(userId, profile);
    for (const row of rows) this.addRow(row.movieId, row.kind === 'rating' ? null : row.minutes, row.runtime);
  }

  /** Starts the next user (ids strictly increasing); their rows follow, most recent first. */
  beginUser(userId: number, profile: UserProfileFields | null): void {
    if (!(userId > this.lastUserId) || !Number.isInteger(userId) || userId > 0x7fffffff || userId < -0x80000000) {
      throw new Error(`users must be added in increasing id order (got ${userId} after ${this.lastUserId})`);
    }
    this.lastUserId = userId;
    this.userIds.push(userId);
    this.starts.push(this.entries.length);
    this.hasProfile.push(profile ? 1 : 0);
    this.ages.push(profile?.age ?? NO_AGE);
    this.genders.push(profile?.gender ? (GENDER_CODES[profile.gender] ?? 0) : 0);
    this.occupations.push(profile?.occupation ? this.occupationCode(profile.occupation) : 0);
  }

  /** One row of the current user: a watch (`minutes` watched) or, with `minutes` null, a rating. */
  addRow(movieId: string, minutes: number | null, runtime: number | null): void {
    this.addCodedRow(this.movieCode(movieId, runtime), minutes);
  }

  /** addRow for a movie of the constructor's catalog, by its position there. */
  addCodedRow(movie: number, minutes: number | null): void {
    if (!(movie >= 0 && movie < this.movies.length)) throw new Error(`unknown movie code ${movie}`);
    const runtime = this.runtimes[movie];
    const excluded = minutes === null || watchedToTheEnd(minutes, Number.isNaN(runtime) ? null : runtime) ? 1 : 0;
    const user = this.userIds.length - 1;
    if (this.slotOwner[movie] !== user) {
      this.slotOwner[movie] = user;
      this.slotAt[movie] = this.entries.length;
      this.entries.push((movie << 1) | excluded);
    } else if (excluded) {
      this.entries.or(this.slotAt[movie], 1);
    }
  }

  build(): UserHistoryIndex {
    this.starts.push(this.entries.length);
    return new UserHistoryIndex(
      this.userIds.build(),
      this.starts.build(),
      // An entry is `movie << 1 | excluded`: with fewer than 2^15 movies it fits 16 bits.
      this.movies.length <= 0x8000
        ? this.entries.buildAs((n) => new Uint16Array(n))
        : this.entries.buildAs((n) => new Int32Array(n)),
      this.movies,
      this.ages.build(),
      this.genders.build(),
      this.occupations.build(),
      this.occupationNames,
      this.hasProfile.build(),
    );
  }

  /** The movie's code; a movie seen for the first time gets the next one, with `runtime`. */
  private movieCode(movieId: string, runtime: number | null): number {
    let code = this.movieIndex.get(movieId);
    if (code === undefined) {
      // Entries keep the movie index in 31 bits beside the excluded flag.
      if (this.movies.length >= 0x3fffffff) throw new Error('too many distinct movies for the history index');
      code = this.movies.length;
      this.movies.push(movieId);
      this.movieIndex.set(movieId, code);
      if (code >= this.runtimes.length) this.growMovies(code * 2);
      this.runtimes[code] = runtime ?? NaN;
    }
    return code;
  }

  private growMovies(size: number): void {
    const runtimes = new Float64Array(size);
    runtimes.set(this.runtimes);
    const owner = new Int32Array(size).fill(-1);
    owner.set(this.slotOwner);
    const at = new Int32Array(size);
    at.set(this.slotAt);
    this.runtimes = runtimes;
    this.slotOwner = owner;
    this.slotAt = at;
  }

  private occupationCode(name: string): number {
    let code = this.occupationIndex.get(name);
    if (code === undefined) {
      if (this.occupationNames.length >= 0xffff) return 0;
      code = this.occupationNames.length;
      this.occupationNames.push(name);
      this.occupationIndex.set(name, code);
    }
    return code;
  }
}
