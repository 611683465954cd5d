import { ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Client } from 'pg';
import { formatAccountLine, formatRatingLine, formatRecommendationLine, formatWatchLine } from '@lib/movielog';
import type { DeadLetterEnvelope } from '@modules/ingestion/ingestion.service';
import {
  createScratchDatabase,
  requireKafkaBrokers,
  requirePostgresUrl,
  uniqueSuffix,
  waitFor,
} from '../support/services';

/**
 * Acceptance for ingestion on a real Kafka broker and a real PostgreSQL (fresh
 * database and topics per run): N valid lines (with exact duplicates) and M
 * malformed ones go in; exactly the deduplicated N are stored, exactly M are
 * dead-lettered (table and topic), and the consumer keeps going. The consumer
 * runs as a child process that is SIGKILLed after a batch is stored but before
 * its offsets are committed; after a restart the counts are still exact.
 */
const ROOT = path.resolve(__dirname, '../..');
const T = Date.UTC(2026, 10, 25, 9, 0, 0);

interface Worker {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<void>;
}

function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-ts.js'), 'test/support/ingestion-worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, lines, exited };
}

/** The valid lines, each published twice, and the rows deduplication must leave. */
function validLines(): { lines: string[]; expected: Record<string, number>; maxMinute: Map<string, number> } {
  const lines: string[] = [];
  const pairs = new Map<string, number>();
  const ratingKeys = new Set<string>();
  const ratedPairs = new Set<string>();
  const users = new Set<number>();
  const movies = new Set<string>();
  const movie = (i: number): string => `movie+${i}+${1990 + i}`;
  for (let u = 0; u < 40; u++) {
    for (const m of [movie(u % 15), movie((u + 4) % 15)]) {
      const minutes = 3 + ((u * 7) % 20);
      for (let minute = 0; minute < minutes; minute++)
        lines.push(formatWatchLine({ at: T + u * 60_000 + minute * 1000, userId: u, movieId: m, minute }));
      pairs.set(`${u}|${m}`, Math.max(pairs.get(`${u}|${m}`) ?? -1, minutes - 1));
      users.add(u);
      movies.add(m);
    }
  }
  for (let u = 0; u < 25; u++) {
    const m = movie(20 + (u % 5));
    lines.push(formatRatingLine({ at: T + u, userId: u, movieId: m, rating: 1 + (u % 5) }));
    ratingKeys.add(`${u}|${m}|${T + u}`);
    if (u % 3 === 0) {
      lines.push(formatRatingLine({ at: T + 3_600_000 + u, userId: u, movieId: m, rating: 5 }));
      ratingKeys.add(`${u}|${m}|${T + 3_600_000 + u}`);
    }
    ratedPairs.add(`${u}|${m}`);
    users.add(u);
    movies.add(m);
  }
  for (let i = 0; i < 30; i++) {
    const userId = 100 + (i % 10);
    lines.push(
      formatRecommendationLine({
        at: T + i * 1000,
        userId,
        server: 'marquee.example:8082',
        status: i % 7 === 6 ? 500 : 200,
        items: i % 7 === 6 ? [] : [movie(i % 15), movie((i + 1) % 15), 'untitled+'],
        latencyMs: 10 + i,
        errorText: 'java.lang.IllegalStateException: no model',
      }),
    );
    users.add(userId);
  }
  for (let u = 200; u < 210; u++) {
    lines.push(formatAccountLine({ at: T, userId: u }));
    users.add(u);
  }
  return {
    lines,
    maxMinute: pairs,
    expected: {
      watch_aggregate: pairs.size,
      rating_event: ratingKeys.size,
      rating: ratedPairs.size,
      recommendation_log: 30,
      app_user: users.size,
      movie: movies.size,
    },
  };
}

