import { AliasTable, Rng } from '../random';
import { CHILD_GENRES, Genre, GENRE_AFFINITY, genreIndexByName, GENRES, PRIMARY_GENRE_WEIGHTS } from './genres';
import {
  ADJECTIVES,
  LANGUAGES,
  NAMES,
  NOUNS,
  OVERVIEW_ACTIONS,
  OVERVIEW_SETTINGS,
  OVERVIEW_SUBJECTS,
  PLACES,
} from './words';

/** A movie exactly as the platform's movie API returns it (snake_case). */
export interface CatalogMovie {
  readonly id: string;
  readonly tmdb_id: number | null;
  readonly imdb_id: string | null;
  readonly title: string;
  readonly original_title: string | null;
  readonly adult: boolean;
  readonly genres: readonly Genre[];
  readonly original_language: string | null;
  readonly overview: string | null;
  readonly popularity: number | null;
  readonly release_date: string | null;
  readonly runtime: number | null;
  readonly spoken_languages: readonly { readonly iso_639_1: string; readonly name: string }[];
  readonly vote_average: number | null;
  readonly vote_count: number | null;
  readonly budget: number | null;
  readonly revenue: number | null;
  readonly status: string | null;
}

/**
 * What the simulator knows about each movie beyond its public record, in
 * columnar arrays indexed like `movies`. Never leaves the simulator.
 */
export interface MovieTraits {
  /** Bit g set when the movie has GENRES[g]. */
  readonly genreMask: Int32Array;
  /** Zipf-distributed share of attention the movie gets when people browse. */
  readonly appeal: Float64Array;
  /** Intrinsic quality on a standard-normal scale. */
  readonly quality: Float32Array;
  /** Epoch ms from which the movie can be watched (new releases appear mid-simulation). */
  readonly availableFrom: Float64Array;
  readonly runtime: Int16Array;
  readonly adult: Uint8Array;
}

export interface Catalog {
  readonly movies: readonly CatalogMovie[];
  readonly traits: MovieTraits;
  readonly indexById: ReadonlyMap<string, number>;
}

export interface CatalogOptions {
  readonly movies: number;
  readonly seed: number;
  /** Catalog date: movies released before it are in the back catalogue. */
  readonly start: number;
  /** Share of movies released after `start`, spread over `releaseWindowDays` (new releases). */
  readonly newReleaseShare?: number;
  readonly releaseWindowDays?: number;
  readonly adultShare?: number;
}

const DAY_MS = 86_400_000;
/** Zipf exponent of movie attention; ~1 matches the long tail of rating counts in MovieLens. */
const ZIPF_EXPONENT = 1.0;

/** URL slug the platform uses as movie id: lower-case words and year joined by '+' (year may be empty). */
export function movieSlug(title: string, year: number | null | undefined): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9 ]+/g, '')
    .split(' ')
    .filter((w) => w.length > 0);
  return `${words.join('+')}+${year ?? ''}`;
}

