import { InteractionDataset, MovieProfile, UserProfile } from '@lib/dataset';
import { createRng, Rng } from '../random';

/**
 * The trainer's own test fixture: a small deterministic latent-factor world.
 * It is NOT the product behaviour simulator (issue 3) and shares no code with
 * it; it only has to produce data with learnable structure at any scale.
 *
 * - Items: a primary genre (plus sometimes a second), a hidden vector near the
 *   genre's centroid, Zipf popularity over a random rank, a release time
 *   (12% of the catalog is released during the observed period), a quality.
 * - Users: demographics; a hidden vector near a centroid chosen by
 *   (age band × gender) so demographics carry taste signal; a start time.
 * - Interactions: candidates drawn by popularity, then the n_u best by
 *   affinity + Gumbel noise (≈ sampling ∝ popularity × exp(β·affinity));
 *   watch minutes and (for a share of rows) 1–5 ratings follow affinity.
 */
export interface LatentWorldParams {
  readonly users: number;
  readonly movies: number;
  /** Target interaction count (approximate). */
  readonly interactions: number;
  readonly seed: number;
  readonly rank?: number;
  readonly zipfExponent?: number;
  /** Strength of taste vs. popularity when choosing among candidates. */
  readonly affinityWeight?: number;
  readonly ratedShare?: number;
  readonly days?: number;
}

export const GENRES = [
  'Action',
  'Adventure',
  'Animation',
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Family',
  'Fantasy',
  'Horror',
  'Music',
  'Mystery',
  'Romance',
  'Science Fiction',
  'Thriller',
  'War',
  'Western',
  'History',
];
const OCCUPATIONS = ['student', 'engineer', 'artist', 'educator', 'healthcare', 'retired', 'writer', 'sales', 'other'];
const LANGUAGES = ['en', 'en', 'en', 'en', 'fr', 'es', 'ja', 'ko', 'de', 'hi'];
const DAY_MS = 86_400_000;
/**
 * Share of the catalog released during the observed period, and the mean delay
 * (days) of a viewing that would otherwise precede the release. Larger values
 * (30%, 45 days were tried) create release spikes so strong that a 14-day
 * popularity list beats every personalised model on a temporal split.
 */
const NEW_RELEASE_SHARE = 0.12;
const RELEASE_SPREAD_DAYS = 120;
export const WORLD_START_MS = Date.UTC(2025, 0, 1);
/** Bumped whenever generation changes, so cached datasets are not reused across versions. */
export const LATENT_WORLD_VERSION = 4;

export interface LatentWorld {
  readonly dataset: InteractionDataset;
  /** Hidden truth, for tests only. */
  readonly userVectors: Float32Array;
  readonly itemVectors: Float32Array;
  readonly rank: number;
}

