import { EventBus, RecordBatch, SubscribeOptions, Subscription } from '@modules/events/event-bus';
import { uniqueSuffix, waitFor } from './services';

/**
 * The behaviour every EventBus must show; run against the in-process bus and
 * against a real Kafka broker, so the embedded default cannot drift from
 * what production does.
 */
export function describeEventBusContract(name: string, makeBus: () => Promise<EventBus>, timeoutMs = 60_000): void {
  describe(`EventBus contract: ${name}`, () => {
    let bus: EventBus;
    const subscriptions: Subscription[] = [];

    beforeAll(async () => {
      bus = await makeBus();
      await bus.connect();
    }, timeoutMs);

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
    }, timeoutMs);

    afterAll(async () => {
      await bus?.close();
    }, timeoutMs);

    const freshTopic = async (): Promise<string> => {
      const topic = `contract_${uniqueSuffix()}`;
      await bus.ensureTopics([topic], 3);
      return topic;
    };
    const values = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({ key: `k${i % 7}`, value: `${tag}-${i}` }));
    const collect = (batch: RecordBatch, into: string[]) => batch.records.forEach((r) => into.push(r.value.toString()));
    /** A group member reading `topic` from the start into `into`. */
    const subscribeCollecting = (
      topic: string,
      groupId: string,
      into: string[],
      extra: Partial<SubscribeOptions> = {},
    ): Promise<Subscription> =>
      bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        ...extra,
        handleBatch: async (b) => collect(b, into),
      });

    it(
      'delivers every published record to a consumer group, in order per key',
      async () => {
        const topic = await freshTopic();
        await bus.publish(topic, values(200, 'a'));
        const seen: string[] = [];
        subscriptions.push(
          await bus.subscribe({
            groupId: `g_${uniqueSuffix()}`,
            topics: [topic],
            fromBeginning: true,
            handleBatch: async (b) => collect(b, seen),
          }),
        );
        await waitFor(() => seen.length >= 200, timeoutMs);
        expect(new Set(seen).size).toBe(200);
        const forKey = seen.filter((v) => Number(v.split('-')[1]) % 7 === 3).map((v) => Number(v.split('-')[1]));
        expect(forKey).toEqual([...forKey].sort((x, y) => x - y));
      },
      timeoutMs,
    );

    it(
      'redelivers a batch whose handler failed, so nothing is lost',
      async () => {
        const topic = await freshTopic();
        await bus.publish(topic, values(60, 'b'));
        const seen: string[] = [];
        let failures = 0;
        subscriptions.push(
          await bus.subscribe({
            groupId: `g_${uniqueSuffix()}`,
            topics: [topic],
            fromBeginning: true,
            handleBatch: async (b) => {
              if (failures < 2) {
                failures++;
                throw new Error('store unavailable');
              }
              collect(b, seen);
            },
          }),
        );
        await waitFor(() => new Set(seen).size >= 60, timeoutMs);
        expect(failures).toBe(2);
        expect(new Set(seen).size).toBe(60);
      },
      timeoutMs,
    );

    it(
      'resumes a group from its committed offsets after a restart',
      async () => {
        const topic = await freshTopic();
        const groupId = `g_${uniqueSuffix()}`;
        await bus.publish(topic, values(50, 'c'));
        const first: string[] = [];
        const sub = await subscribeCollecting(topic, groupId, first);
        await waitFor(() => first.length >= 50, timeoutMs);
        await sub.stop();

        await bus.publish(topic, values(30, 'd'));
        const second: string[] = [];
        subscriptions.push(await subscribeCollecting(topic, groupId, second));
        await waitFor(() => second.length >= 30, timeoutMs);
        // Committed records are not handed out again; new ones all arrive.
        expect(second.every((v) => v.startsWith('d-'))).toBe(true);
        expect(new Set(second).size).toBe(30);
        const lag = await subscriptions[0].lag();
        expect(lag.reduce((sum, p) => sum + p.lag, 0)).toBe(0);
      },
      timeoutMs,
    );

    it(
      'holds commits back for commitEveryMs and commits what was handled when stopped',
      async () => {
        const topic = await freshTopic();
        const groupId = `g_${uniqueSuffix()}`;
        await bus.publish(topic, values(40, 'e'));
        const first: string[] = [];
        const sub = await subscribeCollecting(topic, groupId, first, { commitEveryMs: 600_000 });
        await waitFor(() => first.length >= 40, timeoutMs);
        if (bus.kind === 'kafka') {
          // Handled, but nothing committed yet: the whole topic still counts as lag.
          expect((await sub.lag()).reduce((sum, p) => sum + p.lag, 0)).toBe(40);
        }
        await sub.stop();

        await bus.publish(topic, values(10, 'f'));
        const second: string[] = [];
        subscriptions.push(await subscribeCollecting(topic, groupId, second, { commitEveryMs: 600_000 }));
        await waitFor(() => second.length >= 10, timeoutMs);
        // stop() committed the held-back offsets: nothing handled before is read again.
        expect(second.every((v) => v.startsWith('f-'))).toBe(true);
        expect(new Set(second).size).toBe(10);
      },
      timeoutMs,
    );

    it(
      'gives every consumer group its own copy of the stream',
      async () => {
        const topic = await freshTopic();
        await bus.publish(topic, values(40, 'e'));
        const one: string[] = [];
        const two: string[] = [];
        subscriptions.push(
          await bus.subscribe({
            groupId: `g1_${uniqueSuffix()}`,
            topics: [topic],
            fromBeginning: true,
            handleBatch: async (b) => collect(b, one),
          }),
          await bus.subscribe({
            groupId: `g2_${uniqueSuffix()}`,
            topics: [topic],
            fromBeginning: true,
            handleBatch: async (b) => collect(b, two),
          }),
        );
        await waitFor(() => one.length >= 40 && two.length >= 40, timeoutMs);
        expect(new Set(one)).toEqual(new Set(two));
      },
      timeoutMs,
    );

    it(
      'delivers a trickle to a low-priority consumer within its wait bound (it batches, never starves)',
      async () => {
        const topic = await freshTopic();
        const seen: string[] = [];
        subscriptions.push(
          await bus.subscribe({
            groupId: `g_${uniqueSuffix()}`,
            topics: [topic],
            fromBeginning: true,
            lowPriority: true,
            handleBatch: async (b) => collect(b, seen),
          }),
        );
        // Far below the batching threshold: delivery must come from the time bound.
        for (let i = 0; i < 3; i++) {
          await bus.publish(topic, values(1, `lp${i}`));
          await waitFor(() => seen.length > i, 10_000, 50);
        }
        expect(seen).toHaveLength(3);
      },
      timeoutMs,
    );

    it(
      'hands a backlog over in slices of at most maxBatchRecords, letting the event loop turn between them',
      async () => {
        const topic = await freshTopic();
        await bus.publish(topic, values(900, 's'));
        const seen: string[] = [];
        const sizes: number[] = [];
        let turned = true;
        let callsWithoutTurn = 0;
        subscriptions.push(
          await bus.subscribe({
            groupId: `g_${uniqueSuffix()}`,
            topics: [topic],
            fromBeginning: true,
            maxBatchRecords: 50,
            handleBatch: async (b) => {
              // An immediate queued now has run by the next call only if the loop turned in between.
              if (!turned) callsWithoutTurn++;
              turned = false;
              setImmediate(() => (turned = true));
              sizes.push(b.records.length);
              collect(b, seen);
            },
          }),
        );
        await waitFor(() => seen.length >= 900, timeoutMs);
        expect(new Set(seen).size).toBe(900);
        expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
        expect(callsWithoutTurn).toBe(0);
      },
      timeoutMs,
    );

    it(
      'holds delivery while paused and continues on resume',
      async () => {
        const topic = await freshTopic();
        const seen: string[] = [];
        const sub = await bus.subscribe({
          groupId: `g_${uniqueSuffix()}`,
          topics: [topic],
          fromBeginning: true,
          handleBatch: async (b) => collect(b, seen),
        });
        subscriptions.push(sub);
        sub.pause();
        expect(sub.isPaused()).toBe(true);
        await bus.publish(topic, values(20, 'f'));
        await new Promise((r) => setTimeout(r, 1500));
        expect(seen).toHaveLength(0);
        sub.resume();
        await waitFor(() => seen.length >= 20, timeoutMs);
      },
      timeoutMs,
    );
  });
}
