/**
 * `npm run bench:ingest`: sustained ingestion throughput from the real Kafka
 * broker into a real PostgreSQL on this machine.
 *
 * 1. Produces BENCH_EVENTS (default 2,000,000) realistic lines to a fresh
 *    topic (BENCH_PARTITIONS partitions, default 3, keyed by user): ~90% watch minutes from interleaved
 *    viewing sessions, ~5% ratings, ~5% recommendation requests.
 * 2. Starts the ingestion module (config, storage, events, metrics, ingestion:
 *    nothing else competes for the CPU) on a fresh database and a fresh group.
 * 3. Samples the group's lag until it is 0; reports events/s from the first
 *    committed batch to lag 0 (sustained) and from start (including the group
 *    join), batch latency, and checks the stored counts against the expected
 *    deduplicated ones.
 *
 * Env: KAFKA_BROKERS (default 127.0.0.1:19092), DATABASE_URL (default the
 * infra/pg-start.sh URL), BENCH_EVENTS, BENCH_USERS, BENCH_MOVIES, BENCH_PARTITIONS, and any
 * INGEST_* setting. BENCH_KEEP_TOPIC=true keeps the produced topic; BENCH_TOPIC=<name>
 * re-reads it (skipping production). Writes bench/results/ingest.json.
 */
import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client } from 'pg';
import { formatRatingLine, formatRecommendationLine, formatWatchLine } from '@lib/movielog';
import { loadConfig, ConfigModule } from '@modules/config';
import { EventsModule } from '@modules/events';
import { IngestionModule, IngestionService, withIngestWorkerDefaults } from '@modules/ingestion';
import { MetricsModule, MetricsRegistry } from '@modules/metrics';
import { StorageModule, StorageService } from '@modules/storage';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from '@app/cli/commands';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://marquee:marquee@127.0.0.1:15432/marquee';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const MOVIES = Number(process.env.BENCH_MOVIES ?? 10_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3);
const ACTIVE_SESSIONS = 3_000;

/** Deterministic PRNG (mulberry32) so every run ingests the same stream. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Expected {
  pairs: Set<string>;
  ratingKeys: Set<string>;
  ratedPairs: Set<string>;
  recs: number;
  users: Set<number>;
  movies: Set<string>;
}

/** Yields [key, line] for the whole stream, and fills `expected` with what deduplication should keep. */
function* generateStream(expected: Expected): Generator<[string, string]> {
  const next = rng(20261126);
  const movieIds = Array.from({ length: MOVIES }, (_, i) => `movie+${i}+${1950 + (i % 75)}`);
  // Popularity skew: a few movies get most of the watching.
  const pickMovie = (): string => movieIds[Math.floor(MOVIES * Math.pow(next(), 2.5))];
  const pickUser = (): number => Math.floor(next() * USERS);
  const start = Date.now() - 3 * 86_400_000;
  const step = Math.max(1, Math.floor((2.5 * 86_400_000) / EVENTS));
  type Session = { user: number; movie: string; minute: number; length: number };
  const newSession = (): Session => ({
    user: pickUser(),
    movie: pickMovie(),
    minute: 0,
    length: 5 + Math.floor(next() * 115),
  });
  const sessions: Session[] = Array.from({ length: ACTIVE_SESSIONS }, newSession);
  let recCount = 0;
  for (let i = 0; i < EVENTS; i++) {
    const at = start + i * step;
    const r = next();
    if (r < 0.9) {
      const k = Math.floor(next() * sessions.length);
      const s = sessions[k];
      expected.pairs.add(`${s.user}|${s.movie}`);
      expected.users.add(s.user);
      expected.movies.add(s.movie);
      yield [String(s.user), formatWatchLine({ at, userId: s.user, movieId: s.movie, minute: s.minute })];
      if (++s.minute >= s.length) sessions[k] = newSession();
    } else if (r < 0.95) {
      const user = pickUser();
      const movie = pickMovie();
      expected.ratingKeys.add(`${user}|${movie}|${at}`);
      expected.ratedPairs.add(`${user}|${movie}`);
      expected.users.add(user);
      expected.movies.add(movie);
      yield [String(user), formatRatingLine({ at, userId: user, movieId: movie, rating: 1 + Math.floor(next() * 5) })];
    } else {
      const user = pickUser();
      const items = Array.from({ length: 20 }, (_, j) => movieIds[(recCount * 7 + j * 13) % MOVIES]);
      recCount++;
      expected.recs++;
      expected.users.add(user);
      yield [
        String(user),
        formatRecommendationLine({
          at,
          userId: user,
          server: 'bench.example:8082',
          status: 200,
          items,
          latencyMs: 5 + (i % 90),
        }),
      ];
    }
  }
}

