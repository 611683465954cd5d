import { EventBus } from '@modules/events';
import { KafkaEventBus } from '@modules/events/kafka-event-bus';
import { ThreadedKafkaEventBus } from '@modules/events/threaded-kafka-event-bus';
import { describeEventBusContract } from '../support/event-bus.contract';
import { requireKafkaBrokers, uniqueSuffix, waitFor } from '../support/services';

const options = () => ({ brokers: requireKafkaBrokers(), clientId: 'marquee-contract-test', connectTimeoutMs: 5_000 });
const makeBus = async (): Promise<EventBus> => new KafkaEventBus(options());
// kafkajs on its own thread, handlers on the caller's: the same contract must hold across the boundary.
const makeThreadedBus = async (): Promise<EventBus> => new ThreadedKafkaEventBus(options());

describeEventBusContract('Kafka (real broker)', makeBus, 90_000);
describeEventBusContract('Kafka on its own thread (real broker)', makeThreadedBus, 90_000);

describe.each([
  ["in the caller's thread", makeBus],
  ['on its own thread', makeThreadedBus],
])('Kafka bus %s: low-priority consumers', (_name, makeBus) => {
  let bus: EventBus;
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

describe('Kafka bus on its own thread: when the thread dies', () => {
  it('reports itself disconnected, fails calls instead of hanging, and tells running handlers to stop', async () => {
    const bus = new ThreadedKafkaEventBus(options());
    await bus.connect();
    const topic = `thread_death_${uniqueSuffix()}`;
    await bus.ensureTopics([topic], 1);
    await bus.publish(topic, [{ key: 'k', value: 'v' }]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let running: (() => boolean) | null = null;
    await bus.subscribe({
      groupId: `g_${uniqueSuffix()}`,
      topics: [topic],
      fromBeginning: true,
      handleBatch: async (_batch, context) => {
        running = context.isRunning;
        await held;
      },
    });
    await waitFor(() => running !== null, 60_000);
    expect(running!()).toBe(true);
    expect(bus.isConnected()).toBe(true);

    // What a crash of the thread looks like from outside (the field is private: no API kills it).
    await (bus as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();

    await waitFor(() => !bus.isConnected(), 10_000);
    expect(running!()).toBe(false);
    await expect(bus.publish(topic, [{ key: 'k', value: 'lost?' }])).rejects.toThrow(/Kafka thread exited/);
    release();
    await bus.close();
  }, 90_000);
});
