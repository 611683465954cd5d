import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { InteractionDataset, MovieProfile, UserProfile } from '../../datasets/interaction-dataset';

/**
 * A deliberately small loader from the two MovieLens layouts to an
 * InteractionDataset, for the trainer's end-to-end fixture:
 *   ml-100k:    u.data (user \t item \t rating \t unix-seconds), optional u.item / u.user
 *   ml-latest:  ratings.csv (userId,movieId,rating,timestamp), optional movies.csv
 * MovieLens has ratings but no watch minutes (watchMinutes = 0). The
 * product-level MovieLens import belongs to the dataset/world module.
 */
const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
];

interface Row {
  user: number;
  movie: string;
  rating: number;
  timestampMs: number;
}

async function readOptional(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'latin1');
    // eslint-disable-next-line no-restricted-syntax -- an optional file: unreadable counts as absent
  } catch {
    return null;
  }
}

/** Splits one CSV line, honouring double quotes (movie titles contain commas). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let c = 0; c < line.length; c++) {
    const ch = line[c];
    if (quoted) {
      if (ch === '"' && line[c + 1] === '"') {
        field += '"';
        c++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

const yearFromTitle = (title: string): number | null => {
  const m = /\((\d{4})\)\s*$/.exec(title.trim());
  return m ? Number(m[1]) : null;
};

export async function loadMovieLens(dir: string): Promise<InteractionDataset> {
  const rows: Row[] = [];
  const movieInfo = new Map<string, Omit<MovieProfile, 'id'>>();
  const userInfo = new Map<number, Omit<UserProfile, 'id'>>();
  const uData = await readOptional(path.join(dir, 'u.data'));
  let format: string;
  if (uData !== null) {
    format = 'ml-100k';
    for (const line of uData.split('\n')) {
      if (!line.trim()) continue;
      const [u, i, r, t] = line.split('\t');
      rows.push({ user: Number(u), movie: i, rating: Number(r), timestampMs: Number(t) * 1000 });
    }
    for (const line of ((await readOptional(path.join(dir, 'u.item'))) ?? '').split('\n')) {
      const parts = line.split('|');
      if (parts.length < 5) continue;
      const flags = parts.slice(-19);
      movieInfo.set(parts[0], {
        genres: ML100K_GENRES.filter((_, g) => flags[g] === '1' && g > 0),
        year: parts[2] ? Number(parts[2].slice(-4)) || null : yearFromTitle(parts[1]),
        language: null,
        adult: false,
        runtime: null,
      });
    }
    for (const line of ((await readOptional(path.join(dir, 'u.user'))) ?? '').split('\n')) {
      const [id, age, gender, occupation] = line.split('|');
      if (!id || !age) continue;
      userInfo.set(Number(id), {
        age: Number(age),
        gender: gender === 'M' || gender === 'F' ? gender : null,
        occupation: occupation || null,
      });
    }
  } else {
    const ratings = await readOptional(path.join(dir, 'ratings.csv'));
    if (ratings === null) throw new Error(`${dir}: neither u.data (ml-100k) nor ratings.csv (ml-latest) found`);
    format = 'ml-latest';
    for (const line of ratings.split('\n').slice(1)) {
      if (!line.trim()) continue;
      const [u, i, r, t] = line.split(',');
      rows.push({ user: Number(u), movie: i, rating: Number(r), timestampMs: Number(t) * 1000 });
    }
    for (const line of ((await readOptional(path.join(dir, 'movies.csv'))) ?? '').split('\n').slice(1)) {
      if (!line.trim()) continue;
      const [id, title, genres] = splitCsvLine(line);
      movieInfo.set(id, {
        genres: genres && genres !== '(no genres listed)' ? genres.split('|') : [],
        year: yearFromTitle(title ?? ''),
        language: null,
        adult: false,
        runtime: null,
      });
    }
  }
  for (const r of rows) {
    if (!Number.isFinite(r.user) || !Number.isFinite(r.rating) || !Number.isFinite(r.timestampMs)) {
      throw new Error(`${dir}: malformed ${format} row ${JSON.stringify(r)}`);
    }
  }
  const userIds = [...new Set(rows.map((r) => r.user))].sort((a, b) => a - b);
  const movieIds = [...new Set([...rows.map((r) => r.movie), ...movieInfo.keys()])].sort(
    (a, b) => Number(a) - Number(b),
  );
  const uIndex = new Map(userIds.map((id, u) => [id, u]));
  const iIndex = new Map(movieIds.map((id, i) => [id, i]));
  // One row per (user, movie): the latest rating wins, as in InteractionDataset.
  const latest = new Map<string, Row>();
  for (const r of rows) {
    const key = `${r.user}:${r.movie}`;
    const seen = latest.get(key);
    if (!seen || seen.timestampMs <= r.timestampMs) latest.set(key, r);
  }
  const pairs = [...latest.values()].sort((a, b) => a.timestampMs - b.timestampMs || a.user - b.user);
  const hash = createHash('sha256');
  for (const r of pairs) hash.update(`${r.user},${r.movie},${r.rating},${r.timestampMs}\n`);
  return {
    snapshotId: `movielens-${format}-${path.basename(path.resolve(dir))}`,
    contentHash: hash.digest('hex'),
    users: userIds.map((id) => ({ id, ...(userInfo.get(id) ?? { age: null, gender: null, occupation: null }) })),
    movies: movieIds.map((id) => ({
      id,
      ...(movieInfo.get(id) ?? { genres: [], year: null, language: null, adult: false, runtime: null }),
    })),
    userIndex: Int32Array.from(pairs, (r) => uIndex.get(r.user) as number),
    itemIndex: Int32Array.from(pairs, (r) => iIndex.get(r.movie) as number),
    watchMinutes: new Float32Array(pairs.length),
    rating: Float32Array.from(pairs, (r) => r.rating),
    timestamp: Float64Array.from(pairs, (r) => r.timestampMs),
    ratingScaleMax: 5,
  };
}
