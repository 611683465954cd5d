import { describeEventBusContract } from '@test/support/event-bus.contract';
import { InProcessEventBus } from './in-process-event-bus';

describeEventBusContract('in-process', async () => new InProcessEventBus(), 10_000);

describe('InProcessEventBus', () => {
  it('drops records once every group has committed past them', async () => {
    const bus = new InProcessEventBus({ retainRecords: 100 });
    await bus.connect();
    await bus.ensureTopics(['t'], 1);
    let seen = 0;
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      fromBeginning: true,
      handleBatch: async (b) => void (seen += b.records.length),
    });
    await bus.publish(
      't',
      Array.from({ length: 5000 }, (_, i) => ({ value: String(i) })),
    );
    while (seen < 5000) await new Promise((r) => setTimeout(r, 5));
    const lag = await sub.lag();
    expect(lag[0]).toMatchObject({ committed: '5000', end: '5000', lag: 0 });
    // Retained records are bounded by retention plus the compaction chunk, not by the stream length.
    const retained = (bus as unknown as { topics: Map<string, { records: unknown[] }[]> }).topics.get('t')![0].records
      .length;
    expect(retained).toBeLessThan(100 + 1024);
    await sub.stop();
    await bus.close();
  });
});
