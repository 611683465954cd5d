/**
 * A set of movie ids held as codes into a shared, immutable table of ids
 * (serving's in-memory history index: one table for every user).
 *
 * Why: a request excludes the ~30 movies its user has seen. As a Set of
 * strings that costs a set built per request, then a hash lookup per movie
 * to find the model's item index. Through the codes, a model maps each movie
 * with one array read (ArtifactCatalog keeps a code → item index table per id
 * table). Every other reader sees an ordinary ReadonlySet, built on first use.
 */
export class CodedMovieSet implements ReadonlySet<string> {
  private set: Set<string> | null = null;

  constructor(
    /** Code → movie id; shared by every set coded against it and never changed. */
    readonly table: readonly string[],
    /** The members' codes. */
    readonly codes: Int32Array,
  ) {}

  get size(): number {
    return this.members().size;
  }

  has(movieId: string): boolean {
    return this.members().has(movieId);
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const id of this.members()) callback.call(thisArg, id, id, this);
  }

  entries(): SetIterator<[string, string]> {
    return this.members().entries();
  }

  keys(): SetIterator<string> {
    return this.members().keys();
  }

  values(): SetIterator<string> {
    return this.members().values();
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.members().values();
  }

  private members(): Set<string> {
    if (this.set === null) {
      this.set = new Set();
      for (const code of this.codes) this.set.add(this.table[code]);
    }
    return this.set;
  }
}
