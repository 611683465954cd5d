import { formatWatchLine } from '@lib/movielog';
import { loadConfig } from '@modules/config';
import { EventBus, RecordBatch, SubscribeOptions, Subscription } from '@modules/events/event-bus';
import { MetricsRegistry } from '@modules/metrics';
import { CollapsedBatch } from './batch-collapse';
import { IngestionMetrics } from './ingestion.metrics';
import { IngestionRepository } from './ingestion.repository';
import { IngestionService } from './ingestion.service';

/** Back-pressure and write slots, with a store whose writes finish only when the test says so. */
describe('IngestionService back-pressure', () => {
  const config = loadConfig({
    INGEST_CONSUMERS: '1',
    INGEST_WRITE_CONCURRENCY: '1',
    INGEST_QUEUE_HIGH_WATER: '3',
    INGEST_QUEUE_LOW_WATER: '1',
    LOG_LEVEL: 'silent',
  });
  const events: string[] = [];
  const subscription: Subscription = {
    stop: async () => undefined,
    pause: () => events.push('pause'),
    resume: () => events.push('resume'),
    isPaused: () => false,
    lag: async () => [],
  };
  const bus = {
    kind: 'in-process',
    subscribe: async (_options: SubscribeOptions) => subscription,
    publish: async () => undefined,
  } as unknown as EventBus;

  let writing = 0;
  let maxWriting = 0;
  const pending: Array<() => void> = [];
  const repository = {
    write: async (_batch: CollapsedBatch) => {
      writing++;
      maxWriting = Math.max(maxWriting, writing);
      await new Promise<void>((resolve) => pending.push(resolve));
      writing--;
    },
    unpublished: async () => [],
    markPublished: async () => undefined,
  } as unknown as IngestionRepository;

  const batch = (n: number): RecordBatch => ({
    topic: 'movielog',
    partition: n,
    records: [
      {
        topic: 'movielog',
        partition: n,
        offset: '0',
        key: null,
        value: Buffer.from(formatWatchLine({ at: Date.UTC(2026, 10, 25), userId: n, movieId: 'heat+1995', minute: 1 })),
        timestamp: 0,
      },
    ],
  });
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('pauses fetching at the high-water mark, resumes at the low-water mark, never exceeds the write slots', async () => {
    const service = new IngestionService(config, bus, repository, new IngestionMetrics(new MetricsRegistry()));
    await service.start();
    const handled = [0, 1, 2, 3].map((n) => service.handleBatch(batch(n)));
    await settle();
    expect(maxWriting).toBe(1);
    expect(events).toEqual(['pause']);
    expect(service.isPaused()).toBe(true);

    // Finish writes one by one: 4 queued → 3 → 2 → 1 (low-water: resume).
    for (let i = 0; i < 3; i++) {
      pending.shift()!();
      await settle();
      await settle();
    }
    expect(events).toEqual(['pause', 'resume']);
    expect(service.isPaused()).toBe(false);
    pending.shift()!();
    await Promise.all(handled);
    expect(maxWriting).toBe(1);
    await service.stop();
    service.onModuleDestroy();
  });
});