const MALFORMED: Array<{ value: Buffer; reason: string }> = [
  { value: Buffer.from('2026-11-25T09:00:00,7,GET /data/m/movie+1+1991/'), reason: 'truncated' },
  { value: Buffer.from('2026-11-25T09:00:00,7,GET /rate/movie+1+1991'), reason: 'truncated' },
  { value: Buffer.from('2026-11-25T09:0'), reason: 'truncated' },
  { value: Buffer.from('2026-11-25T09:00:00,seven,GET /data/m/movie+1+1991/3.mpg'), reason: 'bad_user_id' },
  { value: Buffer.from('2026-11-25T09:00:00,7,GET /rate/movie+1+1991=five'), reason: 'bad_rating' },
  { value: Buffer.from('2026-11-25T09:00:00,7,GET /rate/movie+1+1991=9'), reason: 'rating_out_of_range' },
  { value: Buffer.from('2026-11-25T09:00:00,7,GET /data/m/movie+1+1991/three.mpg'), reason: 'bad_minute' },
  { value: Buffer.from('yesterday noon,7,GET /create_account'), reason: 'bad_timestamp' },
  { value: Buffer.from('2099-01-01T00:00:00,7,GET /create_account'), reason: 'future_timestamp' },
  { value: Buffer.from("2026-11-25T09:00:00,7,GET /rate/'; DROP TABLE movie; --=5"), reason: 'bad_movie_id' },
  {
    value: Buffer.from('2026-11-25T09:00:00,1 OR 1=1; DROP TABLE app_user; --,GET /create_account'),
    reason: 'bad_user_id',
  },
  {
    value: Buffer.from('2026-11-25T09:00:00,7,GET /data/m/<script>alert(document.cookie)</script>/1.mpg'),
    reason: 'bad_movie_id',
  },
  {
    value: Buffer.concat([
      Buffer.from('2026-11-25T09:00:00,7,GET /data/m/caf'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('/1.mpg'),
    ]),
    reason: 'invalid_utf8',
  },
  { value: Buffer.alloc(1_000_000, 'A'), reason: 'too_long' },
  { value: Buffer.alloc(0), reason: 'empty' },
  { value: Buffer.from('2026-11-25T09:00:00,7,DELETE /data/m/movie+1+1991/1.mpg'), reason: 'unknown_format' },
];

describe('ingestion: real Kafka → real PostgreSQL, with a consumer killed mid-stream', () => {
  let db: { url: string; drop(): Promise<void> };
  let pg: Client;
  let kafka: Kafka;
  const workers: Worker[] = [];
  const suffix = uniqueSuffix();
  const topic = `it_movielog_${suffix}`;
  const dlqTopic = `${topic}.dlq`;
  const groupId = `it_ingest_${suffix}`;

  beforeAll(async () => {
    requirePostgresUrl();
    const brokers = requireKafkaBrokers();
    db = await createScratchDatabase('marquee_it');
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    kafka = new Kafka({ clientId: `it-${suffix}`, brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 3, replicationFactor: -1 },
        { topic: dlqTopic, numPartitions: 3, replicationFactor: -1 },
      ],
    });
    await admin.disconnect();
  }, 60_000);

  /** Producers a test opened: disconnected here too, so a failed assertion does not leave a socket holding jest open. */
  const producers: Producer[] = [];

  afterAll(async () => {
    // eslint-disable-next-line no-restricted-syntax -- best-effort cleanup after the tests
    await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
    await pg?.end();
    await db?.drop();
    const admin = kafka?.admin();
    if (admin) {
      await admin.connect();
      // eslint-disable-next-line no-restricted-syntax -- best-effort cleanup after the tests
      await admin.deleteTopics({ topics: [topic, dlqTopic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);

  const workerEnv = (): Record<string, string> => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: requireKafkaBrokers().join(','),
    KAFKA_CLIENT_ID: `it-worker-${suffix}`,
    TOPIC_MOVIELOG: topic,
    TOPIC_DEAD_LETTER: dlqTopic,
    INGEST_GROUP_ID: groupId,
    INGEST_CONSUMERS: '2',
    INGEST_BATCH_MAX_RECORDS: '100',
    INGEST_LAG_POLL_MS: '500',
    DATA_DIR: path.join(os.tmpdir(), `marquee-it-${suffix}`),
  });

  const count = async (table: string): Promise<number> =>
    Number((await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0].n);
  const counts = async (): Promise<Record<string, number>> => ({
    watch_aggregate: await count('watch_aggregate'),
    rating_event: await count('rating_event'),
    rating: await count('rating'),
    recommendation_log: await count('recommendation_log'),
    app_user: await count('app_user'),
    movie: await count('movie'),
  });
  const groupLag = async (): Promise<number> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return ends.reduce((sum, end) => {
        const c = committed.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return sum + Number(BigInt(end.high) - BigInt(c === '-1' ? end.low : c));
      }, 0);
    } finally {
      await admin.disconnect();
    }
  };
  const readDlq = async (expected: number): Promise<DeadLetterEnvelope[]> => {
    const consumer = kafka.consumer({ groupId: `it_dlq_reader_${uniqueSuffix()}`, maxWaitTimeInMs: 100 });
    const seen: DeadLetterEnvelope[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(JSON.parse(message.value!.toString('utf8')) as DeadLetterEnvelope);
      },
    });
    try {
      await waitFor(() => seen.length >= expected, 30_000, 100);
      await new Promise((r) => setTimeout(r, 1_000)); // and nothing more arrives
    } finally {
      await consumer.disconnect();
    }
    return seen;
  };

  it('stores exactly the deduplicated valid lines, dead-letters exactly the malformed ones, survives a SIGKILL', async () => {
    const valid = validLines();
    // Every valid line twice (exact duplicates), malformed lines spread among them.
    const messages: Array<{ key: string | null; value: Buffer }> = [];
    const stream = [...valid.lines, ...valid.lines];
    const every = Math.floor(stream.length / MALFORMED.length);
    stream.forEach((line, i) => {
      messages.push({ key: line.split(',')[1], value: Buffer.from(line) });
      const bad = MALFORMED[i / every];
      if (i % every === 0 && bad) messages.push({ key: null, value: bad.value });
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    producers.push(producer);
    await producer.connect();
    for (let i = 0; i < messages.length; i += 500)
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });

    // Run 1: killed right after its 4th batch is stored, before that batch is committed.
    const first = startWorker({ ...workerEnv(), STALL_AFTER_BATCHES: '3' });
    workers.push(first);
    await waitFor(() => first.lines.some((l) => l.startsWith('STALLED ')), 90_000, 50);
    first.child.kill('SIGKILL');
    await first.exited;
    const partial = await counts();
    expect(await groupLag()).toBeGreaterThan(0);
    expect(partial.watch_aggregate).toBeGreaterThan(0);

    // Run 2: resumes from the committed offsets; the stored-but-uncommitted batch comes again.
    const second = startWorker(workerEnv());
    workers.push(second);
    await waitFor(async () => (await groupLag()) === 0, 120_000, 250);

    // The stalled batch (stored, never committed) was delivered and stored again by run 2.
    const [, stalledPartition, stalledRange] = first.lines.find((l) => l.startsWith('STALLED '))!.split(' ');
    const stalledFirst = BigInt(stalledRange.split('-')[0]);
    const redelivered = second.lines.some((l) => {
      const [word, partition, range] = l.split(' ');
      const [from, to] = (range ?? '').split('-');
      return (
        word === 'STORED' &&
        partition === stalledPartition &&
        BigInt(from) <= stalledFirst &&
        stalledFirst <= BigInt(to)
      );
    });
    expect(redelivered).toBe(true);
    expect(await counts()).toEqual(valid.expected);
    const minutes = await pg.query<{ user_id: number; movie_id: string; max_minute: number }>(
      'SELECT user_id, movie_id, max_minute FROM watch_aggregate',
    );
    for (const row of minutes.rows) expect(row.max_minute).toBe(valid.maxMinute.get(`${row.user_id}|${row.movie_id}`));
    const latest = await pg.query<{ rating: number }>(
      `SELECT rating FROM rating WHERE user_id = 3 AND movie_id = 'movie+23+2013'`,
    );
    expect(latest.rows).toEqual([{ rating: 5 }]);

    // Dead letters: exactly M in the table (reason, raw bytes, source offset) and on the topic.
    const letters = await pg.query<{
      reason: string;
      raw: Buffer;
      partition: number;
      offset: string;
      published: boolean;
    }>('SELECT reason, raw, partition, "offset", published_at IS NOT NULL AS published FROM dead_letter');
    expect(letters.rows.map((l) => l.reason).sort()).toEqual(MALFORMED.map((m) => m.reason).sort());
    expect(letters.rows.every((l) => l.published)).toBe(true);
    const raws = letters.rows.map((l) => l.raw.toString('hex')).sort();
    expect(raws).toEqual(MALFORMED.map((m) => m.value.toString('hex')).sort());
    const published = await readDlq(MALFORMED.length);
    // The topic is at-least-once (publishDeadLetters): a SIGKILL that lands between another
    // in-flight batch's publish and its mark may repeat that letter. Repeats are identical and
    // carry the source position, which is how DLQ consumers deduplicate.
    const bySource = new Map<string, DeadLetterEnvelope>();
    for (const d of published) {
      const key = `${d.partition}:${d.offset}`;
      if (bySource.has(key)) expect(d).toEqual(bySource.get(key));
      bySource.set(key, d);
    }
    const dlq = [...bySource.values()];
    expect(dlq).toHaveLength(MALFORMED.length);
    // Only letters in flight at the kill may repeat; re-publishing marked letters would repeat them all.
    expect(published.length - dlq.length).toBeLessThan(MALFORMED.length / 2);
    expect(dlq.map((d) => d.reason).sort()).toEqual(MALFORMED.map((m) => m.reason).sort());
    for (const d of dlq) {
      const row = letters.rows.find((l) => l.partition === d.partition && l.offset === d.offset);
      expect(row?.reason).toBe(d.reason);
    }
    // The injection strings stayed data: both tables are intact.
    expect(await count('movie')).toBe(valid.expected.movie);

    // The consumer survived all of it: a new line is still ingested.
    await producer.send({
      topic,
      messages: [
        { key: '999', value: formatWatchLine({ at: T, userId: 999, movieId: 'late+arrival+2026', minute: 0 }) },
      ],
    });
    await waitFor(async () => (await count('watch_aggregate')) === valid.expected.watch_aggregate + 1, 60_000, 250);
    await producer.disconnect();

    second.child.kill('SIGTERM');
    await second.exited;
    expect(second.child.exitCode).toBe(0);
    expect(await groupLag()).toBe(0);
  }, 300_000);
});
