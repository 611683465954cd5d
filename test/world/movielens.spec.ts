import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  cleanMovieLensTitle,
  movieLensCatalog,
  movieLensRatingLines,
  movieLensUsers,
  starsToRating,
} from '@world/movielens/movielens-import';
import { parseCsvRow, readMovieLens } from '@lib/movielens';
import { RATE } from './stream-format';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'marquee-movielens-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fixture(name: string, files: Record<string, string | Buffer>): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return dir;
}

describe('MovieLens titles and ratings', () => {
  it('turns MovieLens titles into platform titles and slugs', () => {
    expect(cleanMovieLensTitle('Shawshank Redemption, The (1994)')).toEqual({
      title: 'The Shawshank Redemption',
      year: 1994,
    });
    expect(cleanMovieLensTitle('City of Lost Children, The (Cité des enfants perdus, La) (1995)')).toEqual({
      title: 'The City of Lost Children',
      year: 1995,
    });
    expect(cleanMovieLensTitle('Misérables, Les (1995)')).toEqual({ title: 'Les Misérables', year: 1995 });
    expect(cleanMovieLensTitle('Black Mirror')).toEqual({ title: 'Black Mirror', year: null });
    expect(cleanMovieLensTitle('Babylon 5 (1994-1998)').year).toBe(1994);
  });

  it('maps half stars onto the deployment scale', () => {
    expect([0.5, 1, 2.5, 3.5, 4.5, 5].map((s) => starsToRating(s, 5))).toEqual([1, 1, 3, 4, 5, 5]);
    expect([0.5, 1, 2.5, 5].map((s) => starsToRating(s, 10))).toEqual([1, 2, 5, 10]);
  });

  it('parses quoted CSV fields', () => {
    expect(parseCsvRow('11,"American President, The (1995)",Comedy|Drama|Romance')).toEqual([
      '11',
      'American President, The (1995)',
      'Comedy|Drama|Romance',
    ]);
    expect(parseCsvRow('1,"Say ""Hi"" (2001)",Comedy')).toEqual(['1', 'Say "Hi" (2001)', 'Comedy']);
    expect(parseCsvRow('1,"unterminated,Comedy')).toBeNull();
  });
});

