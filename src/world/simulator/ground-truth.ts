import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { World } from '../world';
import { AttackPlan } from './attack';
import { TASTE_DIMS } from './taste-model';

/**
 * The labels detection and evaluation are scored against, one JSON object per
 * line: a `world` header, an `attack` record and one `fake_user` per fake account.
 * This file is for evaluation reports only; it must never be ingested by the service.
 */
export function* groundTruthRecords(
  world: World,
  attack: AttackPlan | undefined,
  durationMs: number,
): Generator<object> {
  const o = world.options;
  yield {
    kind: 'world',
    seed: o.seed,
    users: o.users,
    movies: o.movies,
    start: new Date(o.start).toISOString(),
    end: new Date(o.start + durationMs).toISOString(),
    drift: o.drift,
    activity: o.activity,
    fake_accounts: world.population.fakeAccounts,
  };
  if (!attack) return;
  const target = world.catalog.movies[attack.target].id;
  yield {
    kind: 'attack',
    attack: attack.model,
    target,
    fake_accounts: attack.fakes.length,
    filler_items: attack.fillerItems,
    start: new Date(attack.start).toISOString(),
    end: new Date(attack.end).toISOString(),
  };
  for (const f of attack.fakes) {
    yield { kind: 'fake_user', user_id: world.population.ids[f], attack: attack.model, target };
  }
}

export async function writeGroundTruth(path: string, records: Iterable<object>): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  for (const record of records) {
    if (!out.write(JSON.stringify(record) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * The hidden taste model, for evaluation reports that need the truth itself
 * (e.g. regret of a recommender against the ideal list): one `movie` record per
 * movie and one `user` record per account, vectors rounded to 4 decimals.
 * utility(u, m, t) = (user.vector + drift × (t − start)/30 days × user.drift) · movie.vector + movie.bias;
 * a viewing is enjoyed when utility + N(0, 0.45²) > user.threshold.
 */
export function* tasteRecords(world: World): Generator<object> {
  const { taste, catalog, population } = world;
  const K = TASTE_DIMS;
  const vec = (a: Float32Array, i: number): number[] =>
    Array.from(a.subarray(i * K, (i + 1) * K), (x) => Math.round(x * 1e4) / 1e4);
  yield {
    kind: 'taste_model',
    dims: K,
    start: new Date(world.options.start).toISOString(),
    drift: world.options.drift,
  };
  for (let m = 0; m < catalog.movies.length; m++)
    yield {
      kind: 'movie',
      id: catalog.movies[m].id,
      vector: vec(taste.movieVectors, m),
      bias: Math.round(taste.movieBias[m] * 1e4) / 1e4,
      available_from: new Date(catalog.traits.availableFrom[m]).toISOString(),
    };
  for (let u = 0; u < population.size; u++)
    yield {
      kind: 'user',
      user_id: population.ids[u],
      fake: population.isFake(u),
      vector: vec(taste.userVectors, u),
      drift: vec(taste.driftVectors, u),
      threshold: Math.round(taste.userThreshold[u] * 1e4) / 1e4,
      sessions_per_day: Math.round(taste.activity[u] * 1e4) / 1e4,
    };
}
