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
});
