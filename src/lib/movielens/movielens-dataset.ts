import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { InteractionDataset } from '@lib/dataset';
import { MovieLensData, readMovieLens } from './movielens-reader';

/**
 * MovieLens files as an InteractionDataset, for offline evaluation and the
 * training benchmark on the files a user brings. MovieLens has ratings but no
 * watch minutes (watchMinutes = 0). One row per (user, movie): the latest
 * rating wins, as in a dataset snapshot. Rows are in time order; the content
 * hash covers every row, so a report names exactly the data it measured.
 */
export async function loadMovieLensDataset(dir: string): Promise<InteractionDataset> {
  return movieLensDataset(await readMovieLens(dir), dir);
}

const yearFromTitle = (title: string): number | null => {
  const m = /\((\d{4})\)\s*$/.exec(title.trim());
  return m ? Number(m[1]) : null;
};

/** Dataset names keep the layout words reports have always used. */
const LAYOUT: Record<MovieLensData['format'], string> = { '100k': 'ml-100k', csv: 'ml-latest', dat: 'ml-1m' };

export function movieLensDataset(ml: MovieLensData, dir: string): InteractionDataset {
  const r = ml.ratings;
  const latest = new Map<string, number>();
  for (let k = 0; k < r.length; k++) {
    const key = `${r.userId[k]}:${r.movieId[k]}`;
    const seen = latest.get(key);
    if (seen === undefined || r.timestamp[seen] <= r.timestamp[k]) latest.set(key, k);
  }
  const rows = [...latest.values()].sort((a, b) => r.timestamp[a] - r.timestamp[b] || r.userId[a] - r.userId[b]);
  const userIds = [...new Set(Array.from(r.userId))].sort((a, b) => a - b);
  const movieIds = [...new Set([...Array.from(r.movieId), ...ml.movies.keys()])].sort((a, b) => a - b);
  const uIndex = new Map(userIds.map((id, u) => [id, u]));
  const iIndex = new Map(movieIds.map((id, i) => [id, i]));
  const profiles = new Map(ml.users.map((u) => [u.userId, u]));
  const hash = createHash('sha256');
  for (const k of rows) hash.update(`${r.userId[k]},${r.movieId[k]},${r.stars[k]},${r.timestamp[k] * 1000}\n`);
  return {
    snapshotId: `movielens-${LAYOUT[ml.format]}-${path.basename(path.resolve(dir))}`,
    contentHash: hash.digest('hex'),
    users: userIds.map((id) => {
      const p = profiles.get(id);
      return { id, age: p?.age ?? null, gender: p?.gender ?? null, occupation: p?.occupation ?? null };
    }),
    movies: movieIds.map((id) => {
      const m = ml.movies.get(id);
      const year = m?.releaseDate ? Number(m.releaseDate.slice(0, 4)) : yearFromTitle(m?.rawTitle ?? '');
      return { id: String(id), genres: [...(m?.genres ?? [])], year, language: null, adult: false, runtime: null };
    }),
    userIndex: Int32Array.from(rows, (k) => uIndex.get(r.userId[k]) as number),
    itemIndex: Int32Array.from(rows, (k) => iIndex.get(r.movieId[k]) as number),
    watchMinutes: new Float32Array(rows.length),
    rating: Float32Array.from(rows, (k) => r.stars[k]),
    timestamp: Float64Array.from(rows, (k) => r.timestamp[k] * 1000),
    ratingScaleMax: 5,
  };
}
