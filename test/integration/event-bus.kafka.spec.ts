import { KafkaEventBus } from '../../src/modules/events/kafka-event-bus';
import { describeEventBusContract } from '../support/event-bus.contract';
import { requireKafkaBrokers, uniqueSuffix, waitFor } from '../support/services';

const makeBus = async (): Promise<KafkaEventBus> =>
  new KafkaEventBus({ brokers: requireKafkaBrokers(), clientId: 'marquee-contract-test', connectTimeoutMs: 5_000 });

describeEventBusContract('Kafka (real broker)', makeBus, 90_000);

describe('Kafka bus: low-priority consumers', () => {
  let bus: KafkaEventBus;
  beforeAll(async () => {
    bus = await makeBus();
    await bus.connect();
  }, 90_000);
  afterAll(async () => bus?.close(), 90_000);

  it('rest between slices in proportion to how long the last one took, so request handlers get the thread', async () => {
    const topic = `pacing_${uniqueSuffix()}`;
    await bus.ensureTopics([topic], 1);
    await bus.publish(
      topic,
      Array.from({ length: 40 }, (_, i) => ({ key: 'k', value: `v-${i}` })),
    );
    const slices: { start: number; end: number }[] = [];
    let handled = 0;
    const subscription = await bus.subscribe({
      groupId: `g_${uniqueSuffix()}`,
      topics: [topic],
      fromBeginning: true,
      lowPriority: true,
      maxBatchRecords: 10,
      handleBatch: async (batch) => {
        const start = performance.now();
        while (performance.now() - start < 8); // a handler that holds the thread for 8 ms
        slices.push({ start, end: performance.now() });
        handled += batch.records.length;
      },
    });
    try {
      await waitFor(() => handled >= 40, 60_000);
    } finally {
      await subscription.stop();
    }
    // Each rest is three times the last slice (capped at 20 ms): at least ~20 ms here.
    // (Timers may fire a millisecond early; the bound leaves room for that, not for no rest.)
    const gaps = slices.slice(1).map((s, i) => s.start - slices[i].end);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(15);
  }, 90_000);
});
