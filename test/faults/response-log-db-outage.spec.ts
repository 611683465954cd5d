import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { writeArtifact } from '@lib/artifacts';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { freePort, requireKafkaBrokers, uniqueSuffix } from '../support/services';
import { OwnPostgres, ownPostgres } from './support/own-services';
import { get, metric, report, RunningService, startService, topicEnd, until } from './support/service';
import { outageMs } from './support/outage';

/**
 * The database down while requests are served: every served response reaches
 * the stream exactly once. The response log publishes to Kafka and stores to
 * PostgreSQL; when the store failed, the whole batch used to be published
 * again on every flush (a 30 s outage at 50 req/s: ~123 copies of each line).
 * Measured by the topic's end offsets before and after, on a PostgreSQL of
 * this test's own (stopped and restarted) and the shared Kafka.
 */
describe('fault: PostgreSQL down while serving — the response log reaches the stream exactly once', () => {
  let pg: OwnPostgres;
  let service: RunningService | undefined;
  let dataDir: string;

  beforeAll(async () => {
    pg = await ownPostgres();
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-rlog-'));
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await pg?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('publishes each served response once, stores each once after the database returns', async () => {
    const brokers = requireKafkaBrokers();
    const suffix = uniqueSuffix();
    const topic = `fault_rlog_${suffix}`;
    const modelDir = path.join(dataDir, 'artifacts/popularity');
    await writeArtifact(modelDir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, 1));
    const port = await freePort();
    service = startService(port, {
      DATA_DIR: dataDir,
      DATABASE_URL: pg.url,
      DATABASE_POOL_SIZE: '4',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_CLIENT_ID: `fault-rlog-${suffix}`,
      TOPIC_MOVIELOG: topic,
      TOPIC_DEAD_LETTER: `${topic}_dlq`,
      SERVING_MODEL_DIR: modelDir,
      // Only the response log writes to the topic in this case.
      INGESTION_ENABLED: 'false',
    });
    const s = service;
    await until('service ready', async () => (await get(port, '/readyz')).status === 200, 150_000, 500);
    const before = await topicEnd(brokers, topic);

    // Steady load (≈ 20 requests/s, one client, 2 s per-request timeout) for the whole outage.
    let served = 0;
    let errors = 0;
    let stopLoad = false;
    const load = (async () => {
      for (let n = 0; !stopLoad && n < 10_000; n++) {
        const r = await get(port, `/recommend/${1 + (n % 50)}`, 2_000);
        if (r.status === 200) served++;
        else errors++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const downAt = Date.now();
    await pg.stop('fast');
    await new Promise((resolve) => setTimeout(resolve, outageMs()));
    const servedDuringOutage = served;
    const errorsDuringOutage = errors;
    const backlogAtRestart = metric((await get(port, '/metrics')).body, 'marquee_recommend_log_backlog', {
      stage: 'store',
    });
    await pg.start();
    const upAt = Date.now();
    stopLoad = true;
    await load;

    // Stored once the writer retries (back-off ≤ 5 s): every served response has its row.
    const rows = async () => {
      const c = new Client({ connectionString: pg.url, connectionTimeoutMillis: 3_000 });
      await c.connect();
      try {
        const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM recommendation_log`);
        return Number(r.rows[0].n);
      } finally {
        await c.end();
      }
    };
    await until('recommendation_log complete', async () => (await rows()) >= served, 60_000, 500);
    const recoveredAt = Date.now();
    // Settle: the last flushes and any retry have run (several back-off periods).
    await until(
      'backlog empty',
      async () => {
        const text = (await get(port, '/metrics')).body;
        // Absent (NaN) counts as empty: the settle wait must not be what fails.
        return (
          !(metric(text, 'marquee_recommend_log_backlog', { stage: 'store' }) > 0) &&
          !(metric(text, 'marquee_recommend_log_backlog', { stage: 'publish' }) > 0)
        );
      },
      30_000,
      500,
    );
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const after = await topicEnd(brokers, topic);
    const storedRows = await rows();
    const dropped = metric((await get(port, '/metrics')).body, 'marquee_recommend_log_dropped_total');

    const figures = report('response-log/db-down', {
      outageSeconds: Math.round((upAt - downAt) / 1000),
      requestsServed: served,
      requestsDuringOutage: servedDuringOutage,
      errorsDuringOutage,
      storeBacklogAtRestart: backlogAtRestart,
      linesOnStream: after - before,
      rowsStored: storedRows,
      dropped,
      secondsToRecovery: Math.round((recoveredAt - upAt) / 100) / 10,
    });
    // Exactly once on the stream, once in the store.
    expect(figures.linesOnStream).toBe(served);
    expect(figures.rowsStored).toBe(served);
    expect(s.output()).not.toMatch(/Unhandled|unhandledRejection/);
    expect(figures.errorsDuringOutage).toBe(0);
    expect(figures.requestsDuringOutage).toBeGreaterThan(10);
    expect(figures.storeBacklogAtRestart).toBeGreaterThan(0);
    expect(figures.dropped).toBe(0);
  }, 300_000);
});
