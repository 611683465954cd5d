import { Catalog, generateCatalog } from './catalog/catalog-generator';
import { TasteModel } from './simulator/taste-model';
import { Population } from './users/population';

export const DEFAULT_START = Date.parse('2026-11-01T00:00:00Z');

export interface WorldOptions {
  readonly seed: number;
  readonly users: number;
  readonly movies: number;
  /** Simulation (and catalog) start, epoch ms. */
  readonly start?: number;
  /** Taste drift: norm of the change of a user's taste vector per 30 days. */
  readonly drift?: number;
  /** Mean sessions per user per day. */
  readonly activity?: number;
  readonly newReleaseShare?: number;
  readonly newUserShare?: number;
  /** Fake accounts as a share of real users (0 without an attack). */
  readonly attackSize?: number;
}

/** Everything that exists: the catalog, the people (and fakes), and their hidden tastes. */
export interface World {
  readonly options: Required<WorldOptions>;
  readonly catalog: Catalog;
  readonly population: Population;
  readonly taste: TasteModel;
}

export function resolveWorldOptions(options: WorldOptions): Required<WorldOptions> {
  return {
    seed: options.seed,
    users: options.users,
    movies: options.movies,
    start: options.start ?? DEFAULT_START,
    drift: options.drift ?? 0.2,
    activity: options.activity ?? 0.5,
    newReleaseShare: options.newReleaseShare ?? 0.02,
    newUserShare: options.newUserShare ?? 0.01,
    attackSize: options.attackSize ?? 0,
  };
}

export function createWorld(input: WorldOptions): World {
  const options = resolveWorldOptions(input);
  const catalog = generateCatalog({
    movies: options.movies,
    seed: options.seed,
    start: options.start,
    newReleaseShare: options.newReleaseShare,
  });
  const population = new Population({
    users: options.users,
    seed: options.seed,
    start: options.start,
    newUserShare: options.newUserShare,
    fakeAccounts: Math.round(options.users * options.attackSize),
  });
  const taste = new TasteModel(population, catalog.traits, {
    seed: options.seed,
    start: options.start,
    drift: options.drift,
    activity: options.activity,
  });
  return { options, catalog, population, taste };
}
