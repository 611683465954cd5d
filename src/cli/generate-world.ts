/**
 * `npm run generate:world -- [options]`: the simulated world's catalogue and users.
 *
 *   --users 1000000 --movies 27000 --seed 42 [--start 2026-11-01T00:00:00] [--attack-size 0.03]
 *   --out-dir <dir>   writes <dir>/catalog.jsonl and <dir>/users.jsonl (platform API shapes)
 *   --load            loads both into the store through the catalog service (DATABASE_URL / DATA_DIR)
 * Use the same --seed/--users/--movies/--attack-size as `npm run simulate` so ids agree.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { profiles } from '@world/bootstrap';
import { writeJsonl } from '@world/output/jsonl';
import { createWorld } from '@world/world';
import { withCatalogService } from './catalog-context';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<void> {
  const { values } = parseCommand(COMMANDS['generate:world']);
  if (!values['out-dir'] && !values.load) throw new Error('nothing to do: pass --out-dir <dir> and/or --load');
  const started = Date.now();
  const world = createWorld({
    seed: Number(values.seed),
    users: Number(values.users),
    movies: Number(values.movies),
    start: Date.parse(`${values.start.replace(/Z$/, '')}Z`),
    attackSize: Number(values['attack-size']),
  });
  if (values['out-dir']) {
    mkdirSync(values['out-dir'], { recursive: true });
    await writeJsonl(path.join(values['out-dir'], 'catalog.jsonl'), world.catalog.movies);
    await writeJsonl(path.join(values['out-dir'], 'users.jsonl'), profiles(world));
    console.error(
      `wrote ${world.catalog.movies.length} movies and ${world.population.size} users to ${values['out-dir']}`,
    );
  }
  if (values.load) {
    await withCatalogService(async (catalog) => {
      const movies = await catalog.importMovies(world.catalog.movies);
      const users = await catalog.importUsers(profiles(world));
      console.error(`loaded ${movies.imported} movies and ${users.imported} users into the store`);
    });
  }
  console.error(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
