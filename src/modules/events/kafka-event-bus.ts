import { Admin, Consumer, Kafka, logLevel as KafkaLogLevel, LogEntry, Offsets, Partitioners, Producer } from 'kafkajs';
import { EventBus, OutgoingMessage, PartitionLag, SubscribeOptions, Subscription } from './event-bus';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  /** How long the group waits for a silent member before reassigning its partitions. */
  readonly sessionTimeoutMs?: number;
  readonly log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;
}

/**
 * EventBus over Apache Kafka with kafkajs. Offsets are committed explicitly,
 * after the handler of a batch resolved (autoCommit off), which gives
 * at-least-once delivery: a consumer killed mid-batch re-reads that batch.
 */
/** About 500 log lines: a few fetches a second on a busy topic, ≤ 500 ms behind on a quiet one. */
const LOW_PRIORITY_MIN_BYTES = 16 * 1024;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/**
 * A low-priority consumer rests this many times as long as its last slice took
 * before the next one, so it takes at most a quarter of a thread it shares with
 * request handlers: work that arrives in bursts (the service's own response
 * lines, flushed every 200 ms) is spread out instead of queueing requests.
 */
const LOW_PRIORITY_REST_FACTOR = 3;
const LOW_PRIORITY_MAX_REST_MS = 20;
const rest = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const REACHABLE_TIMEOUT_MS = 2_000;
const REACHABLE_CACHE_MS = 1_000;

