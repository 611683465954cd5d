import { ArtifactContents } from '../artifact-format';
import { ArtifactCatalog } from './catalog';
import { CodedMovieSet } from './coded-movie-set';

describe('CodedMovieSet', () => {
  // The history index's movie table: some movies this model knows, some it does not.
  const table = ['m10', 'm11', 'unknown-1', 'm12', 'm13', 'unknown-2'];
  const catalog = new ArtifactCatalog({
    manifest: {} as ArtifactContents['manifest'],
    ids: { users: [1, 2], items: ['m13', 'm12', 'm11', 'm10', 'm14'] },
    tensors: new Map(),
  });

  it('reads as an ordinary set of movie ids', () => {
    const set = new CodedMovieSet(table, Int32Array.from([0, 2, 4]));
    expect(set.size).toBe(3);
    expect(set.has('m10')).toBe(true);
    expect(set.has('m11')).toBe(false);
    expect([...set].sort()).toEqual(['m10', 'm13', 'unknown-1']);
    expect(new Set(set)).toEqual(new Set(['m10', 'unknown-1', 'm13']));
    const seen: string[] = [];
    set.forEach((id) => seen.push(id));
    expect(seen.sort()).toEqual(['m10', 'm13', 'unknown-1']);
  });

  it("maps to a model's item indices exactly as the same ids as strings do, skipping movies the model lacks", () => {
    for (const codes of [[0, 1, 2, 3, 4, 5], [5, 2], [], [3, 0]]) {
      const coded = new CodedMovieSet(table, Int32Array.from(codes));
      const plain = new Set(codes.map((c) => table[c]));
      expect(catalog.indicesOf(coded).sort()).toEqual(catalog.indicesOf(plain).sort());
    }
    expect(catalog.indicesOf(new CodedMovieSet(table, Int32Array.from([0, 4])))).toEqual([3, 0]);
  });

  it('keeps one code table per id table: a rebuilt history index (a new table) is mapped afresh', () => {
    const rebuilt = ['m14', 'm10'];
    expect(catalog.indicesOf(new CodedMovieSet(rebuilt, Int32Array.from([0, 1])))).toEqual([4, 3]);
    expect(catalog.indicesOf(new CodedMovieSet(table, Int32Array.from([0, 1])))).toEqual([3, 2]);
  });
});