describe('MovieLens readers', () => {
  it('reads ml-latest / ml-25m CSV files, reporting malformed rows with line numbers', async () => {
    const dir = fixture('ml-latest', {
      'movies.csv': [
        'movieId,title,genres',
        '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy',
        '2,"American President, The (1995)",Comedy|Drama|Romance',
        '3,Black Mirror,(no genres listed)',
        'x,Broken (2000),Drama',
        '4,"Unterminated (2001),Drama',
      ].join('\n'),
      // Quoted fields are valid CSV in every file (one reader for movies, links and ratings).
      'links.csv': 'movieId,imdbId,tmdbId\n1,0114709,862\n"2","0112346","9087"\n3,,\n',
      'ratings.csv': [
        'userId,movieId,rating,timestamp',
        '1,1,4.0,964982703',
        '1,2,3.5,964981247',
        '2,3,5.0,1445714835',
        '2,1,seven,964982931',
        '3,99,4.0,964982931',
        '3,1,4.0',
        '3,2,0.0,964982931',
        '',
        '4,1,2.5,964982224',
        '"4","2","3.0","964982225"',
      ].join('\r\n'),
    });
    const data = await readMovieLens(dir);
    expect(data.format).toBe('csv');
    expect(data.movies.size).toBe(3);
    expect(data.ratings.length).toBe(5);
    expect(data.movies.get(2)).toMatchObject({ imdbId: 'tt0112346', tmdbId: 9087 });
    expect(data.issues.map((i) => `${i.file}:${i.line}`)).toEqual([
      'movies.csv:5',
      'movies.csv:6',
      'ratings.csv:5',
      'ratings.csv:6',
      'ratings.csv:7',
      'ratings.csv:8',
    ]);
    expect(data.issues[3].reason).toMatch(/unknown movie id 99/);

    const { movies, slugOf } = movieLensCatalog(data);
    expect(movies.map((m) => m.id)).toEqual(['toy+story+1995', 'the+american+president+1995', 'black+mirror+']);
    expect(movies[0]).toMatchObject({
      tmdb_id: 862,
      imdb_id: 'tt0114709',
      title: 'Toy Story',
      vote_count: 2,
      genres: [
        { id: 12, name: 'Adventure' },
        { id: 16, name: 'Animation' },
        { id: 10751, name: 'Family' },
        { id: 35, name: 'Comedy' },
        { id: 14, name: 'Fantasy' },
      ],
    });
    expect(movies[2].genres).toEqual([]);
    const lines = [...movieLensRatingLines(data, slugOf)];
    // Timestamp order, original times, stream format.
    expect(lines).toEqual([
      '2000-07-30T18:20:47,1,GET /rate/the+american+president+1995=4',
      '2000-07-30T18:37:04,4,GET /rate/toy+story+1995=3',
      '2000-07-30T18:37:05,4,GET /rate/the+american+president+1995=3',
      '2000-07-30T18:45:03,1,GET /rate/toy+story+1995=4',
      '2015-10-24T19:27:15,2,GET /rate/black+mirror+=5',
    ]);
    for (const line of lines) expect(line).toMatch(RATE);
    expect(movieLensUsers(data)).toEqual(
      [1, 2, 4].map((id) => ({ user_id: id, age: null, occupation: null, gender: null })),
    );
  });

  it('reads ml-1m .dat files (Latin-1) with user profiles', async () => {
    const dir = fixture('ml-1m', {
      'movies.dat': Buffer.from(
        [
          "1::Toy Story (1995)::Animation|Children's|Comedy",
          '2::City of Lost Children, The (Cité des enfants perdus, La) (1995)::Adventure|Sci-Fi',
          '3::Missing genres (1996)',
        ].join('\n'),
        'latin1',
      ),
      'users.dat': ['1::F::1::10::48067', '2::M::56::16::70072', '3::X::25::15::55117'].join('\n'),
      'ratings.dat': ['1::1::5::978300760', '2::2::3::978298413', '2::1::9::978298413', '1::2::4'].join('\n'),
    });
    const data = await readMovieLens(dir);
    expect(data.format).toBe('dat');
    expect(data.issues.map((i) => `${i.file}:${i.line}`)).toEqual([
      'movies.dat:3',
      'users.dat:3',
      'ratings.dat:3',
      'ratings.dat:4',
    ]);
    const { movies, slugOf } = movieLensCatalog(data);
    expect(movies.map((m) => m.id)).toEqual(['toy+story+1995', 'the+city+of+lost+children+1995']);
    expect(movies[1].genres.map((g) => g.name)).toEqual(['Adventure', 'Science Fiction']);
    expect(movieLensUsers(data)).toEqual([
      { user_id: 1, age: 16, occupation: 'K-12 student', gender: 'F' },
      { user_id: 2, age: 56, occupation: 'self-employed', gender: 'M' },
    ]);
    expect([...movieLensRatingLines(data, slugOf, 10)]).toEqual([
      '2000-12-31T21:33:33,2,GET /rate/the+city+of+lost+children+1995=6',
      '2000-12-31T22:12:40,1,GET /rate/toy+story+1995=10',
    ]);
  });

  it('reads ml-100k u.data / u.item / u.user', async () => {
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, k) => (on.includes(k) ? '1' : '0')).join('|');
    const dir = fixture('ml-100k', {
      'u.item': Buffer.from(
        [
          `1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|${flags([3, 4, 5])}`,
          `2|GoldenEye (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?GoldenEye%20(1995)|${flags([1, 2, 16])}`,
          `3|Broken row|01-Jan-1995`,
        ].join('\n'),
        'latin1',
      ),
      'u.user': ['1|24|M|technician|85711', '2|53|F|other|94043', '3|x|M|writer|32067'].join('\n'),
      'u.data': ['196\t1\t3\t881250949', '186\t2\t3\t891717742', '22\t1\t1', '244\t3\t2\t880606923'].join('\n'),
    });
    const data = await readMovieLens(dir);
    expect(data.format).toBe('100k');
    expect(data.issues.map((i) => `${i.file}:${i.line}:${i.reason}`)).toEqual([
      expect.stringMatching(/^u\.item:3:/),
      expect.stringMatching(/^u\.user:3:/),
      expect.stringMatching(/^u\.data:3:/),
      'u.data:4:unknown movie id 3',
    ]);
    const { movies, slugOf } = movieLensCatalog(data);
    expect(movies[0]).toMatchObject({ id: 'toy+story+1995', release_date: '1995-01-01' });
    expect(movies[0].genres.map((g) => g.name)).toEqual(['Animation', 'Family', 'Comedy']);
    expect(movieLensUsers(data)[0]).toEqual({ user_id: 1, age: 24, occupation: 'technician/engineer', gender: 'M' });
    expect([...movieLensRatingLines(data, slugOf)]).toEqual([
      '1997-12-04T15:55:49,196,GET /rate/toy+story+1995=3',
      '1998-04-04T19:22:22,186,GET /rate/goldeneye+1995=3',
    ]);
  });

  it('refuses a directory without MovieLens files', async () => {
    const dir = fixture('empty', { 'readme.txt': 'nothing' });
    await expect(readMovieLens(dir)).rejects.toThrow(/no MovieLens files/);
  });
});
