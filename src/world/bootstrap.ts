import { CatalogMovie } from './catalog/catalog-generator';
import { EventBusLineSink, StreamPublisher } from './output/line-sink';
import { AttackModel, planAttack } from './simulator/attack';
import { Simulation, SimulationStats } from './simulator/engine';
import { PlatformUser } from './users/population';
import { createWorld, World } from './world';

/** What bootstrapWorld needs from the service's CatalogService (structural, so the world imports nothing from it). */
export interface CatalogImporter {
  importMovies(rows: Iterable<CatalogMovie>): Promise<unknown>;
  importUsers(rows: Iterable<PlatformUser>): Promise<unknown>;
}

export interface BootstrapOptions {
  readonly users: number;
  readonly movies: number;
  readonly seed: number;
  /** Days of history to simulate, ending at `end`. */
  readonly days: number;
  /** End of the simulated history, epoch ms; defaults to the last midnight UTC (deterministic within a day). */
  readonly end?: number;
  readonly activity?: number;
  readonly ratingScaleMax?: number;
  readonly attack?: { readonly model: AttackModel; readonly size: number };
}

export interface BootstrapTarget {
  readonly catalogService: CatalogImporter;
  readonly bus: StreamPublisher;
  readonly topic: string;
}

export interface BootstrapResult {
  readonly world: World;
  readonly stats: SimulationStats;
}

/**
 * Gives a freshly started service a small world: generates catalogue and users,
 * loads them through the catalog service, then publishes `days` of simulated
 * history (watch, rate, account lines — no recommendation requests) to the stream
 * topic. Hidden tastes and attack labels stay in the returned `world`.
 *
 *   await bootstrapWorld({ users: 2000, movies: 1000, seed: 42, days: 7 },
 *                        { catalogService, bus, topic: config.topics.movielog });
 */
export async function bootstrapWorld(options: BootstrapOptions, target: BootstrapTarget): Promise<BootstrapResult> {
  const day = 86_400_000;
  const end = options.end ?? Math.floor(Date.now() / day) * day;
  const durationMs = options.days * day;
  const world = createWorld({
    seed: options.seed,
    users: options.users,
    movies: options.movies,
    start: end - durationMs,
    activity: options.activity,
    attackSize: options.attack?.size ?? 0,
  });
  await target.catalogService.importMovies(world.catalog.movies);
  await target.catalogService.importUsers(profiles(world));
  const attack = options.attack
    ? planAttack(world, {
        model: options.attack.model,
        start: end - durationMs / 2,
        burstMs: Math.min(3_600_000, durationMs / 4),
      })
    : undefined;
  const sink = new EventBusLineSink(target.bus, target.topic);
  const stats = await new Simulation(world, sink, {
    durationMs,
    ratingScaleMax: options.ratingScaleMax,
    attack,
    batchLines: 1000,
  }).run();
  await sink.close();
  return { world, stats };
}

/** Every account's public profile (fake accounts included: the platform knows them as ordinary accounts). */
export function* profiles(world: World): Generator<PlatformUser> {
  for (let i = 0; i < world.population.size; i++) yield world.population.profile(i);
}
