/**
 * `npm run import:movielens -- <dir> [options]`: turns a MovieLens download into
 * Marquee's world: catalogue entries, users and rating events in the stream format.
 * Reads ml-latest / ml-25m / ml-20m (CSV), ml-1m (.dat) and ml-100k (u.*).
 *
 *   --out-dir <dir>      writes catalog.jsonl, users.jsonl, ratings.log (stream lines, timestamp order)
 *                        and issues.jsonl (malformed rows with file and line); default: <dir>/marquee
 *   --rating-scale 5     target integer scale (stars × scale / 5, rounded, clamped to 1..scale)
 *   --load               also loads catalogue and users into the store through the catalog service
 *   --kafka              also publishes the rating lines to the movielog topic (KAFKA_BROKERS / --brokers)
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '@modules/config';
import { createEventBus } from '@modules/events';
import { movieLensCatalog, movieLensRatingLines, movieLensUsers } from '@world/movielens/movielens-import';
import { readMovieLens } from '@lib/movielens';
import { writeJsonl } from '@world/output/jsonl';
import { EventBusLineSink, fileLineSink, LineSink } from '@world/output/line-sink';
import { withCatalogService } from './catalog-context';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<void> {
  const { values, positionals } = parseCommand(COMMANDS['import:movielens']);
  const dir = positionals[0];
  if (!dir) throw new Error('usage: npm run import:movielens -- <movielens dir> [--out-dir <dir>] [--load] [--kafka]');
  const scale = Number(values['rating-scale']);
  if (!Number.isInteger(scale) || scale < 2) throw new Error('--rating-scale must be an integer ≥ 2');
  const outDir = values['out-dir'] ?? path.join(dir, 'marquee');
  const started = Date.now();

  const data = await readMovieLens(dir);
  for (const issue of data.issues.slice(0, 20))
    console.error(`${issue.file}:${issue.line}: ${issue.reason}: ${JSON.stringify(issue.text)}`);
  if (data.issues.length > 20) console.error(`… and ${data.issues.length - 20} more malformed row(s)`);
  console.error(
    `${data.format}: ${data.movies.size} movies, ${data.ratings.length} ratings, ${data.users.length} user profiles, ` +
      `${data.issues.length} malformed row(s) skipped`,
  );

  const { movies, slugOf } = movieLensCatalog(data);
  const users = movieLensUsers(data);
  mkdirSync(outDir, { recursive: true });
  await writeJsonl(path.join(outDir, 'catalog.jsonl'), movies);
  await writeJsonl(path.join(outDir, 'users.jsonl'), users);
  await writeJsonl(path.join(outDir, 'issues.jsonl'), data.issues);

  const sinks: LineSink[] = [fileLineSink(path.join(outDir, 'ratings.log'))];
  let closeBus: (() => Promise<void>) | undefined;
  if (values.kafka) {
    const config = loadConfig({ ...process.env, ...(values.brokers ? { KAFKA_BROKERS: values.brokers } : {}) });
    if (config.events.kind !== 'kafka') throw new Error('--kafka needs --brokers or KAFKA_BROKERS');
    const bus = createEventBus(config);
    await bus.connect();
    await bus.ensureTopics([config.topics.movielog], config.topicPartitions);
    sinks.push(new EventBusLineSink(bus, config.topics.movielog));
    closeBus = () => bus.close();
  }
  let batch: string[] = [];
  for (const line of movieLensRatingLines(data, slugOf, scale)) {
    batch.push(line);
    if (batch.length >= 5000) {
      for (const sink of sinks) await sink.write(batch);
      batch = [];
    }
  }
  for (const sink of sinks) {
    await sink.write(batch);
    await sink.close();
  }
  await closeBus?.();
  console.error(`wrote ${outDir}/{catalog.jsonl,users.jsonl,ratings.log,issues.jsonl}`);

  if (values.load) {
    await withCatalogService(async (catalog) => {
      const m = await catalog.importMovies(movies);
      const u = await catalog.importUsers(users);
      console.error(`loaded ${m.imported} movies and ${u.imported} users into the store`);
    });
  }
  console.error(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
