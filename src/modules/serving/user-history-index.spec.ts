import { createRng } from '@lib/training';
import { addRange } from './history-index.service';
import { HistoryRow, historyFromRows, UserHistoryIndexBuilder, UserProfileFields } from './user-history-index';

/** A movie's runtime is the catalog's (some unknown). */
const runtimeOf = (movie: number): number | null => (movie % 10 === 0 ? null : 80 + ((movie * 37) % 70));

function randomRows(next: () => number, count: number, movies: number): HistoryRow[] {
  return Array.from({ length: count }, () => {
    const rating = next() < 0.3;
    const movie = Math.floor(next() * movies);
    return {
      movieId: `m${movie}`,
      kind: rating ? ('rating' as const) : ('watch' as const),
      minutes: rating ? null : Math.floor(next() * 150),
      runtime: runtimeOf(movie),
    };
  });
}

describe('UserHistoryIndex', () => {
  it('answers exactly what the per-request SQL path derives from the same rows', () => {
    const rng = createRng(7);
    const next = (): number => rng.next();
    // Half the movies are in the catalog up front (coded rows), the rest arrive by id.
    const builder = new UserHistoryIndexBuilder(Array.from({ length: 30 }, (_, m) => [`m${m}`, runtimeOf(m)] as const));
    const expected = new Map<number, ReturnType<typeof historyFromRows>>();
    const occupations = ['engineer', 'writer', 'K-12 student'];
    let userId = 0;
    for (let u = 0; u < 400; u++) {
      userId += 1 + Math.floor(next() * 5);
      // Repeats of the same movie (a watch and a rating of it) must merge; 70+ rows exercise the 50-movie cap.
      const rows = randomRows(next, Math.floor(next() * 80), 60);
      const profile: UserProfileFields | null =
        next() < 0.2
          ? null
          : {
              age: next() < 0.1 ? null : 10 + Math.floor(next() * 60),
              gender: next() < 0.1 ? null : next() < 0.5 ? 'M' : 'F',
              occupation: next() < 0.1 ? null : occupations[Math.floor(next() * occupations.length)],
            };
      builder.beginUser(userId, profile);
      for (const row of rows) {
        const movie = Number(row.movieId.slice(1));
        const minutes = row.kind === 'rating' ? null : row.minutes;
        if (movie < 30 && next() < 0.5) builder.addCodedRow(movie, minutes);
        else builder.addRow(row.movieId, minutes, row.runtime);
      }
      expected.set(userId, historyFromRows(profile, rows));
    }
    const index = builder.build();
    expect(index.users).toBe(400);
    for (const [id, want] of expected) {
      const got = index.lookup(id);
      expect(got).toBeDefined();
      expect(got!.profile).toEqual(want.profile);
      expect([...got!.exclude].sort()).toEqual([...want.exclude].sort());
      expect(got!.recent).toEqual(want.recent);
    }
    expect(index.lookup(0)).toBeUndefined();
    expect(index.lookup(userId + 1)).toBeUndefined();
  });

  it('excludes a movie once it was rated or watched to the end, whatever the order of its rows', () => {
    const builder = new UserHistoryIndexBuilder();
    builder.add(1, null, [
      { movieId: 'a', kind: 'watch', minutes: 10, runtime: 100 },
      { movieId: 'b', kind: 'watch', minutes: 95, runtime: 100 },
      { movieId: 'a', kind: 'rating', minutes: null, runtime: null },
      { movieId: 'c', kind: 'watch', minutes: 61, runtime: null },
      { movieId: 'd', kind: 'watch', minutes: 59, runtime: null },
    ]);
    const history = builder.build().lookup(1)!;
    expect([...history.exclude].sort()).toEqual(['a', 'b', 'c']);
    expect(history.recent).toEqual(['a', 'b', 'c', 'd']);
    expect(history.profile).toBeNull();
  });

  it('keeps entries in 16 bits up to 2^15 movies and in 32 bits beyond, with the same lookups', () => {
    for (const movies of [0x8000, 0x8001]) {
      const builder = new UserHistoryIndexBuilder(Array.from({ length: movies }, (_, m) => [`m${m}`, 100] as const));
      builder.beginUser(1, null);
      builder.addCodedRow(movies - 1, null);
      builder.addCodedRow(movies - 2, 10);
      builder.addCodedRow(0, 99);
      const index = builder.build();
      const history = index.lookup(1)!;
      expect([...history.exclude].sort()).toEqual([`m${movies - 1}`, 'm0'].sort());
      expect(history.recent).toEqual([`m${movies - 1}`, `m${movies - 2}`, 'm0']);
    }
  });

  it('refuses users out of id order (the lookup is a binary search)', () => {
    const builder = new UserHistoryIndexBuilder();
    builder.add(5, null, []);
    expect(() => builder.add(5, null, [])).toThrow(/increasing id order/);
    expect(() => builder.add(3, null, [])).toThrow(/increasing id order/);
  });

  it('merges a range of profiles and rows: users with only one of them are kept', () => {
    const builder = new UserHistoryIndexBuilder([
      ['x', 100],
      ['y', 100],
      ['z', 100],
    ]);
    const added = addRange(builder, {
      profiles: [
        [1, 30, 'F', null],
        [4, 15, 'M', 'K-12 student'],
      ],
      rows: [
        [2, 0, null, 100],
        [4, 1, null, 95],
        [4, 2, null, 50],
        [4, null, 'w', null],
      ],
    });
    expect(added).toBe(3);
    const index = builder.build();
    const one = index.lookup(1)!;
    expect({ ...one, exclude: new Set(one.exclude) }).toEqual({
      profile: { age: 30, gender: 'F', occupation: null },
      exclude: new Set(),
      recent: [],
    });
    expect(index.lookup(2)!.profile).toBeNull();
    expect(index.lookup(4)!.recent).toEqual(['y', 'z', 'w']);
    // Runtimes come from the catalog: 95 of 100 minutes is the end, 50 is not; a rating always excludes.
    expect([...index.lookup(4)!.exclude].sort()).toEqual(['w', 'y']);
    expect(index.lookup(4)!.profile!.age).toBe(15);
    expect(index.lookup(3)).toBeUndefined();
  });
});
