import { formatRecommendationLine, recommendationLineHash } from '@lib/movielog';
import { loadConfig } from '@modules/config';
import { EventBus, OutgoingMessage } from '@modules/events';
import { RecommendationLogRepository, ServedRecommendation } from '@modules/interactions';
import { MetricsRegistry } from '@modules/metrics';
import { ResponseLogWriter, ServedResponse } from './response-log.writer';
import { ServingMetrics } from './serving.metrics';

describe('ResponseLogWriter', () => {
  const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_ADDRESS: 'api-1:8082', SERVING_LOG_RESPONSES: 'true' });
  const response = (i: number): ServedResponse => ({
    requestId: `req-${i}`,
    userId: 1_000 + i,
    at: new Date(Date.UTC(2026, 10, 27, 6, 0, 0, i)),
    modelVersion: 'als-v1',
    status: 200,
    items: ['heat+1995', `movie+${i}`],
    latencyMs: 2.4,
  });

  it('formats and hashes a large flush in slices, letting requests in between, and writes every line and row', async () => {
    const timeline: string[] = [];
    const published: OutgoingMessage[] = [];
    const stored: ServedRecommendation[] = [];
    const bus = {
      publish: async (_topic: string, messages: readonly OutgoingMessage[]) => {
        timeline.push('publish');
        published.push(...messages);
      },
    } as unknown as EventBus;
    const store = {
      recordServedRecommendations: async (rows: readonly ServedRecommendation[]) => {
        timeline.push('store');
        stored.push(...rows);
      },
    } as unknown as RecommendationLogRepository;
    const writer = new ResponseLogWriter(config, bus, store, new ServingMetrics(new MetricsRegistry()));
    const batch = Array.from({ length: 180 }, (_, i) => response(i));
    for (const r of batch) writer.record(r);

    const flushed = writer.flush();
    // A request arriving right after the flush started: it runs before the lines go out, not after all of them.
    setImmediate(() => timeline.push('request'));
    await flushed;
    await writer.beforeApplicationShutdown();

    expect(timeline).toEqual(['request', 'publish', 'store']);
    expect(published.map((m) => m.value)).toEqual(
      batch.map((r) => formatRecommendationLine({ ...r, server: 'api-1:8082' })),
    );
    expect(published.map((m) => m.key)).toEqual(batch.map((r) => String(r.userId)));
    // The hash handed to the store is the one ingestion computes for the stream's copy of the line.
    expect(stored.map((r) => r.lineHash)).toEqual(batch.map((r) => recommendationLineHash(r)));
    expect(stored.map((r) => r.requestId)).toEqual(batch.map((r) => r.requestId));
  });

  it('does not queue a flush per response while a slow write is under way, and writes every response once', async () => {
    const published: string[] = [];
    const stored: string[] = [];
    let release!: () => void;
    const storeBlocked = new Promise<void>((resolve) => (release = resolve));
    const bus = {
      publish: async (_topic: string, messages: readonly OutgoingMessage[]) => {
        published.push(...messages.map((m) => m.value.toString()));
      },
    } as unknown as EventBus;
    const store = {
      recordServedRecommendations: async (rows: readonly ServedRecommendation[]) => {
        await storeBlocked;
        stored.push(...rows.map((r) => r.requestId));
      },
    } as unknown as RecommendationLogRepository;
    const writer = new ResponseLogWriter(config, bus, store, new ServingMetrics(new MetricsRegistry()));
    const flush = jest.spyOn(writer, 'flush');
    // Overload against a stalled database: 1,000 responses start a write, 1,500 more arrive while it hangs.
    for (let i = 0; i < 2_500; i++) writer.record(response(i));
    // Each of those 1,500 used to call flush() and wait in it for as long as traffic kept coming.
    expect(flush).toHaveBeenCalledTimes(1);
    release();
    await writer.beforeApplicationShutdown();

    const ids = Array.from({ length: 2_500 }, (_, i) => `req-${i}`);
    expect(stored).toEqual(ids);
    expect(published).toHaveLength(2_500);
    expect(new Set(published).size).toBe(2_500);
    // The write that hung, the one for the 1,500 started when it ended, and shutdown's.
    expect(flush.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('publishes each response once while the store is down, and stores each once while the broker is down', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const published: string[] = [];
      const stored: string[] = [];
      let storeUp = false;
      let brokerUp = true;
      const bus = {
        publish: async (_topic: string, messages: readonly OutgoingMessage[]) => {
          if (!brokerUp) throw new Error('broker down');
          published.push(...messages.map((m) => m.value.toString()));
        },
      } as unknown as EventBus;
      const store = {
        recordServedRecommendations: async (rows: readonly ServedRecommendation[]) => {
          if (!storeUp) throw new Error('database down');
          stored.push(...rows.map((r) => r.requestId));
        },
      } as unknown as RecommendationLogRepository;
      const writer = new ResponseLogWriter(config, bus, store, new ServingMetrics(new MetricsRegistry()));
      // Database down: 20 flushes of 10 responses each, the back-off clock advanced past every retry.
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 10; i++) writer.record(response(round * 10 + i));
        await writer.flush();
        jest.advanceTimersByTime(6_000);
      }
      expect(published).toHaveLength(200);
      expect(new Set(published).size).toBe(200);
      expect(stored).toHaveLength(0);
      expect(writer.backlog()).toEqual({ publish: 0, store: 200 });

      // Database back, broker down: the backlog is stored once; nothing is published again.
      storeUp = true;
      brokerUp = false;
      for (let i = 200; i < 210; i++) writer.record(response(i));
      await writer.flush();
      expect(stored).toHaveLength(210);
      expect(published).toHaveLength(200);
      expect(writer.backlog()).toEqual({ publish: 10, store: 0 });

      // Broker back: the 10 waiting lines go out once, the store is not written again.
      brokerUp = true;
      jest.advanceTimersByTime(6_000);
      await writer.flush();
      expect(published).toHaveLength(210);
      expect(new Set(published).size).toBe(210);
      expect(stored).toHaveLength(210);
      expect(writer.backlog()).toEqual({ publish: 0, store: 0 });
      await writer.beforeApplicationShutdown();
    } finally {
      jest.useRealTimers();
    }
  });
});
