/**
 * The Kafka thread's side of ThreadedKafkaEventBus (see threaded-kafka-event-bus.ts):
 * runs kafkajs — producer, consumers, admin — and hands delivered batches to
 * the main thread, whose handlers decide when they are done. Offsets are
 * committed here, after the main thread answered, exactly as KafkaEventBus
 * does for a handler in its own thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '@lib/worker-thread';
import { BatchContext, Subscription } from './event-bus';
import { KafkaEventBus } from './kafka-event-bus';
import {
  asBuffer,
  FromKafkaThread,
  KafkaThreadCall,
  KafkaThreadData,
  packBatch,
  ToKafkaThread,
  transferablesOf,
} from './kafka-thread-protocol';

const port = parentPort;
if (!port) throw new Error('kafka-bus.worker runs only as a worker thread');
const parent = port;
const data = workerData as KafkaThreadData;

// Behind the threads that answer requests: when the cores are all busy, a
// request waiting for the CPU matters more than a log line published a few
// milliseconds later or a consumer that falls a little further behind.
if (data.nice > 0) lowerThisThreadPriority(data.nice);

const send = (message: FromKafkaThread, transfer: ArrayBuffer[] = []): void => parent.postMessage(message, transfer);

const bus = new KafkaEventBus({
  ...data.options,
  log: (level, message, extra) => send({ type: 'log', level, message, extra: plain(extra) }),
});

const subscriptions = new Map<number, Subscription>();
/** Batches handed to the main thread and not answered yet. */
const inFlight = new Map<number, { done: (error?: string) => void; context: BatchContext }>();
let nextBatch = 1;

async function run(call: KafkaThreadCall): Promise<unknown> {
  switch (call.method) {
    case 'connect':
      return bus.connect();
    case 'reachable':
      return bus.reachable();
    case 'ensureTopics':
      return bus.ensureTopics(call.topics, call.partitions);
    case 'publish':
      return bus.publish(
        call.topic,
        call.messages.map((m) => ({ key: m.key ?? null, value: asBuffer(m.value) })),
      );
    case 'subscribe': {
      const subscription = await bus.subscribe({
        ...call.options,
        handleBatch: (batch, context) =>
          new Promise<void>((resolve, reject) => {
            const id = nextBatch++;
            inFlight.set(id, {
              context,
              done: (error) => (error === undefined ? resolve() : reject(new Error(error))),
            });
            const records = packBatch(batch);
            send({ type: 'batch', subscription: call.subscription, batch: id, records }, transferablesOf(records));
          }),
      });
      subscriptions.set(call.subscription, subscription);
      return undefined;
    }
    case 'stop': {
      await subscriptions.get(call.subscription)?.stop();
      subscriptions.delete(call.subscription);
      return undefined;
    }
    case 'pause':
      return subscriptions.get(call.subscription)?.pause();
    case 'resume':
      return subscriptions.get(call.subscription)?.resume();
    case 'lag':
      return subscriptions.get(call.subscription)?.lag() ?? [];
    case 'heartbeat':
      return inFlight.get(call.batch)?.context.heartbeat();
    case 'close':
      await bus.close();
      subscriptions.clear();
      return undefined;
  }
}

parent.on('message', (message: ToKafkaThread) => {
  if (message.type === 'handled') {
    const batch = inFlight.get(message.batch);
    inFlight.delete(message.batch);
    batch?.done(message.error);
    return;
  }
  run(message.call).then(
    (value) => send({ type: 'result', id: message.id, value: value as never }),
    (error: unknown) => send({ type: 'failed', id: message.id, error: String((error as Error)?.message ?? error) }),
  );
});

/** kafkajs log fields can hold errors and other values a structured clone refuses. */
function plain(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    out[k] = v === null || ['string', 'number', 'boolean'].includes(typeof v) ? v : String(v);
  }
  return out;
}
