import { MovieProfile } from '@lib/dataset';
import { auditServedLists } from './online-audit';

const movie = (id: string, genre: string): MovieProfile => ({
  id,
  genres: [genre],
  year: 2001,
  language: 'en',
  adult: false,
  runtime: 100,
});

describe('auditServedLists (live traffic)', () => {
  const movies = [movie('a', 'Drama'), movie('b', 'Drama'), movie('c', 'Comedy'), movie('d', 'Comedy')];
  const H = 3_600_000;

  it('counts exposure over served lists and attributes conversions within the window, per group', () => {
    const lists = [
      { userId: 1, at: 0, items: ['a', 'b'] },
      { userId: 1, at: 10 * H, items: ['a', 'c'] },
      { userId: 2, at: 0, items: ['a', 'b'] },
    ];
    const watches = [
      { userId: 1, movieId: 'b', at: 2 * H }, // converts the first list
      { userId: 1, movieId: 'c', at: 40 * H }, // too late for the second list (> 24 h)
      { userId: 2, movieId: 'd', at: H }, // not a listed movie
    ];
    const users = new Map([
      [1, { age: 30, gender: 'F' as const, occupation: 'writer' }],
      [2, { age: 50, gender: 'M' as const, occupation: 'writer' }],
    ]);
    const audit = auditServedLists(lists, watches, users, movies, { minGroupSize: 1 });
    expect(audit.lists).toBe(3);
    expect(audit.users).toBe(2);
    expect(audit.conversion).toBeCloseTo(1 / 3, 12);
    const gender = audit.conversionByGroup.gender;
    expect(gender.groups.map((g) => [g.group, g.mean])).toEqual([
      ['F', 0.5],
      ['M', 0],
    ]);
    expect(gender.gap).toBeCloseTo(0.5, 12);
    expect(audit.conversionByGroup.occupation.gap).toBe(0);
    // Exposure a:3, b:2, c:1, d:0 of 6 impressions.
    expect(audit.exposure.impressions).toBe(6);
    expect(audit.exposure.coverage).toBeCloseTo(0.75, 12);
    expect(audit.exposure.top10Share).toBeCloseTo(0.5, 12);
    const drama = audit.exposure.genres.find((g) => g.category === 'Drama');
    expect(drama?.exposureShare).toBeCloseTo(5 / 6, 12);
  });
});
