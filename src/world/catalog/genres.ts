/** TMDB's movie genre list (ids as the platform's movie API returns them). */
export interface Genre {
  readonly id: number;
  readonly name: string;
}

export const GENRES: readonly Genre[] = [
  { id: 28, name: 'Action' },
  { id: 12, name: 'Adventure' },
  { id: 16, name: 'Animation' },
  { id: 35, name: 'Comedy' },
  { id: 80, name: 'Crime' },
  { id: 99, name: 'Documentary' },
  { id: 18, name: 'Drama' },
  { id: 10751, name: 'Family' },
  { id: 14, name: 'Fantasy' },
  { id: 36, name: 'History' },
  { id: 27, name: 'Horror' },
  { id: 10402, name: 'Music' },
  { id: 9648, name: 'Mystery' },
  { id: 10749, name: 'Romance' },
  { id: 878, name: 'Science Fiction' },
  { id: 10770, name: 'TV Movie' },
  { id: 53, name: 'Thriller' },
  { id: 10752, name: 'War' },
  { id: 37, name: 'Western' },
];

/** Share of TMDB movies carrying each genre as primary genre (rough, from the 45k-movie TMDB dump). */
export const PRIMARY_GENRE_WEIGHTS: readonly number[] = [
  9, 3, 3, 17, 4, 6, 25, 1.5, 2, 1, 6, 1.5, 1.5, 4, 3, 1, 7, 1.2, 1.2,
];

/** Genres that tend to appear together (secondary genre given primary), by name. */
export const GENRE_AFFINITY: Readonly<Record<string, readonly string[]>> = {
  Action: ['Adventure', 'Thriller', 'Crime', 'Science Fiction'],
  Adventure: ['Action', 'Fantasy', 'Family', 'Science Fiction'],
  Animation: ['Family', 'Comedy', 'Adventure', 'Fantasy'],
  Comedy: ['Romance', 'Drama', 'Family'],
  Crime: ['Thriller', 'Drama', 'Mystery', 'Action'],
  Documentary: ['History', 'Music'],
  Drama: ['Romance', 'History', 'Crime', 'War'],
  Family: ['Animation', 'Comedy', 'Adventure'],
  Fantasy: ['Adventure', 'Family', 'Horror'],
  History: ['Drama', 'War'],
  Horror: ['Thriller', 'Mystery'],
  Music: ['Drama', 'Romance', 'Documentary'],
  Mystery: ['Thriller', 'Crime', 'Horror'],
  Romance: ['Drama', 'Comedy'],
  'Science Fiction': ['Action', 'Adventure', 'Thriller'],
  'TV Movie': ['Drama', 'Family', 'Comedy'],
  Thriller: ['Crime', 'Mystery', 'Action', 'Horror'],
  War: ['Drama', 'History', 'Action'],
  Western: ['Action', 'Drama', 'Adventure'],
};

/** Genres never given to adult titles. */
export const CHILD_GENRES: ReadonlySet<string> = new Set(['Family', 'Animation']);

/** MovieLens genre names mapped to TMDB genres (MovieLens uses slightly different labels). */
export const MOVIELENS_GENRE_TO_TMDB: Readonly<Record<string, Genre>> = {
  Action: GENRES[0],
  Adventure: GENRES[1],
  Animation: GENRES[2],
  "Children's": GENRES[7],
  Children: GENRES[7],
  Comedy: GENRES[3],
  Crime: GENRES[4],
  Documentary: GENRES[5],
  Drama: GENRES[6],
  Fantasy: GENRES[8],
  'Film-Noir': GENRES[4],
  Horror: GENRES[10],
  IMAX: GENRES[1],
  Musical: GENRES[11],
  Mystery: GENRES[12],
  Romance: GENRES[13],
  'Sci-Fi': GENRES[14],
  Thriller: GENRES[16],
  War: GENRES[17],
  Western: GENRES[18],
};

export function genreIndexByName(name: string): number {
  return GENRES.findIndex((g) => g.name === name);
}
