import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { writeArtifact } from '@lib/artifacts';
import { formatWatchLine } from '@lib/movielog';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { createScratchDatabase, freePort, uniqueSuffix } from '../support/services';
import { OwnKafka, ownKafka } from './support/own-services';
import { outageMs } from './support/outage';
import { get, metric, report, RunningService, startService, topicEnd, until } from './support/service';

/**
 * The Kafka broker killed (SIGKILL) while events stream in, kept down, then
 * restarted: the service stays up and /recommend answers from memory,
 * /readyz reports the broker, ingestion resumes by itself and the stored
 * counts are exact (each watch line is a distinct user–movie pair, so the
 * expected rows are the lines sent; malformed lines are dead-lettered), lag
 * returns to 0, and the response log written meanwhile reaches the stream
 * once the broker is back. A broker of this test's own; the shared one is
 * never touched.
 */
describe('fault: Kafka broker killed under ingestion and serving', () => {
  let kafka: OwnKafka;
  let db: { url: string; drop(): Promise<void> };
  let service: RunningService | undefined;
  let producer: Producer | undefined;
  let dataDir: string;

  beforeAll(async () => {
    kafka = await ownKafka();
    db = await createScratchDatabase('marquee_fault_kafka');
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-kafka-'));
  }, 240_000);

  afterAll(async () => {
    await producer?.disconnect().catch((error: unknown) => process.stderr.write(`producer: ${String(error)}\n`));
    await service?.stop();
    await kafka?.destroy();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('keeps serving, reports the broker, resumes ingestion with exact counts and loses no response line', async () => {
    const suffix = uniqueSuffix();
    const topic = `fault_kafka_${suffix}`;
    const modelDir = path.join(dataDir, 'artifacts/popularity');
    await writeArtifact(modelDir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, 1));
    const port = await freePort();
    service = startService(port, {
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_CLIENT_ID: `fault-kafka-${suffix}`,
      TOPIC_MOVIELOG: topic,
      TOPIC_DEAD_LETTER: `${topic}_dlq`,
      SERVING_MODEL_DIR: modelDir,
      INGEST_GROUP_ID: `fault_ingest_${suffix}`,
      INGEST_CONSUMERS: '1',
      INGEST_LAG_POLL_MS: '1000',
    });
    const s = service;
    await until('service ready', async () => (await get(port, '/readyz')).status === 200, 150_000, 500);

    producer = new Kafka({
      clientId: 'fault-test-producer',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 },
    }).producer();
    await producer.connect();
    const p = producer;
    let nextUser = 1;
    let valid = 0;
    let malformed = 0;
    const at = Date.UTC(2026, 10, 1);
    /** One batch: 200 distinct user–movie watch lines and 2 malformed lines. */
    const sendBatch = async () => {
      const messages = [];
      for (let i = 0; i < 200; i++, nextUser++) {
        messages.push({
          key: String(nextUser),
          value: formatWatchLine({ at, userId: nextUser, movieId: 'heat+1995', minute: 3 }),
        });
      }
      messages.push(
        { key: 'x', value: 'not a movielog line' },
        { key: 'y', value: '2026-11-01T00:00:00,abc,GET /data/m/x/1.mpg' },
      );
      await p.send({ topic, acks: -1, messages });
      valid += 200;
      malformed += 2;
    };

    // Phase 1: stream, then kill the broker while the service is still ingesting it.
    for (let b = 0; b < 15; b++) await sendBatch();
    const readyzDuring: boolean[] = [];
    const lagAgeDuring: number[] = [];
    let served = 0;
    let errors = 0;
    const latencies: number[] = [];
    const killedAt = Date.now();
    await kafka.kill();
    const end = Date.now() + outageMs();
    for (let n = 0; Date.now() < end && n < 100_000; n++) {
      const r = await get(port, `/recommend/${1 + (n % 100)}`, 2_000);
      latencies.push(r.ms);
      if (r.status === 200) served++;
      else errors++;
      if (n % 20 === 0) {
        const ready = await get(port, '/readyz', 5_000);
        readyzDuring.push(
          ready.status === 200 && (JSON.parse(ready.body) as { checks: { eventBus: boolean } }).checks.eventBus,
        );
        lagAgeDuring.push(metric((await get(port, '/metrics', 5_000)).body, 'marquee_ingest_consumer_lag_age_seconds'));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const backlogAtRestart = metric((await get(port, '/metrics')).body, 'marquee_recommend_log_backlog', {
      stage: 'publish',
    });
    const downForMs = Date.now() - killedAt;
    await kafka.start();
    const restartedAt = Date.now();

    // Phase 2: more events after the broker is back.
    for (let b = 0; b < 5; b++) await sendBatch();

    const count = async (sql: string) => {
      const c = new Client({ connectionString: db.url, connectionTimeoutMillis: 3_000 });
      await c.connect();
      try {
        return Number((await c.query<{ n: string }>(sql)).rows[0].n);
      } finally {
        await c.end();
      }
    };
    await until(
      'every watch stored',
      async () => (await count('SELECT count(*) AS n FROM watch_aggregate')) >= valid,
      180_000,
      500,
    );
    const ingestedAt = Date.now();
    await until(
      'lag 0 and response backlog empty',
      async () => {
        const text = (await get(port, '/metrics')).body;
        return (
          metric(text, 'marquee_ingest_consumer_lag') === 0 &&
          metric(text, 'marquee_ingest_consumer_lag_age_seconds') < 5 &&
          metric(text, 'marquee_recommend_log_backlog', { stage: 'publish' }) === 0
        );
      },
      120_000,
      500,
    );
    const readyAfter = await get(port, '/readyz');
    const stored = await count('SELECT count(*) AS n FROM watch_aggregate');
    const deadLettered = await count('SELECT count(*) AS n FROM dead_letter');
    const onStream = (await topicEnd(kafka.brokers, topic)) - valid - malformed;
    const metricsText = (await get(port, '/metrics')).body;

    const figures = report('kafka/broker-killed', {
      outageSeconds: Math.round(downForMs / 1000),
      brokerStartSeconds: Math.round((restartedAt - killedAt - downForMs) / 1000),
      eventsSent: valid + malformed,
      eventsStored: stored,
      deadLettered,
      requestsDuringOutage: served + errors,
      errorsDuringOutage: errors,
      recommendP50Ms: percentile(latencies, 0.5),
      recommendP95Ms: percentile(latencies, 0.95),
      readyzReportedBrokerDown: readyzDuring.filter((r) => !r).length,
      readyzSamples: readyzDuring.length,
      maxLagAgeSeconds: Math.max(...lagAgeDuring),
      responseLinesBufferedAtRestart: backlogAtRestart,
      responseLinesOnStream: onStream,
      responsesServed: served,
      responseLinesDropped: metric(metricsText, 'marquee_recommend_log_dropped_total'),
      secondsToIngested: Math.round((ingestedAt - restartedAt) / 100) / 10,
    });
    expect(s.child.exitCode).toBeNull();
    expect(figures.errorsDuringOutage).toBe(0);
    expect(figures.eventsStored).toBe(valid);
    expect(figures.deadLettered).toBe(malformed);
    // The broker's state, not a flag from connect: reported down during the outage, up after.
    expect(figures.readyzReportedBrokerDown).toBeGreaterThan(0);
    expect(readyAfter.status).toBe(200);
    expect(figures.maxLagAgeSeconds).toBeGreaterThan(5);
    // Every response served during the outage reached the stream once the broker was back.
    expect(figures.responseLinesBufferedAtRestart).toBeGreaterThan(0);
    expect(figures.responseLinesOnStream).toBeGreaterThanOrEqual(served);
    expect(figures.responseLinesDropped).toBe(0);
    expect(s.output()).not.toMatch(/Unhandled|unhandledRejection/);
  }, 600_000);
});

function percentile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
