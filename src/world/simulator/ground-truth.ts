import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { World } from '../world';
import { AttackPlan } from './attack';

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
