import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { writeArtifact } from '@lib/artifacts';
import { formatWatchLine } from '@lib/movielog';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { freePort, requireKafkaBrokers, uniqueSuffix } from '../support/services';
import { OwnPostgres, ownPostgres } from './support/own-services';
import { outageMs } from './support/outage';
import { get, metric, report, RunningService, startService, until } from './support/service';

/**
 * PostgreSQL stopped under ingestion and a steady /recommend load, then
 * started again:
 *  - /recommend answers known users from memory (history index, model) — the
 *    stated bound: at most 5% of requests may fail (in practice none);
 *  - no offset is committed for a batch that was not stored: the ingestion
 *    group's committed offsets never pass what was stored before the stop
 *    (a consumer that committed before storing fails this case);
 *  - ingestion resumes by itself and the counts are exact;
 *  - no unhandled rejection; resident memory stays bounded.
 * A PostgreSQL of this test's own; the shared Kafka with a unique topic.
 */
const MAX_ERROR_RATE = 0.05;
const MAX_RSS_BYTES = 1_500_000_000;

describe('fault: PostgreSQL stopped under ingestion and serving', () => {
  let pg: OwnPostgres;
  let service: RunningService | undefined;
  let producer: Producer | undefined;
  let dataDir: string;

  beforeAll(async () => {
    pg = await ownPostgres();
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-pg-'));
  }, 180_000);
  afterAll(async () => {
    await producer?.disconnect().catch((error: unknown) => process.stderr.write(`producer: ${String(error)}\n`));
    await service?.stop();
    await pg?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('serves known users, commits nothing unstored, resumes with exact counts', async () => {
    const brokers = requireKafkaBrokers();
    const suffix = uniqueSuffix();
    const topic = `fault_pg_${suffix}`;
    const group = `fault_pg_ingest_${suffix}`;
    const modelDir = path.join(dataDir, 'artifacts/popularity');
    await writeArtifact(modelDir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, 1));
    const port = await freePort();
    service = startService(port, {
      DATA_DIR: dataDir,
      DATABASE_URL: pg.url,
      DATABASE_POOL_SIZE: '4',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_CLIENT_ID: `fault-pg-${suffix}`,
      TOPIC_MOVIELOG: topic,
      TOPIC_DEAD_LETTER: `${topic}_dlq`,
      SERVING_MODEL_DIR: modelDir,
      INGEST_GROUP_ID: group,
      INGEST_CONSUMERS: '1',
      SERVING_HISTORY_INDEX_REFRESH_MS: '3000',
    });
    const s = service;
    await until('ready', async () => (await get(port, '/readyz')).status === 200, 150_000, 500);

    const kafka = new Kafka({ clientId: 'fault-pg-test', brokers, logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    const p = producer;
    let nextUser = 1;
    const at = Date.UTC(2026, 10, 1);
    const send = async (users: number) => {
      const messages = [];
      for (let i = 0; i < users; i++, nextUser++) {
        messages.push({
          key: String(nextUser),
          value: formatWatchLine({ at, userId: nextUser, movieId: 'heat+1995', minute: 3 }),
        });
      }
      await p.send({ topic, acks: -1, messages });
    };
    const count = async () => {
      const c = new Client({ connectionString: pg.url, connectionTimeoutMillis: 3_000 });
      await c.connect();
      try {
        return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM watch_aggregate')).rows[0].n);
      } finally {
        await c.end();
      }
    };
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () => {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return offsets.partitions.reduce((sum, x) => sum + Math.max(0, Number(x.offset)), 0);
    };

    // Phase 1: 1000 known users, stored and in the history index.
    await send(1_000);
    await until('phase 1 stored', async () => (await count()) === 1_000, 90_000, 500);
    await until('phase 1 committed', async () => (await committed()) === 1_000, 60_000, 500);
    await until(
      'history index holds the known users',
      async () => metric((await get(port, '/metrics')).body, 'marquee_serving_history_index_users') >= 1_000,
      60_000,
      500,
    );

    await pg.stop('fast');
    const stoppedAt = Date.now();
    // Phase 2 during the outage: 1000 more users' lines, which cannot be stored now.
    await send(1_000);
    let requests = 0;
    let errors = 0;
    let maxCommitted = 0;
    let maxRss = 0;
    const end = Date.now() + outageMs();
    for (let n = 0; Date.now() < end && n < 100_000; n++) {
      const r = await get(port, `/recommend/${1 + (n % 1_000)}`, 2_000);
      requests++;
      if (r.status !== 200) errors++;
      if (n % 25 === 0) {
        maxCommitted = Math.max(maxCommitted, await committed());
        maxRss = Math.max(
          maxRss,
          metric((await get(port, '/metrics', 5_000)).body, 'marquee_process_process_resident_memory_bytes'),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await pg.start();
    const restartedAt = Date.now();
    await until('everything stored', async () => (await count()) >= 2_000, 120_000, 500);
    const storedAt = Date.now();
    // Bounded wait, then the value goes into the figures (a failure shows where it stopped).
    // The topic also holds the service's own response lines: everything = the topic's end.
    const topicEnd = async () => (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high), 0);
    await until('everything committed', async () => (await committed()) === (await topicEnd()), 60_000, 500).catch(
      (error: unknown) => process.stderr.write(`${String(error)}\n`),
    );
    const committedAfter = await committed();
    const topicEndAfter = await topicEnd();
    const stored = await count();
    await admin.disconnect();

    const figures = report('postgres/stopped-under-ingestion', {
      outageSeconds: Math.round((restartedAt - stoppedAt) / 1000),
      eventsSent: 2_000,
      eventsStored: stored,
      requestsDuringOutage: requests,
      errorsDuringOutage: errors,
      maxCommittedDuringOutage: maxCommitted,
      maxRssMb: Math.round(maxRss / 1e6),
      committedAfter,
      topicEndAfter,
      secondsToStored: Math.round((storedAt - restartedAt) / 100) / 10,
    });
    // Nothing committed past what was stored before the stop.
    expect(figures.maxCommittedDuringOutage).toBeLessThanOrEqual(1_000);
    expect(figures.eventsStored).toBe(2_000);
    expect(figures.committedAfter).toBe(figures.topicEndAfter);
    expect(figures.requestsDuringOutage).toBeGreaterThan(20);
    expect(figures.errorsDuringOutage / figures.requestsDuringOutage).toBeLessThanOrEqual(MAX_ERROR_RATE);
    expect(maxRss).toBeGreaterThan(0);
    expect(maxRss).toBeLessThan(MAX_RSS_BYTES);
    expect(s.child.exitCode).toBeNull();
    expect(s.output()).not.toMatch(/Unhandled|unhandledRejection/);
  }, 600_000);
});
