import { LogTimeFormatter, ratingLine } from '@lib/movielog';
import { CatalogMovie, movieSlug } from '../catalog/catalog-generator';
import { Genre, MOVIELENS_GENRE_TO_TMDB } from '../catalog/genres';
import { MovieLensData, MovieLensMovie } from '@lib/movielens';

/** A user row for the catalog import; MovieLens ml-latest/25m/20m have no demographics, so fields may be null. */
export interface ImportedUser {
  readonly user_id: number;
  readonly age: number | null;
  readonly occupation: string | null;
  readonly gender: 'M' | 'F' | null;
}

const TRAILING_ARTICLE = /^(.*), (The|A|An|Les|La|Le|L'|Il|Die|Das|Der|El|Los|Las|Lo|Un|Une|Det|De|Den|Het|O|Os)$/;

/**
 * "Shawshank Redemption, The (1994)" → { title: "The Shawshank Redemption", year: 1994 }.
 * Alternative titles in parentheses ("… (Cité des enfants perdus, La) (1995)") are dropped.
 */
export function cleanMovieLensTitle(raw: string): { title: string; year: number | null } {
  let text = raw.trim();
  let year: number | null = null;
  const y = /\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(text);
  if (y) {
    year = Number(y[1]);
    text = text.slice(0, y.index);
  }
  // Drop one trailing alternate title in parentheses (a.k.a.), but keep a title that is only parentheses.
  const alt = /^(.+?)\s+\([^()]*\)$/.exec(text);
  if (alt) text = alt[1];
  const article = TRAILING_ARTICLE.exec(text);
  if (article) text = article[2].endsWith("'") ? `${article[2]}${article[1]}` : `${article[2]} ${article[1]}`;
  return { title: text.trim(), year };
}

/** Catalogue entries in the platform's movie shape, plus the MovieLens id → slug mapping. */
export function movieLensCatalog(data: MovieLensData): { movies: CatalogMovie[]; slugOf: Map<number, string> } {
  const count = new Map<number, number>();
  const sum = new Map<number, number>();
  const r = data.ratings;
  for (let i = 0; i < r.length; i++) {
    count.set(r.movieId[i], (count.get(r.movieId[i]) ?? 0) + 1);
    sum.set(r.movieId[i], (sum.get(r.movieId[i]) ?? 0) + r.stars[i]);
  }
  const used = new Set<string>();
  const slugOf = new Map<number, string>();
  const movies: CatalogMovie[] = [];
  const sorted = [...data.movies.values()].sort((a, b) => a.movieId - b.movieId);
  for (const m of sorted) {
    const { title, year } = cleanMovieLensTitle(m.rawTitle);
    const id = uniqueSlug(title, year, used, m.movieId);
    slugOf.set(m.movieId, id);
    const votes = count.get(m.movieId) ?? 0;
    movies.push({
      id,
      tmdb_id: m.tmdbId,
      imdb_id: m.imdbId,
      title,
      original_title: title,
      adult: false,
      genres: genresOf(m),
      original_language: null,
      overview: null,
      // Share of ratings as a popularity signal (MovieLens has no TMDB popularity).
      popularity: r.length > 0 ? Math.round((votes / r.length) * 1e6) / 1000 : null,
      release_date: m.releaseDate,
      runtime: null,
      spoken_languages: [],
      // TMDB's 0–10 scale: twice the mean star rating.
      vote_average: votes > 0 ? Math.round((sum.get(m.movieId)! / votes) * 20) / 10 : null,
      vote_count: votes,
      budget: null,
      revenue: null,
      status: 'Released',
    });
  }
  return { movies, slugOf };
}

export function movieLensUsers(data: MovieLensData): ImportedUser[] {
  if (data.users.length > 0)
    return data.users.map((u) => ({ user_id: u.userId, age: u.age, occupation: u.occupation, gender: u.gender }));
  // No demographics in this distribution: the ids alone, so GET /user answers for every rater.
  const ids = new Set<number>();
  for (let i = 0; i < data.ratings.length; i++) ids.add(data.ratings.userId[i]);
  return [...ids].sort((a, b) => a - b).map((id) => ({ user_id: id, age: null, occupation: null, gender: null }));
}

/** MovieLens stars (0.5–5) on the deployment's 1..scaleMax integer scale. */
export function starsToRating(stars: number, scaleMax: number): number {
  return Math.max(1, Math.min(scaleMax, Math.round((stars * scaleMax) / 5)));
}

/** Rating events as stream lines, in timestamp order (ties keep file order), with the original timestamps. */
export function* movieLensRatingLines(
  data: MovieLensData,
  slugOf: ReadonlyMap<number, string>,
  scaleMax = 5,
): Generator<string> {
  const r = data.ratings;
  const order = new Uint32Array(r.length);
  for (let i = 0; i < r.length; i++) order[i] = i;
  order.sort((a, b) => r.timestamp[a] - r.timestamp[b] || a - b);
  const clock = new LogTimeFormatter();
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    yield ratingLine(
      clock.seconds(r.timestamp[i] * 1000),
      r.userId[i],
      slugOf.get(r.movieId[i])!,
      starsToRating(r.stars[i], scaleMax),
    );
  }
}

function genresOf(m: MovieLensMovie): Genre[] {
  const out: Genre[] = [];
  for (const name of m.genres) {
    const g = MOVIELENS_GENRE_TO_TMDB[name];
    if (g && !out.some((x) => x.id === g.id)) out.push(g);
  }
  return out;
}

function uniqueSlug(title: string, year: number | null, used: Set<string>, movieLensId: number): string {
  // A title with no Latin letters or digits (e.g. only CJK) has no slug words: fall back to the MovieLens id.
  const base = /[a-z0-9]/i.test(title.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''))
    ? title
    : `movielens ${movieLensId}`;
  title = base;
  let id = movieSlug(title, year);
  // Same title and year twice (it happens in ml-latest): number the later ones before the year.
  for (let n = 2; used.has(id); n++) id = movieSlug(`${title} ${n}`, year);
  used.add(id);
  return id;
}
