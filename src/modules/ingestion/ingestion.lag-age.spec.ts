import { loadConfig } from '@modules/config';
import { EventBus, SubscribeOptions, Subscription } from '@modules/events/event-bus';
import { MetricsRegistry } from '@modules/metrics';
import { IngestionMetrics } from './ingestion.metrics';
import { IngestionRepository } from './ingestion.repository';
import { IngestionService } from './ingestion.service';

/**
 * A broker lost before the first lag sample must show as a growing lag age (the
 * ConsumerLagStale alert), not as "never sampled" (-1) for the whole outage.
 */
describe('IngestionService consumer-lag age', () => {
  const config = loadConfig({ INGEST_CONSUMERS: '1', INGEST_LAG_POLL_MS: '60000', LOG_LEVEL: 'silent' });
  const lagAge = async (registry: MetricsRegistry): Promise<number> => {
    const line = (await registry.text())
      .split('\n')
      .find((l) => l.startsWith('marquee_ingest_consumer_lag_age_seconds '));
    return Number(line?.split(' ')[1]);
  };

  it('counts from the start of ingestion while the broker never answers a lag query', async () => {
    const subscription: Subscription = {
      stop: async () => undefined,
      pause: () => undefined,
      resume: () => undefined,
      isPaused: () => false,
      lag: () => new Promise(() => undefined), // the broker is gone: never answers
    };
    const bus = {
      kind: 'in-process',
      subscribe: async (_options: SubscribeOptions) => subscription,
      publish: async () => undefined,
    } as unknown as EventBus;
    const repository = {
      unpublished: async () => [],
      markPublished: async () => undefined,
    } as unknown as IngestionRepository;
    const registry = new MetricsRegistry();
    const service = new IngestionService(config, bus, repository, new IngestionMetrics(registry));
    expect(await lagAge(registry)).toBe(-1); // not started: nothing to be stale about
    await service.start();
    try {
      const first = await lagAge(registry);
      expect(first).toBeGreaterThanOrEqual(0);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await lagAge(registry)).toBeGreaterThan(first + 0.5);
    } finally {
      await service.stop();
    }
  });
});