/** Rejects when `promise` has not settled within ms (the promise itself runs on; its outcome is ignored). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly consumers = new Set<Consumer>();
  private connected = false;
  private probe: { readonly at: number; readonly answer: Promise<boolean> } | null = null;

  constructor(private readonly options: KafkaBusOptions) {
    const log = options.log;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectTimeoutMs,
      // Fail start-up after a bounded time instead of retrying forever.
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        const level =
          entry.level <= KafkaLogLevel.ERROR ? 'error' : entry.level === KafkaLogLevel.WARN ? 'warn' : 'info';
        log?.(level, `kafka ${entry.namespace}: ${message}`, extra);
      },
    });
    // The Java client's murmur2 partitioner, so keys land where other Kafka clients put them.
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
    });
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /**
   * One DescribeCluster round trip, at most REACHABLE_TIMEOUT_MS, its answer
   * reused for REACHABLE_CACHE_MS. isConnected() is only a flag set at
   * connect: kafkajs reconnects on its own, so it stayed true through a whole
   * broker outage while readiness reported the bus as fine.
   */
  async reachable(): Promise<boolean> {
    if (!this.connected) return false;
    const now = Date.now();
    if (this.probe && now - this.probe.at < REACHABLE_CACHE_MS) return this.probe.answer;
    this.probe = {
      at: now,
      answer: withTimeout(this.admin.describeCluster(), REACHABLE_TIMEOUT_MS).then(
        () => true,
        (error: unknown) => {
          // Not ready is the answer; the log line says why (kafkajs logs the connection errors too).
          this.options.log?.('debug', `kafka: broker unreachable: ${(error as Error).message}`, {});
          return false;
        },
      ),
    };
    return this.probe.answer;
  }

  async ensureTopics(topics: readonly string[], partitions: number): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
    });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key ?? null, value: m.value })),
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: true,
      // A short fetch wait keeps end-to-end latency low and lets stop() return
      // quickly (disconnect waits for the fetch in flight).
      maxWaitTimeInMs: 500,
      minBytes: options.lowPriority ? LOW_PRIORITY_MIN_BYTES : 1,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      // Roughly bounds records per batch; log lines are ~60-120 bytes.
      maxBytesPerPartition: Math.max(64 * 1024, (options.maxBatchRecords ?? 5_000) * 128),
    });
    await consumer.connect();
    this.consumers.add(consumer);
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false });

    let running = true;
    let paused = false;
    const commitEveryMs = options.commitEveryMs ?? 0;
    /** How long the last slice's handler ran (ms): a low-priority consumer rests in proportion. */
    let lastSliceMs = 0;
    let lastCommit = Date.now();
    /**
     * kafkajs's own record of handled (resolved) offsets not yet committed,
     * taken from the first batch; it follows the group across rebalances.
     */
    let uncommitted: (() => Offsets) | null = null;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
        uncommittedOffsets,
      }) => {
        uncommitted ??= uncommittedOffsets;
        if (batch.messages.length === 0 || !isRunning() || isStale()) return;
        const records = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString('utf8') : null,
          value: m.value ?? Buffer.alloc(0),
          timestamp: Number(m.timestamp),
        }));
        // A fetch can hold thousands of records. Handing them over in slices of
        // maxBatchRecords, with a turn of the event loop between, keeps a
        // consumer that shares its process with request handlers from holding
        // that thread for one long stretch (each stretch is queueing delay for
        // every request that arrives during it). The turn comes before the
        // first slice too: kafkajs may start the next fetched batch right after
        // the last one, with only microtasks in between.
        const slice = options.maxBatchRecords ?? records.length;
        let handled = 0;
        for (let from = 0; from < records.length; from += slice) {
          if (options.maxBatchRecords !== undefined) {
            if (options.lowPriority && lastSliceMs > 0) {
              await rest(Math.min(LOW_PRIORITY_MAX_REST_MS, lastSliceMs * LOW_PRIORITY_REST_FACTOR));
            } else await yieldToEventLoop();
            if (!running || !isRunning() || isStale()) break;
          }
          const recordBatch = {
            topic: batch.topic,
            partition: batch.partition,
            records: records.slice(from, from + slice),
          };
          const sliceStarted = performance.now();
          try {
            await options.handleBatch(recordBatch, { heartbeat, isRunning: () => running && isRunning() });
            lastSliceMs = performance.now() - sliceStarted;
          } catch (error) {
            options.onHandlerError?.(error, recordBatch);
            if (handled > 0) await commitThrough(records[handled - 1].offset);
            throw error; // kafkajs restarts the consumer from the last committed offset
          }
          handled = Math.min(records.length, from + slice);
        }
        if (handled > 0) await commitThrough(records[handled - 1].offset);

        async function commitThrough(last: string): Promise<void> {
          resolveOffset(last);
          const stopping = !running || !isRunning();
          if (!stopping && Date.now() - lastCommit < commitEveryMs) return;
          // The batch's own commit function: consumer.commitOffsets() is ignored
          // once the consumer is stopping, which would replay a handled batch
          // after every graceful shutdown. Every partition's held-back offsets
          // go too; after a failed commit they stay uncommitted for the next.
          await commitOffsetsIfNecessary(uncommittedOffsets());
          lastCommit = Date.now();
        }
      },
    });

    const topics = options.topics.map((topic) => ({ topic }));
    return {
      stop: async () => {
        // Offsets held back by commitEveryMs, while the consumer still accepts commits.
        const held = uncommitted?.().topics.flatMap(({ topic, partitions }) =>
          partitions.map((p) => ({ topic, ...p })),
        );
        if (held && held.length > 0) {
          // A failure here only means those records are read again after the restart.
          await consumer.commitOffsets(held).catch((error: unknown) =>
            this.options.log?.('warn', `kafka: could not commit offsets of ${options.groupId} at stop`, {
              error: (error as Error).message,
            }),
          );
        }
        running = false;
        // disconnect() waits for the running eachBatch (and its commit) to finish.
        await consumer.disconnect();
        this.consumers.delete(consumer);
      },
      pause: () => {
        paused = true;
        consumer.pause(topics);
      },
      resume: () => {
        paused = false;
        consumer.resume(topics);
      },
      isPaused: () => paused,
      lag: () => this.lagOf(options.groupId, options.topics),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    this.connected = false;
  }

  private async lagOf(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const committed = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    const result: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      const ends = new Map((await this.admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o]));
      for (const p of partitions) {
        const end = ends.get(p.partition);
        const high = BigInt(end?.high ?? '0');
        const low = BigInt(end?.low ?? '0');
        // -1 means "nothing committed yet": everything retained counts as lag.
        const done = p.offset === '-1' ? low : BigInt(p.offset);
        result.push({
          topic,
          partition: p.partition,
          committed: done.toString(),
          end: high.toString(),
          lag: Number(high - done),
        });
      }
    }
    return result;
  }
}
