import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { writeArtifact } from '@lib/artifacts';
import { formatRatingLine } from '@lib/movielog';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { loadConfig } from '@modules/config';
import { EVENT_BUS, EventBus } from '@modules/events';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { createScratchDatabase, requireKafkaBrokers, uniqueSuffix, waitFor } from '../support/services';

/**
 * On PostgreSQL and Kafka, one process that ingests and serves: a rating that
 * arrives on `movielog` is stored by ingestion, which names the user on the
 * history-change topic, and serving drops the user's cached history, so the
 * rated movie leaves the next list. The cache's TTL is an hour and the
 * history index is off: nothing but that message can refresh the history.
 */
describe('cached histories dropped through the history-change topic (PostgreSQL + Kafka)', () => {
  jest.setTimeout(180_000);
  let database: { url: string; drop(): Promise<void> } | undefined;
  let app: NestFastifyApplication | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-history-changes-'));
    database = await createScratchDatabase('marquee_history_changes');
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('excludes a movie rated on the stream once ingestion has stored the rating', async () => {
    const brokers = requireKafkaBrokers();
    const suffix = uniqueSuffix();
    const modelDir = path.join(dir, 'model');
    await writeArtifact(modelDir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, 1));
    const config = loadConfig({
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'silent',
      DATABASE_URL: database!.url,
      KAFKA_BROKERS: brokers.join(','),
      TOPIC_MOVIELOG: `history_changes_${suffix}`,
      TOPIC_DEAD_LETTER: `history_changes_${suffix}_dlq`,
      TOPIC_HISTORY_CHANGES: `history_changes_${suffix}_users`,
      INGEST_GROUP_ID: `history-changes-ingest-${suffix}`,
      EXPERIMENTS_GROUP_ID: `history-changes-experiments-${suffix}`,
      SERVING_MODEL_DIR: modelDir,
      SERVING_HISTORY_INDEX: 'false',
      SERVING_HISTORY_TTL_MS: '3600000',
      RATE_LIMIT_ENABLED: 'false',
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const list = async (): Promise<string[]> => {
      const response = await app!.inject({ method: 'GET', url: '/recommend/7' });
      expect(response.statusCode).toBe(200);
      return response.body.split(',');
    };

    // User 7 has no stored history: this answer caches an empty one for an hour.
    const target = (await list())[0];
    expect(await list()).toContain(target);
    await app
      .get<EventBus>(EVENT_BUS)
      .publish(config.topics.movielog, [
        { key: '7', value: formatRatingLine({ at: Date.now(), userId: 7, movieId: target, rating: 5 }) },
      ]);
    await waitFor(async () => !(await list()).includes(target), 120_000, 250);
  });
});
