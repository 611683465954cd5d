import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { generateLatentWorld } from '@lib/training';

/**
 * Writes a small MovieLens-format fixture (a few hundred rows) drawn from the
 * latent world: ml-100k files (u.data, u.item, u.user) into `<dir>/ml-100k`
 * and ml-latest files (ratings.csv, movies.csv) into `<dir>/ml-latest`.
 */
export async function writeMovieLensFixture(dir: string, seed = 11): Promise<{ ml100k: string; mlLatest: string }> {
  const { dataset: d } = generateLatentWorld({ users: 60, movies: 100, interactions: 1000, seed, ratedShare: 1 });
  const ml100k = path.join(dir, 'ml-100k');
  const mlLatest = path.join(dir, 'ml-latest');
  await fs.mkdir(ml100k, { recursive: true });
  await fs.mkdir(mlLatest, { recursive: true });
  const data: string[] = [];
  const csv: string[] = ['userId,movieId,rating,timestamp'];
  for (let k = 0; k < d.userIndex.length; k++) {
    const rating = d.rating[k] || 3;
    const user = d.users[d.userIndex[k]].id;
    const movie = d.itemIndex[k] + 1;
    const seconds = Math.floor(d.timestamp[k] / 1000);
    data.push(`${user}\t${movie}\t${rating}\t${seconds}`);
    csv.push(`${user},${movie},${rating === 5 ? 5 : rating + 0.5},${seconds}`);
  }
  const genreFlags = (genres: readonly string[]) =>
    ['Action', 'Adventure', 'Animation', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Horror'].map((g) =>
      genres.includes(g) ? '1' : '0',
    );
  const items = d.movies.map((m, i) => {
    const flags = ['0', ...genreFlags(m.genres), ...new Array(9).fill('0')];
    return `${i + 1}|Movie ${i + 1} (${m.year})|01-Jan-${m.year}||http://example.invalid/${i + 1}|${flags.join('|')}`;
  });
  // ml-100k's own occupation words (the latent world's 'sales' is its 'salesman').
  const users = d.users.map(
    (u) => `${u.id}|${u.age}|${u.gender ?? 'M'}|${u.occupation === 'sales' ? 'salesman' : u.occupation}|00000`,
  );
  const movies = [
    'movieId,title,genres',
    ...d.movies.map((m, i) => `${i + 1},"Movie ${i + 1}, The (${m.year})",${m.genres.join('|')}`),
  ];
  await fs.writeFile(path.join(ml100k, 'u.data'), data.join('\n') + '\n');
  await fs.writeFile(path.join(ml100k, 'u.item'), items.join('\n') + '\n');
  await fs.writeFile(path.join(ml100k, 'u.user'), users.join('\n') + '\n');
  await fs.writeFile(path.join(mlLatest, 'ratings.csv'), csv.join('\n') + '\n');
  await fs.writeFile(path.join(mlLatest, 'movies.csv'), movies.join('\n') + '\n');
  return { ml100k, mlLatest };
}
