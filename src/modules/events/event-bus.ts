/**
 * The stream abstraction Marquee is written against. Two implementations:
 * an in-process bus (default, nothing to install) and Kafka (KAFKA_BROKERS).
 *
 * Delivery is at-least-once: a batch's offsets are committed only after its
 * handler resolves. A handler that throws gets the same records again, so
 * handlers must be idempotent.
 */
export interface BusRecord {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string, as Kafka reports it (64-bit offsets do not fit a JS number safely). */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly timestamp: number;
}

export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly BusRecord[];
}

export interface OutgoingMessage {
  readonly key?: string | null;
  readonly value: string | Buffer;
}

export interface BatchContext {
  /** Keeps group membership alive during long handlers. */
  heartbeat(): Promise<void>;
  /** False once the subscription is stopping: handlers may stop early (uncommitted work is redelivered). */
  isRunning(): boolean;
}

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. */
  readonly fromBeginning?: boolean;
  /**
   * Upper bound on records per handler call, honoured exactly by both buses
   * (Kafka hands a larger fetch over in slices, with a turn of the event loop
   * between them); it also sizes Kafka's fetches.
   */
  readonly maxBatchRecords?: number;
  /**
   * A consumer that can wait: Kafka answers a fetch once this much has
   * arrived or after 500 ms, instead of as soon as one record is there. A
   * consumer of a busy topic otherwise fetches hundreds of tiny batches a
   * second, each a round trip and a decode on the consumer's event loop.
   * With maxBatchRecords, a Kafka consumer also rests between slices (three
   * times as long as the last one took, at most 20 ms), so that a burst of
   * records takes at most about a quarter of the thread it shares.
   */
  readonly lowPriority?: boolean;
  /**
   * Commit consumed offsets at most this often instead of after every batch
   * (Kafka; the in-process bus has no offsets). Each commit is a write to
   * Kafka's offsets topic, and a consumer that commits every batch of a busy
   * topic costs the broker more than its fetches do. The price: a crash or a
   * rebalance re-delivers up to this much of the stream, so only consumers
   * whose handling tolerates repeats should set it. Offsets still pending are
   * committed by stop().
   */
  readonly commitEveryMs?: number;
  handleBatch(batch: RecordBatch, context: BatchContext): Promise<void>;
  /** Called when a handler throws; the batch will be delivered again. */
  onHandlerError?(error: unknown, batch: RecordBatch): void;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committed: string;
  readonly end: string;
  readonly lag: number;
}

export interface Subscription {
  /** Stops fetching; the batch in progress finishes and is committed first. */
  stop(): Promise<void>;
  /** Back-pressure: stop fetching new batches until resume(). */
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  lag(): Promise<PartitionLag[]>;
}

export interface EventBus {
  readonly kind: 'in-process' | 'kafka';
  connect(): Promise<void>;
  /** connect() succeeded and close() has not been called (says nothing about the broker now). */
  isConnected(): boolean;
  /**
   * Whether the broker answers now: a metadata round trip, bounded in time
   * and cached briefly (readiness and the metrics scrape ask often). The
   * in-process bus is reachable while connected.
   */
  reachable(): Promise<boolean>;
  /** Creates the topics if missing (no-op where topics are implicit). */
  ensureTopics(topics: readonly string[], partitions: number): Promise<void>;
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/** Token for injecting the configured EventBus. */
export const EVENT_BUS = Symbol('EVENT_BUS');