async function produce(topic: string, expected: Expected): Promise<{ seconds: number; bytes: number }> {
  const kafka = new Kafka({ clientId: 'bench-ingest-producer', brokers: BROKERS, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: -1 }],
  });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = Date.now();
  let bytes = 0;
  let batch: { key: string; value: string }[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const flush = async (): Promise<void> => {
    const messages = batch;
    batch = [];
    const p = producer.send({ topic, acks: 1, messages }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  };
  for (const [key, value] of generateStream(expected)) {
    bytes += value.length;
    batch.push({ key, value });
    if (batch.length === 20_000) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(inFlight);
  await producer.disconnect();
  return { seconds: (Date.now() - started) / 1000, bytes };
}

/** The host's aggregate CPU counters (/proc/stat), null off Linux. */
function procStat(): number[] | null {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return null;
  }
}

/** Steal and busy shares (percent of all CPU time) of the host between two samples. */
function cpuShares(a: number[] | null, b: number[] | null): { stealPercent?: number; busyPercent?: number } {
  if (!a || !b) return {};
  const d = b.map((v, i) => v - (a[i] ?? 0));
  const total = d.slice(0, 8).reduce((x, y) => x + y, 0) || 1;
  return {
    stealPercent: Math.round((1000 * (d[7] ?? 0)) / total) / 10,
    busyPercent: Math.round((1000 * (total - d[3] - (d[4] ?? 0))) / total) / 10,
  };
}

async function main(): Promise<void> {
  parseCommand(COMMANDS['bench:ingest']);
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const topic = process.env.BENCH_TOPIC ?? `bench_movielog_${suffix}`;
  const dbName = `marquee_bench_${suffix}`;
  const admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(BASE_URL);
  dbUrl.pathname = `/${dbName}`;

  let app: INestApplicationContext | undefined;
  try {
    console.log(`producing ${EVENTS.toLocaleString()} lines to ${topic} …`);
    const expected: Expected = {
      pairs: new Set(),
      ratingKeys: new Set(),
      ratedPairs: new Set(),
      recs: 0,
      users: new Set(),
      movies: new Set(),
    };
    // BENCH_TOPIC re-reads an already produced bench topic (same seed, so the same expected counts).
    const produced = process.env.BENCH_TOPIC
      ? (() => {
          for (const _ of generateStream(expected));
          return { seconds: 0, bytes: 0 };
        })()
      : await produce(topic, expected);
    console.log(
      `produced in ${produced.seconds.toFixed(1)} s (${Math.round(EVENTS / produced.seconds).toLocaleString()} lines/s, ` +
        `${(produced.bytes / 1e6).toFixed(0)} MB)`,
    );

    // The ingest worker's settings (npm run ingest:worker), unless the environment overrides them.
    const config = loadConfig({
      ...withIngestWorkerDefaults({ ...process.env }),
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      DATA_DIR: path.join(os.tmpdir(), `marquee-bench-${suffix}`),
      DATABASE_URL: dbUrl.toString(),
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_CLIENT_ID: `bench-ingest-${suffix}`,
      TOPIC_MOVIELOG: topic,
      TOPIC_DEAD_LETTER: `${topic}.dlq`,
      INGEST_GROUP_ID: `bench_ingest_${suffix}`,
      INGEST_LAG_POLL_MS: '1000',
    });

    @Module({ imports: [ConfigModule.forRoot(config), StorageModule, EventsModule, MetricsModule, IngestionModule] })
    class BenchModule {}

    const t0 = Date.now();
    app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error', 'warn'] });
    await app.init();
    const ingestion = app.get(IngestionService);
    let firstProgress: number | null = null;
    let done: number | null = null;
    let lastLog = 0;
    const cpuStart = process.cpuUsage();
    const statStart = procStat();
    const loadStart = os.loadavg();
    const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
    let rssPeakMb = rssBeforeMb;
    for (;;) {
      rssPeakMb = Math.max(rssPeakMb, process.memoryUsage().rss / 2 ** 20);
      const lag = await ingestion.lag();
      const remaining = lag.reduce((sum, p) => sum + p.lag, 0);
      const committed = lag.length === PARTITIONS ? EVENTS - remaining : 0;
      if (firstProgress === null && committed > 0) firstProgress = Date.now();
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        console.log(
          `  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${committed.toLocaleString()} committed, lag ${remaining.toLocaleString()}`,
        );
      }
      if (lag.length === PARTITIONS && remaining === 0) {
        done = Date.now();
        break;
      }
      if (Date.now() - t0 > 30 * 60_000) throw new Error('lag did not return to 0 within 30 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu = process.cpuUsage(cpuStart);
    const statEnd = procStat();
    const sql = app.get(StorageService).sql;
    const count = async (table: string): Promise<number> =>
      Number((await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0].n);
    const stored = {
      watch_aggregate: await count('watch_aggregate'),
      rating_event: await count('rating_event'),
      rating: await count('rating'),
      recommendation_log: await count('recommendation_log'),
      app_user: await count('app_user'),
      movie: await count('movie'),
      dead_letter: await count('dead_letter'),
    };
    const expectedCounts = {
      watch_aggregate: expected.pairs.size,
      rating_event: expected.ratingKeys.size,
      rating: expected.ratedPairs.size,
      recommendation_log: expected.recs,
      app_user: expected.users.size,
      movie: expected.movies.size,
      dead_letter: 0,
    };
    const metrics = await app.get(MetricsRegistry).text();
    const batchCount = Number(/marquee_ingest_batch_seconds_count (\d+)/.exec(metrics)?.[1] ?? 0);
    const batchSum = Number(/marquee_ingest_batch_seconds_sum ([\d.e+-]+)/.exec(metrics)?.[1] ?? 0);

    const sustainedSeconds = (done - (firstProgress ?? t0)) / 1000;
    const totalSeconds = (done - t0) / 1000;
    const result = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        // The machine is shared: a load average far above the core count means the figure is CPU-starved.
        loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 10) / 10),
        loadAverageAtStart: loadStart.map((l) => Math.round(l * 10) / 10),
        ...cpuShares(statStart, statEnd),
      },
      events: EVENTS,
      mix: { watch: 0.9, rating: 0.05, recommendation: 0.05 },
      settings: {
        consumers: config.ingestion.consumers,
        writeConcurrency: config.ingestion.writeConcurrency,
        batchMaxRecords: config.ingestion.batchMaxRecords,
        partitions: PARTITIONS,
        kafkaThread:
          config.events.kind === 'kafka'
            ? {
                on: config.events.thread,
                nice: config.events.threadNice,
                youngGenMb: config.events.threadYoungGenMb,
              }
            : null,
        nodeOptions: process.env.NODE_OPTIONS ?? '',
      },
      produce: { seconds: produced.seconds, linesPerSecond: Math.round(EVENTS / produced.seconds) },
      ingest: {
        sustainedEventsPerSecond: Math.round(EVENTS / sustainedSeconds),
        eventsPerSecondIncludingGroupJoin: Math.round(EVENTS / totalSeconds),
        sustainedSeconds,
        totalSeconds,
        lagReturnedToZero: true,
        batches: batchCount,
        meanBatchSeconds: batchCount > 0 ? batchSum / batchCount : null,
        meanRecordsPerBatch: batchCount > 0 ? Math.round(EVENTS / batchCount) : null,
        processCpuSeconds: (cpu.user + cpu.system) / 1e6,
        // Ingestion runs in this process: resident memory sampled every 100 ms while it ingests (an upper
        // bound: what the producer left behind is counted too). The k8s ingest worker's limit is 512 MiB.
        rssMb: { beforeIngest: Math.round(rssBeforeMb), peakDuringIngest: Math.round(rssPeakMb) },
      },
      stored,
      expected: expectedCounts,
      countsMatch: JSON.stringify(stored) === JSON.stringify(expectedCounts),
    };
    console.log(JSON.stringify(result, null, 2));
    const out = path.resolve(__dirname, 'results/ingest.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `\nsustained ${result.ingest.sustainedEventsPerSecond.toLocaleString()} events/s ` +
        `(${result.ingest.eventsPerSecondIncludingGroupJoin.toLocaleString()} including the group join); ` +
        `counts ${result.countsMatch ? 'match' : 'DO NOT match'} the deduplicated expectation → ${out}`,
    );
    if (!result.countsMatch) process.exitCode = 1;
  } finally {
    await app?.close();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const kafka = new Kafka({ clientId: 'bench-ingest-cleanup', brokers: BROKERS, logLevel: logLevel.NOTHING });
    const ka = kafka.admin();
    await ka.connect();
    const keep = process.env.BENCH_KEEP_TOPIC === 'true' || process.env.BENCH_TOPIC !== undefined;
    await ka.deleteTopics({ topics: keep ? [`${topic}.dlq`] : [topic, `${topic}.dlq`] }).catch(() => undefined);
    await ka.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