export function generateLatentWorld(params: LatentWorldParams): LatentWorld {
  const rng = createRng(params.seed);
  const rank = params.rank ?? 8;
  const zipf = params.zipfExponent ?? 0.9;
  const beta = params.affinityWeight ?? 5;
  const ratedShare = params.ratedShare ?? 0.35;
  const spanMs = (params.days ?? 365) * DAY_MS;
  const nU = params.users;
  const nI = params.movies;

  // Taste centroids: one per genre, and one per demographic cell mixing two genres.
  const genreCentroid = new Float32Array(GENRES.length * rank);
  for (let i = 0; i < genreCentroid.length; i++) genreCentroid[i] = rng.normal();

  const movies: MovieProfile[] = new Array(nI);
  const itemVectors = new Float32Array(nI * rank);
  const itemQuality = new Float32Array(nI);
  const release = new Float64Array(nI);
  const popWeight = new Float64Array(nI);
  const ranks = Int32Array.from({ length: nI }, (_, i) => i);
  for (let i = nI - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
  }
  for (let i = 0; i < nI; i++) {
    const g = skewedIndex(rng, GENRES.length);
    const genres = [GENRES[g]];
    if (rng.next() < 0.4) {
      const g2 = rng.int(GENRES.length);
      if (g2 !== g) genres.push(GENRES[g2]);
    }
    for (let k = 0; k < rank; k++) {
      itemVectors[i * rank + k] = (0.8 * genreCentroid[g * rank + k] + 0.6 * rng.normal()) / Math.sqrt(rank);
    }
    itemQuality[i] = 0.5 * rng.normal();
    const isNew = rng.next() < NEW_RELEASE_SHARE;
    release[i] = isNew ? WORLD_START_MS + rng.next() * spanMs : WORLD_START_MS;
    const year = isNew ? 2025 + Math.floor((release[i] - WORLD_START_MS) / (365 * DAY_MS)) : 1950 + rng.int(75);
    popWeight[i] = Math.pow(ranks[i] + 5, -zipf);
    movies[i] = {
      id: `m${i + 1}`,
      genres,
      year,
      language: LANGUAGES[rng.int(LANGUAGES.length)],
      adult: false,
      runtime: 80 + rng.int(100),
    };
  }

  const cellCentroid = new Float32Array(7 * 3 * rank);
  for (let c = 0; c < 21; c++) {
    const g1 = rng.int(GENRES.length);
    const g2 = rng.int(GENRES.length);
    for (let k = 0; k < rank; k++) {
      cellCentroid[c * rank + k] = 0.6 * genreCentroid[g1 * rank + k] + 0.4 * genreCentroid[g2 * rank + k];
    }
  }
  const users: UserProfile[] = new Array(nU);
  const userVectors = new Float32Array(nU * rank);
  const userStart = new Float64Array(nU);
  const counts = new Int32Array(nU);
  const meanPerUser = params.interactions / nU;
  // Log-normal activity (σ = 0.8), rescaled so the expected total matches.
  const sigma = 0.8;
  const mu = Math.log(meanPerUser) - (sigma * sigma) / 2;
  const cap = Math.max(3, Math.floor(nI / 4));
  let total = 0;
  for (let u = 0; u < nU; u++) {
    const ageCell = rng.int(7);
    const genderCell = rng.int(3);
    const age = [15, 21, 30, 40, 47, 53, 62][ageCell] + rng.int(4);
    const gender = (['M', 'F', null] as const)[genderCell];
    users[u] = { id: u + 1, age, gender, occupation: OCCUPATIONS[rng.int(OCCUPATIONS.length)] };
    const cell = ageCell * 3 + genderCell;
    for (let k = 0; k < rank; k++) {
      userVectors[u * rank + k] = (0.55 * cellCentroid[cell * rank + k] + 0.85 * rng.normal()) / Math.sqrt(rank);
    }
    userStart[u] = WORLD_START_MS + rng.next() * 0.97 * spanMs;
    counts[u] = Math.min(cap, Math.max(3, Math.round(Math.exp(mu + sigma * rng.normal()))));
    total += counts[u];
  }

  const alias = buildAlias(popWeight, rng);
  const userIndex = new Int32Array(total);
  const itemIndex = new Int32Array(total);
  const watchMinutes = new Float32Array(total);
  const rating = new Float32Array(total);
  const timestamp = new Float64Array(total);
  const seen = new Int32Array(nI).fill(-1);
  const candItem = new Int32Array(cap * 8 + 16);
  const candScore = new Float64Array(cap * 8 + 16);
  const candAff = new Float64Array(cap * 8 + 16);
  const sorted = new Float64Array(cap * 8 + 16);
  const order: number[] = [];
  const times: number[] = [];
  let row = 0;
  const end = WORLD_START_MS + spanMs;
  for (let u = 0; u < nU; u++) {
    const n = counts[u];
    const uv = u * rank;
    // Candidates by popularity, then keep the n best by affinity + Gumbel noise.
    let m = 0;
    for (let attempt = 0; attempt < n * 8 && m < candItem.length; attempt++) {
      const i = alias(rng);
      if (seen[i] === u) continue;
      seen[i] = u;
      let a = 0;
      for (let k = 0; k < rank; k++) a += userVectors[uv + k] * itemVectors[i * rank + k];
      candItem[m] = i;
      candAff[m] = a;
      candScore[m] = beta * a * 2.5 - Math.log(-Math.log(rng.next() + 1e-12));
      m++;
    }
    // The n best candidates: threshold from a native numeric sort (much faster than a comparator sort).
    const keepCount = Math.min(n, m);
    sorted.set(candScore.subarray(0, m));
    const threshold = m > 0 ? sorted.subarray(0, m).sort()[m - keepCount] : 0;
    order.length = 0;
    let affSum = 0;
    let affSq = 0;
    for (let c = 0; c < m; c++) {
      if (candScore[c] >= threshold && order.length < keepCount) order.push(c);
      affSum += candAff[c];
      affSq += candAff[c] * candAff[c];
    }
    const affMean = m > 0 ? affSum / m : 0;
    const affStd = m > 1 ? Math.sqrt(Math.max(1e-9, affSq / m - affMean * affMean)) : 1;
    const keep = order.length;
    // Watch order is random, not by preference: otherwise the latest rows would be the least liked.
    for (let c = keep - 1; c > 0; c--) {
      const j = rng.int(c + 1);
      [order[c], order[j]] = [order[j], order[c]];
    }
    times.length = 0;
    for (let c = 0; c < keep; c++) times.push(userStart[u] + rng.next() * (end - userStart[u]));
    times.sort((x, y) => x - y);
    for (let c = 0; c < keep; c++) {
      const i = candItem[order[c]];
      let a = 0;
      for (let k = 0; k < rank; k++) a += userVectors[uv + k] * itemVectors[i * rank + k];
      // An item can only be watched after its release.
      let t = times[c];
      if (t < release[i]) {
        t = release[i] - Math.log(1 - rng.next()) * RELEASE_SPREAD_DAYS * DAY_MS;
        if (t >= end) continue; // would only have watched it after the observed period
      }
      const runtime = movies[i].runtime ?? 100;
      const completion = 1 / (1 + Math.exp(-(3 * a + 0.5 + 0.8 * rng.normal())));
      userIndex[row] = u;
      itemIndex[row] = i;
      timestamp[row] = Math.floor(t);
      watchMinutes[row] = Math.max(1, Math.round(runtime * completion));
      if (rng.next() < ratedShare) {
        // Ratings follow the user's relative taste (affinity z-scored over the movies they considered).
        const z = (a - affMean) / affStd;
        const r = 2.6 + 0.9 * z + 0.6 * itemQuality[i] + 0.5 * rng.normal();
        rating[row] = Math.min(5, Math.max(1, Math.round(r)));
        if (rng.next() < 0.15) watchMinutes[row] = 0; // rated without a recorded watch
      }
      row++;
    }
  }
  const trim = <T extends Int32Array | Float32Array | Float64Array>(a: T): T =>
    row === total ? a : (a.slice(0, row) as T);
  return {
    dataset: {
      snapshotId: `latent-world-${nU}x${nI}-s${params.seed}`,
      contentHash: `latent-world-v${LATENT_WORLD_VERSION}:${nU}:${nI}:${params.interactions}:${params.seed}:${rank}:${zipf}:${beta}`,
      users,
      movies,
      userIndex: trim(userIndex),
      itemIndex: trim(itemIndex),
      watchMinutes: trim(watchMinutes),
      rating: trim(rating),
      timestamp: trim(timestamp),
      ratingScaleMax: 5,
    },
    userVectors,
    itemVectors,
    rank,
  };
}

/** Genre frequencies are themselves skewed (drama and comedy dominate catalogs). */
function skewedIndex(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(n * Math.pow(rng.next(), 1.6)));
}

/** Walker's alias method: O(1) draws from a discrete distribution. */
function buildAlias(weights: Float64Array, _rng: Rng): (rng: Rng) => number {
  const n = weights.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i];
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) {
    prob[i] = (weights[i] * n) / sum;
    (prob[i] < 1 ? small : large).push(i);
  }
  while (small.length && large.length) {
    const s = small.pop() as number;
    const l = large.pop() as number;
    alias[s] = l;
    prob[l] = prob[l] + prob[s] - 1;
    (prob[l] < 1 ? small : large).push(l);
  }
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1;
  return (rng) => {
    const i = rng.int(n);
    return rng.next() < prob[i] ? i : alias[i];
  };
}
