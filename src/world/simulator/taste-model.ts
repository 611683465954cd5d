import { MovieTraits } from '../catalog/catalog-generator';
import { GENRES } from '../catalog/genres';
import { Rng } from '../random';
import { Population } from '../users/population';

/** Latent dimensions of the hidden taste space. */
export const TASTE_DIMS = 16;
const DAY_MS = 86_400_000;

export interface TasteOptions {
  readonly seed: number;
  readonly start: number;
  /** Norm of the taste change per 30 simulated days (0 = stable tastes). */
  readonly drift: number;
  /** Mean sessions per user per day; per-user activity is log-normal around it. */
  readonly activity: number;
}

/**
 * The hidden ground truth of the world: a low-rank taste model. Each genre has
 * an embedding; a movie's vector is the mean of its genres' embeddings plus an
 * individual part, and a user's vector is the sum of demographic components
 * (age band, gender, occupation), a few personal genre affinities and a
 * personal part, so tastes correlate with demographics (Koren, Bell & Volinsky
 * 2009 describe ratings as exactly this kind of bias + dot-product model).
 *
 * None of this is visible to the service: it only sees behaviour.
 */
export class TasteModel {
  readonly userVectors: Float32Array;
  readonly driftVectors: Float32Array;
  readonly movieVectors: Float32Array;
  readonly movieBias: Float32Array;
  /** Personal liking threshold: picky users abandon more. */
  readonly userThreshold: Float32Array;
  /** Sessions per day. */
  readonly activity: Float64Array;
  /** Probability of rating a movie after watching it. */
  readonly rateProbability: Float32Array;
  readonly genreVectors: Float32Array;

  constructor(
    readonly population: Population,
    readonly traits: MovieTraits,
    readonly options: TasteOptions,
  ) {
    const K = TASTE_DIMS;
    const g = GENRES.length;
    const rng = Rng.for(options.seed, 'taste-space');
    this.genreVectors = gaussian(rng, g * K, (1 / Math.sqrt(K)) * 1.6);
    const ageBands = gaussian(rng, 6 * K, 0.55 / Math.sqrt(K));
    const genders = gaussian(rng, 2 * K, 0.45 / Math.sqrt(K));
    const occupations = gaussian(rng, 21 * K, 0.4 / Math.sqrt(K));

    const m = traits.genreMask.length;
    this.movieVectors = new Float32Array(m * K);
    this.movieBias = new Float32Array(m);
    for (let i = 0; i < m; i++) {
      const r = Rng.for(options.seed, 'movie-taste', i);
      const mask = traits.genreMask[i];
      let count = 0;
      for (let gi = 0; gi < g; gi++) if (mask & (1 << gi)) count++;
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let gi = 0; gi < g; gi++) if (mask & (1 << gi)) s += this.genreVectors[gi * K + k];
        this.movieVectors[i * K + k] = s / Math.max(1, Math.sqrt(count)) + (0.9 / Math.sqrt(K)) * r.normal();
      }
      this.movieBias[i] = 0.35 * traits.quality[i];
    }

    const n = population.size;
    this.userVectors = new Float32Array(n * K);
    this.driftVectors = new Float32Array(n * K);
    this.userThreshold = new Float32Array(n);
    this.activity = new Float64Array(n);
    this.rateProbability = new Float32Array(n);
    const sigma = 1.1;
    const mu = Math.log(Math.max(options.activity, 1e-9)) - (sigma * sigma) / 2;
    const favouriteWeights = [9, 3, 3, 17, 4, 2, 25, 1.5, 2, 1, 6, 1.5, 1.5, 4, 3, 0.5, 7, 1.2, 1.2];
    for (let u = 0; u < n; u++) {
      const r = Rng.for(options.seed, 'user-taste', u);
      const band = ageBand(population.age[u]);
      const off = u * K;
      for (let k = 0; k < K; k++) {
        this.userVectors[off + k] =
          ageBands[band * K + k] +
          genders[population.gender[u] * K + k] +
          occupations[population.occupation[u] * K + k] +
          (0.7 / Math.sqrt(K)) * r.normal();
        this.driftVectors[off + k] = r.normal() / Math.sqrt(K);
      }
      // Two personal favourite genres (an explicit genre affinity folded into the vector).
      for (let f = 0; f < 2; f++) {
        const fav = r.weighted(favouriteWeights);
        const w = 0.35 + 0.25 * r.float();
        for (let k = 0; k < K; k++) this.userVectors[off + k] += w * this.genreVectors[fav * K + k];
      }
      this.userThreshold[u] = 1.6 + 0.3 * r.normal();
      this.activity[u] = population.isFake(u) ? 0 : Math.exp(mu + sigma * r.normal());
      this.rateProbability[u] = Math.min(0.9, 0.05 + 0.4 * r.float() * r.float() * 2);
    }
  }

  /** Expected enjoyment of movie m by user u at time t (before per-viewing noise). */
  utility(u: number, m: number, t: number): number {
    const K = TASTE_DIMS;
    const uo = u * K;
    const mo = m * K;
    const d = this.options.drift === 0 ? 0 : (this.options.drift * (t - this.options.start)) / (30 * DAY_MS);
    let s = 0;
    if (d === 0) {
      for (let k = 0; k < K; k++) s += this.userVectors[uo + k] * this.movieVectors[mo + k];
    } else {
      for (let k = 0; k < K; k++)
        s += (this.userVectors[uo + k] + d * this.driftVectors[uo + k]) * this.movieVectors[mo + k];
    }
    return s + this.movieBias[m];
  }

  /** Affinity of user u to each genre (for genre-led browsing). */
  genreAffinity(u: number, out: Float64Array): Float64Array {
    const K = TASTE_DIMS;
    for (let g = 0; g < GENRES.length; g++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += this.userVectors[u * K + k] * this.genreVectors[g * K + k];
      out[g] = s;
    }
    return out;
  }

  /** The k movies user u would enjoy most at time t (ground truth, for evaluation and tests). */
  topMovies(u: number, k: number, t: number, exclude?: (m: number) => boolean): number[] {
    const m = this.movieBias.length;
    const scored: { m: number; s: number }[] = [];
    for (let i = 0; i < m; i++) {
      if (this.traits.availableFrom[i] > t) continue;
      if (this.traits.adult[i] && this.population.isMinor(u)) continue;
      if (exclude?.(i)) continue;
      scored.push({ m: i, s: this.utility(u, i, t) });
    }
    scored.sort((a, b) => b.s - a.s || a.m - b.m);
    return scored.slice(0, k).map((x) => x.m);
  }
}

function ageBand(age: number): number {
  return age < 18 ? 0 : age < 25 ? 1 : age < 35 ? 2 : age < 45 ? 3 : age < 56 ? 4 : 5;
}

function gaussian(rng: Rng, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}
