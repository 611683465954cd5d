import { genreNames, releaseYear, userProfileOf } from './catalog-profiles';

describe('catalog profiles', () => {
  it('reads genre names from {id, name} objects, plain names, or a JSON text of either', () => {
    expect(
      genreNames([
        { id: 18, name: 'Drama' },
        { id: 80, name: 'Crime' },
      ]),
    ).toEqual(['Drama', 'Crime']);
    expect(genreNames(['Horror', 'Sci-Fi'])).toEqual(['Horror', 'Sci-Fi']);
    expect(genreNames('[{"id":1,"name":"Crime"},"Drama"]')).toEqual(['Crime', 'Drama']);
    expect(genreNames([{ id: 1 }, '', null, { name: 'Western' }])).toEqual(['Western']);
    expect(genreNames(null)).toEqual([]);
    expect(genreNames({ name: 'Drama' })).toEqual([]);
  });

  it('takes the year of a release date', () => {
    expect(releaseYear('1995-12-15')).toBe(1995);
    expect(releaseYear('1995')).toBe(1995);
    expect(releaseYear('unknown')).toBeNull();
    expect(releaseYear(null)).toBeNull();
  });

  it('keeps M and F and reads any other gender as unknown', () => {
    expect(userProfileOf({ age: 30, gender: 'F', occupation: 'writer' })).toEqual({
      age: 30,
      gender: 'F',
      occupation: 'writer',
    });
    expect(userProfileOf({ age: null, gender: 'x', occupation: null })).toEqual({
      age: null,
      gender: null,
      occupation: null,
    });
  });
});