export function generateCatalog(options: CatalogOptions): Catalog {
  const n = options.movies;
  const rng = Rng.for(options.seed, 'catalog');
  const newShare = options.newReleaseShare ?? 0.02;
  const windowDays = options.releaseWindowDays ?? 30;
  const adultShare = options.adultShare ?? 0.02;
  const genreTable = new AliasTable(PRIMARY_GENRE_WEIGHTS);
  const languageTable = new AliasTable(LANGUAGES.map((l) => l[2]));

  // Popularity rank is a random permutation, so attention is independent of index order.
  const rank = Array.from({ length: n }, (_, i) => i);
  rng.shuffle(rank);

  const traits: MovieTraits = {
    genreMask: new Int32Array(n),
    appeal: new Float64Array(n),
    quality: new Float32Array(n),
    availableFrom: new Float64Array(n),
    runtime: new Int16Array(n),
    adult: new Uint8Array(n),
  };
  const movies: CatalogMovie[] = [];
  const indexById = new Map<string, number>();
  const newFrom = n - Math.round(n * newShare);

  for (let i = 0; i < n; i++) {
    const isNew = i >= newFrom;
    const adult = rng.chance(adultShare);
    // Genres: a primary by TMDB frequency, then 0–2 related ones.
    const genreIdx: number[] = [];
    let primary = genreTable.sample(rng);
    while (adult && CHILD_GENRES.has(GENRES[primary].name)) primary = genreTable.sample(rng);
    genreIdx.push(primary);
    const extra = rng.weighted([0.3, 0.45, 0.25]);
    const related = GENRE_AFFINITY[GENRES[primary].name];
    for (let k = 0; k < extra; k++) {
      const name = rng.chance(0.8) ? rng.pick(related) : GENRES[genreTable.sample(rng)].name;
      const idx = genreIndexByName(name);
      if (!genreIdx.includes(idx) && !(adult && CHILD_GENRES.has(name))) genreIdx.push(idx);
    }
    let mask = 0;
    for (const g of genreIdx) mask |= 1 << g;

    // Release dates skew recent: age is exponential with a mean of 12 years.
    const releaseMs = isNew
      ? options.start + rng.float() * windowDays * DAY_MS
      : options.start - Math.min(rng.exponential(12 * 365), 105 * 365) * DAY_MS - DAY_MS;
    const released = new Date(Math.floor(releaseMs / DAY_MS) * DAY_MS);
    const yearKnown = !rng.chance(0.004);
    const year = yearKnown ? released.getUTCFullYear() : null;

    let title = '';
    let id = '';
    for (let attempt = 0; ; attempt++) {
      title = makeTitle(rng, attempt);
      id = movieSlug(title, year);
      if (!indexById.has(id)) break;
    }
    indexById.set(id, i);

    const names = genreIdx.map((g) => GENRES[g].name);
    const isAnimation = names.includes('Animation');
    const isDoc = names.includes('Documentary');
    const runtime = Math.round(
      clamp(
        isAnimation ? 88 + 12 * rng.normal() : isDoc ? 92 + 18 * rng.normal() : 106 + 20 * rng.normal(),
        isDoc ? 45 : 62,
        220,
      ),
    );
    const lang = LANGUAGES[languageTable.sample(rng)];
    const spoken = [{ iso_639_1: lang[0], name: lang[1] }];
    if (lang[0] !== 'en' && rng.chance(0.35)) spoken.push({ iso_639_1: 'en', name: 'English' });

    const quality = rng.normal();
    const zipfRank = rank[i] + 1;
    // Attention: Zipf in rank, lifted for recent titles (people watch what is new).
    const ageYears = Math.max(0, (options.start - releaseMs) / (365 * DAY_MS));
    const appeal =
      Math.pow(zipfRank, -ZIPF_EXPONENT) * (1 + 1.5 * Math.exp(-ageYears / 1.5)) * Math.exp(0.25 * quality);
    const popularity = round3(0.6 + 550 * Math.pow(zipfRank, -0.75) * Math.exp(0.15 * rng.normal()));
    const voteCount = isNew
      ? 0
      : Math.max(0, Math.round(20_000 * Math.pow(zipfRank, -0.9) * Math.exp(0.4 * rng.normal())));
    const voteAverage = voteCount === 0 ? 0 : round1(clamp(6.2 + 0.9 * quality + 0.3 * rng.normal(), 1, 9.6));
    const bigBudget = rng.chance(0.55);
    const budget = bigBudget
      ? Math.round(Math.exp(16.2 + 1.3 * rng.normal() - Math.log(zipfRank) * 0.15) / 1000) * 1000
      : 0;
    const revenue =
      budget > 0 && !isNew
        ? Math.round((budget * Math.exp(0.6 + 0.9 * rng.normal() + 0.3 * quality)) / 1000) * 1000
        : 0;

    traits.genreMask[i] = mask;
    traits.appeal[i] = appeal;
    traits.quality[i] = quality;
    traits.availableFrom[i] = releaseMs;
    traits.runtime[i] = runtime;
    traits.adult[i] = adult ? 1 : 0;

    movies.push({
      id,
      tmdb_id: 100_000 + i * 7 + rng.int(7),
      imdb_id: `tt${String(1_000_000 + i * 13 + rng.int(13)).padStart(7, '0')}`,
      title,
      original_title: title,
      adult,
      genres: genreIdx.map((g) => GENRES[g]),
      original_language: lang[0],
      overview: `${capitalise(rng.pick(OVERVIEW_SUBJECTS))} ${rng.pick(OVERVIEW_ACTIONS)} ${rng.pick(OVERVIEW_SETTINGS)}.`,
      popularity,
      release_date: yearKnown ? released.toISOString().slice(0, 10) : null,
      runtime,
      spoken_languages: spoken,
      vote_average: voteAverage,
      vote_count: voteCount,
      budget,
      revenue,
      status: 'Released',
    });
  }
  return { movies, traits, indexById };
}

function makeTitle(rng: Rng, attempt: number): string {
  const adj = (): string => capitalise(rng.pick(ADJECTIVES));
  const noun = (): string => capitalise(rng.pick(NOUNS));
  let title: string;
  switch (rng.int(9)) {
    case 0:
      title = `The ${adj()} ${noun()}`;
      break;
    case 1:
      title = `${noun()} of the ${noun()}`;
      break;
    case 2:
      title = `${capitalise(rng.pick(NAMES))}'s ${noun()}`;
      break;
    case 3:
      title = `${adj()} ${noun()}`;
      break;
    case 4:
      title = `The ${noun()}`;
      break;
    case 5:
      title = `${noun()} in ${capitalise(rng.pick(PLACES))}`;
      break;
    case 6:
      title = `A ${adj()} ${noun()} in ${capitalise(rng.pick(PLACES))}`;
      break;
    case 7:
      title = `${noun()} & ${noun()}`;
      break;
    default:
      title = `The ${noun()} ${noun()}`;
  }
  // Collisions get a sequel number, as real catalogues do.
  return attempt >= 3 ? `${title} ${attempt - 1}` : title;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
