import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { storedRows } from '@test/support/activity-store';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import {
  formatAccountLine,
  formatRatingLine,
  formatRecommendationLine,
  formatWatchLine,
  recommendationLineHash,
  usersInHistoryChange,
} from '@lib/movielog';
import { loadConfig } from '@modules/config';
import { EVENT_BUS, EventBus, BusRecord } from '@modules/events';
import { RecommendationLogRepository } from '@modules/interactions';
import { MetricsRegistry } from '@modules/metrics';
import { StorageService } from '@modules/storage';
import { DeadLetterEnvelope, IngestionService } from './ingestion.service';

const T = Date.UTC(2026, 10, 25, 12, 0, 0);

/** The in-process bus and PGlite, end to end through the real application. */
describe('ingestion (in-process bus, PGlite)', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let bus: EventBus;
  let stored: ReturnType<typeof storedRows>;
  let ingestion: IngestionService;
  const dlq: DeadLetterEnvelope[] = [];
  /** Users named on the history-change topic, and whether user 7's watch was already stored when named. */
  const announced: number[] = [];
  let watchStoredWhenAnnounced: boolean | null = null;

  const drained = async (): Promise<boolean> => (await ingestion.lag()).every((p) => p.lag === 0);
  const waitUntil = async (condition: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-ingest-'));
    const config = loadConfig({
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      INGEST_BATCH_MAX_RECORDS: '50',
      INGEST_WRITE_CONCURRENCY: '1',
      INGEST_QUEUE_HIGH_WATER: '2',
      INGEST_QUEUE_LOW_WATER: '0',
      SERVING_LOG_RESPONSES: 'false',
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.init();
    bus = app.get(EVENT_BUS);
    stored = storedRows(app.get(StorageService).sql);
    ingestion = app.get(IngestionService);
    await bus.subscribe({
      groupId: 'dlq-reader',
      topics: [config.topics.deadLetter],
      fromBeginning: true,
      handleBatch: async (batch) => {
        for (const r of batch.records) dlq.push(JSON.parse(r.value.toString('utf8')) as DeadLetterEnvelope);
      },
    });
    await bus.subscribe({
      groupId: 'history-change-reader',
      topics: [config.topics.historyChanges],
      fromBeginning: true,
      handleBatch: async (batch) => {
        for (const r of batch.records) {
          const users = usersInHistoryChange(r.value.toString('utf8'));
          if (users.includes(7)) watchStoredWhenAnnounced = (await stored.watchMaxMinute(7, 'heat+1995')) === 30;
          announced.push(...users);
        }
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const valid = [
    formatAccountLine({ at: T, userId: 1 }),
    ...Array.from({ length: 90 }, (_, m) =>
      formatWatchLine({ at: T + m * 60_000, userId: 1, movieId: 'heat+1995', minute: m }),
    ),
    formatWatchLine({ at: T + 1000, userId: 2, movieId: 'heat+1995', minute: 4 }),
    formatWatchLine({ at: T + 2000, userId: 2, movieId: 'untitled+', minute: 0 }),
    formatRatingLine({ at: T + 10, userId: 1, movieId: 'heat+1995', rating: 3 }),
    formatRatingLine({ at: T + 20, userId: 1, movieId: 'heat+1995', rating: 5 }),
    formatRatingLine({ at: T + 5, userId: 3, movieId: 'alien+1979', rating: 1 }),
    formatRecommendationLine({ at: T, userId: 1, server: 'h:8082', status: 200, items: ['a+1', 'b+2'], latencyMs: 12 }),
    formatRecommendationLine({
      at: T,
      userId: 4,
      server: 'h:8082',
      status: 504,
      items: [],
      latencyMs: 600,
      errorText: 'timeout',
    }),
  ];
  const malformed: Array<string | Buffer> = [
    '2026-11-25T12:00:00,1,GET /data/m/heat+1995/',
    '2026-11-25T12:00:00,abc,GET /rate/heat+1995=4',
    "2026-11-25T12:00:00,1,GET /rate/'; DROP TABLE movie; --=4",
    '2026-11-25T12:00:00,1,GET /data/m/<script>alert(1)</script>/1.mpg',
    Buffer.from([0x32, 0x30, 0xc3, 0x28, 0x2c]),
    Buffer.alloc(100_000, 0x61),
  ];

  it('stores each valid line once, dead-letters the rest with reason and offset, and survives', async () => {
    // Every valid line twice (duplicates), malformed ones interleaved.
    await bus.publish(
      'movielog',
      [...valid, ...malformed, ...valid].map((value) => ({ value })),
    );
    await waitUntil(drained);
    await waitUntil(async () => dlq.length >= malformed.length);

    expect(await stored.count('watches')).toBe(3);
    expect(await stored.watchMaxMinute(1, 'heat+1995')).toBe(89);
    expect(await stored.count('ratingEvents')).toBe(3);
    expect(await stored.latestRating(1, 'heat+1995')).toBe(5);
    expect(await stored.count('latestRatings')).toBe(2);
    expect(await stored.count('recommendations')).toBe(2);
    const failed = (await stored.recommendationsOf(4)).map(({ items, status }) => ({ items, status }));
    expect(failed[0]).toEqual({ items: [], status: 504 });
    expect(await stored.count('users')).toBe(4);
    const movies = await stored.movieTitles();
    expect(movies).toEqual([
      { id: 'alien+1979', title: 'alien+1979' },
      { id: 'heat+1995', title: 'heat+1995' },
      { id: 'untitled+', title: 'untitled+' },
    ]);

    const letters = await stored.deadLetters();
    expect(letters.map((l) => l.reason).sort()).toEqual(
      ['truncated', 'bad_movie_id', 'bad_movie_id', 'bad_user_id', 'invalid_utf8', 'too_long'].sort(),
    );
    expect(letters.every((l) => l.published)).toBe(true);
    const byReason = await ingestion.deadLettersByReason();
    expect(byReason.map(({ reason, count }) => [reason, count])).toEqual([
      ['bad_movie_id', 2],
      ['bad_user_id', 1],
      ['invalid_utf8', 1],
      ['too_long', 1],
      ['truncated', 1],
    ]);
    expect(byReason.every((r) => r.lastReceivedAt.getTime() > Date.now() - 3_600_000)).toBe(true);
    expect(Buffer.from(letters.find((l) => l.reason === 'too_long')!.raw).length).toBe(100_000);
    expect(dlq).toHaveLength(malformed.length);
    expect(dlq.find((d) => d.reason === 'too_long')).toMatchObject({ rawBytes: 100_000, rawTruncated: true });
    expect(Buffer.from(dlq.find((d) => d.reason === 'invalid_utf8')!.rawBase64, 'base64')).toEqual(malformed[4]);
    // The movie table survived the injection attempt, unchanged.
    expect(await stored.count('movies')).toBe(3);

    const metrics = await app.get(MetricsRegistry).text();
    expect(metrics).toMatch(/marquee_ingest_events_total\{type="watch"\} 184/);
    expect(metrics).toMatch(/marquee_ingest_dead_letters_total\{reason="bad_movie_id"\} 2/);
    expect(metrics).toMatch(/marquee_ingest_batch_seconds_count \d+/);

    // Still consuming after all that.
    await bus.publish('movielog', [{ value: formatWatchLine({ at: T, userId: 5, movieId: 'heat+1995', minute: 1 }) }]);
    await waitUntil(async () => (await stored.count('watches')) === 4);
  });

  it('names the users whose watches or ratings a batch stored on the history-change topic, once stored', async () => {
    await bus.publish(
      'movielog',
      [
        formatWatchLine({ at: T, userId: 7, movieId: 'heat+1995', minute: 30 }),
        formatRatingLine({ at: T, userId: 8, movieId: 'heat+1995', rating: 4 }),
        formatRecommendationLine({ at: T, userId: 9, server: 'h:8082', status: 200, items: ['a+1'], latencyMs: 3 }),
        formatAccountLine({ at: T, userId: 10 }),
      ].map((value) => ({ value })),
    );
    await waitUntil(async () => announced.includes(7) && announced.includes(8));
    await waitUntil(drained);
    expect(watchStoredWhenAnnounced).toBe(true);
    // A recommendation or an account line changes nothing a user is excluded from.
    expect(announced).not.toContain(9);
    expect(announced).not.toContain(10);
  });

  it('a redelivered batch (same offsets) changes nothing and publishes no dead letter twice', async () => {
    const state = (): Promise<string> => stored.state();
    // A batch as the bus would deliver it from another topic-partition, handled twice.
    const records: BusRecord[] = [...valid, ...malformed].map((value, i) => ({
      topic: 'movielog-replay',
      partition: 1,
      offset: String(1000 + i),
      key: null,
      value: Buffer.isBuffer(value) ? value : Buffer.from(value),
      timestamp: T,
    }));
    const dlqBefore = dlq.length;
    await ingestion.handleBatch({ topic: 'movielog-replay', partition: 1, records });
    const once = await state();
    await waitUntil(async () => dlq.length === dlqBefore + malformed.length);
    await ingestion.handleBatch({ topic: 'movielog-replay', partition: 1, records });
    expect(await state()).toBe(once);
    await new Promise((r) => setTimeout(r, 300));
    expect(dlq.length).toBe(dlqBefore + malformed.length);
    expect(await stored.count('deadLetters')).toBe(2 * malformed.length);
  });

  it('merges a served response with its copy read back from the stream', async () => {
    const served = {
      requestId: 'req-1',
      userId: 77,
      at: new Date(T + 123),
      modelVersion: 'als-7',
      items: ['heat+1995', 'alien+1979'],
      latencyMs: 31,
      status: 200,
    };
    await app
      .get(RecommendationLogRepository)
      .recordServedRecommendations([{ ...served, lineHash: recommendationLineHash(served) }]);
    await bus.publish('movielog', [{ value: formatRecommendationLine({ ...served, server: 'marquee:8082' }) }]);
    await waitUntil(drained);
    const rows = (await stored.recommendationsOf(77)).map(({ request_id, model_version, source, line_hash }) => ({
      request_id,
      model_version,
      source,
      line_hash,
    }));
    expect(rows).toEqual([
      { request_id: 'req-1', model_version: 'als-7', source: 'served', line_hash: recommendationLineHash(served) },
    ]);
  });
  it('stores failure lines (status 0 or non-2xx with an error text) as failed requests and counts them', async () => {
    const at = T + 3 * 3_600_000;
    const line = (userId: number, status: string, result: string, ms = 800): string =>
      `2026-11-25T15:00:0${userId % 10}.000,${userId},recommendation request 17645-team05.example.edu:8082, status ${status}, result: ${result}, ${ms} ms`;
    const failedRequestsMetric = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        [
          ...(await app.get(MetricsRegistry).text()).matchAll(
            /^marquee_platform_failed_requests_total\{reason="(\w+)"\} (\d+)$/gm,
          ),
        ].map((m) => [m[1], Number(m[2])]),
      );
    const before = await failedRequestsMetric();
    const dlqBefore = dlq.length;
    await bus.publish(
      'movielog',
      [
        line(81, '0', 'java.net.SocketTimeoutException: Read timed out'),
        line(82, '0', 'connect ECONNREFUSED 10.0.0.7:8082'),
        line(83, '503', 'Service Unavailable', 3),
        // Malformed: not an HTTP status, so still a dead letter.
        line(84, 'timeout', 'Read timed out'),
      ].map((value) => ({ value })),
    );
    await waitUntil(drained);
    await waitUntil(async () => dlq.length >= dlqBefore + 1);

    const rows = await app
      .get(StorageService)
      .sql.query<{ user_id: number; status: number; failure_reason: string; error_text: string; items: string[] }>(
        'SELECT user_id, status, failure_reason, error_text, items FROM recommendation_log WHERE user_id BETWEEN 81 AND 84 ORDER BY user_id',
      );
    expect(rows).toEqual([
      {
        user_id: 81,
        status: 0,
        failure_reason: 'timeout',
        error_text: 'java.net.SocketTimeoutException: Read timed out',
        items: [],
      },
      {
        user_id: 82,
        status: 0,
        failure_reason: 'connection',
        error_text: 'connect ECONNREFUSED 10.0.0.7:8082',
        items: [],
      },
      { user_id: 83, status: 503, failure_reason: 'server_error', error_text: 'Service Unavailable', items: [] },
    ]);
    expect(dlq.slice(dlqBefore).map((d) => d.reason)).toEqual(['bad_status']);
    const counts = await app.get(RecommendationLogRepository).failedRequestCounts(at, at + 60_000);
    expect(counts).toEqual([
      { reason: 'connection', count: 1, lastErrorText: 'connect ECONNREFUSED 10.0.0.7:8082' },
      { reason: 'server_error', count: 1, lastErrorText: 'Service Unavailable' },
      { reason: 'timeout', count: 1, lastErrorText: 'java.net.SocketTimeoutException: Read timed out' },
    ]);

    // Counted per reason on every delivery (the first test's 504 "timeout" lines were counted before).
    expect(await failedRequestsMetric()).toEqual({
      ...before,
      timeout: (before.timeout ?? 0) + 1,
      connection: (before.connection ?? 0) + 1,
      server_error: (before.server_error ?? 0) + 1,
    });
  });
});
