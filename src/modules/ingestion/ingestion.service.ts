import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { historyChangeMessages, ParseOptions } from '@lib/movielog';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { BatchContext, EVENT_BUS, EventBus, PartitionLag, RecordBatch, Subscription } from '@modules/events';
import { CollapsedBatch, collapseRecords, DeadLetterRow } from './batch-collapse';
import { IngestionMetrics } from './ingestion.metrics';
import { DeadLetterReasonCount, IngestionRepository } from './ingestion.repository';

/** What one stored batch was; given to observers before its offsets are committed. */
export interface StoredBatch {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly records: number;
  readonly deadLetters: number;
}
export type BatchObserver = (batch: StoredBatch) => void | Promise<void>;

/** The DLQ carries at most this much of the raw line; the dead_letter table keeps all of it. */
export const DLQ_RAW_LIMIT_BYTES = 64 * 1024;

/**
 * The dead-letter topic's message value (JSON; key = reason). The raw line is
 * base64 (it may not be UTF-8) and capped so a near-limit line still fits in a
 * Kafka message once wrapped; `rawBytes` says how long it really was.
 */
export interface DeadLetterEnvelope {
  readonly sourceTopic: string;
  readonly partition: number;
  readonly offset: string;
  readonly reason: string;
  readonly detail: string;
  readonly rawBase64: string;
  readonly rawBytes: number;
  readonly rawTruncated: boolean;
}

/**
 * Consumes `movielog` in a consumer group and stores it (at-least-once, with
 * idempotent writes): a batch is parsed and collapsed in memory, written in one
 * transaction, its dead letters published to the DLQ topic, and only then does
 * the handler resolve and the bus commit the offsets. A crash anywhere before
 * that redelivers the batch, which the merges in IngestionRepository absorb.
 *
 * Several group members run in this process (INGEST_CONSUMERS) so partitions
 * are consumed in parallel (one kafkajs consumer works its partitions one at a
 * time). Their batches share a bounded number of write slots; when more than
 * the high-water mark of batches wait for the store, every member pauses
 * fetching until the queue drains below the low-water mark.
 */
@Injectable()
export class IngestionService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(IngestionService.name);
  private readonly subscriptions: Subscription[] = [];
  private readonly observers = new Set<BatchObserver>();
  private readonly waitingForSlot: Array<() => void> = [];
  private writing = 0;
  /** Batches handed to the writer and not finished (waiting for a slot or writing). */
  private queued = 0;
  private paused = false;
  /** The last lag sample failed (the broker did not answer); logged once per outage. */
  private lagFailing = false;
  private lagSampling = false;
  private lagTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly repository: IngestionRepository,
    private readonly metrics: IngestionMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.ingestion.enabled) await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  onModuleDestroy(): void {
    if (this.lagTimer) clearInterval(this.lagTimer);
  }

  /** Joins the consumer group with INGEST_CONSUMERS members. Idempotent. */
  async start(): Promise<void> {
    if (this.subscriptions.length > 0) return;
    const { ingestion, topics } = this.config;
    // Members join together: joining one after another would rebalance the group once per member.
    const members = Array.from({ length: ingestion.consumers }, () =>
      this.bus.subscribe({
        groupId: ingestion.groupId,
        topics: [topics.movielog],
        // A new group reads everything retained: nothing on the stream is skipped.
        fromBeginning: true,
        maxBatchRecords: ingestion.batchMaxRecords,
        handleBatch: (batch, context) => this.handleBatch(batch, context),
        onHandlerError: (error, batch) => {
          this.metrics.batchFailures.inc();
          this.logger.warn(
            `batch ${batch.topic}/${batch.partition}@${batch.records[0]?.offset} failed, will be redelivered: ` +
              (error instanceof Error ? error.message : String(error)),
          );
        },
      }),
    );
    this.subscriptions.push(...(await Promise.all(members)));
    // The age gauge counts from here until the first sample succeeds: a broker lost before
    // the first sample must show as a growing age (ConsumerLagStale), not as "never sampled".
    this.metrics.lagSampledAt = Date.now();
    void this.sampleLag();
    this.lagTimer = setInterval(() => void this.sampleLag(), ingestion.lagPollMs);
    this.lagTimer.unref();
    this.logger.log(
      `ingesting ${topics.movielog} as group ${ingestion.groupId} with ${ingestion.consumers} consumer(s) (${this.bus.kind})`,
    );
  }

  /** Leaves the group; batches in progress finish and commit first. */
  async stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.lagTimer) clearInterval(this.lagTimer);
      const subscriptions = this.subscriptions.splice(0);
      await Promise.all(subscriptions.map((s) => s.stop()));
    })();
    await this.stopping;
    this.stopping = undefined;
  }

  /** Committed offset, end offset and lag per partition of the group. */
  async lag(): Promise<PartitionLag[]> {
    const subscription = this.subscriptions[0];
    return subscription ? subscription.lag() : [];
  }

  /** Dead letters stored so far, per rejection reason (the operator console's data page). */
  deadLettersByReason(): Promise<DeadLetterReasonCount[]> {
    return this.repository.deadLettersByReason();
  }

  isPaused(): boolean {
    return this.paused;
  }

  /**
   * Runs after a batch is stored and its dead letters published, before its
   * offsets are committed (the handler awaits it). For metrics and tests that
   * need that exact moment; returns an unsubscribe function.
   */
  onBatchStored(observer: BatchObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  async handleBatch(batch: RecordBatch, context?: BatchContext): Promise<void> {
    if (batch.records.length === 0) return;
    const started = process.hrtime.bigint();
    const collapsed = collapseRecords(batch.records, this.parseOptions());
    // A write queued behind others can take a while: tell the group we are alive.
    // A failed heartbeat (e.g. a rebalance under way) is not this batch's failure:
    // the store and commit go ahead, and kafkajs rejoins afterwards.
    await context?.heartbeat().catch((error: unknown) => this.heartbeatFailed(batch, error));
    await this.store(collapsed);
    await context?.heartbeat().catch((error: unknown) => this.heartbeatFailed(batch, error));
    for (const [type, count] of Object.entries(collapsed.accepted))
      if (count > 0) this.metrics.events.inc({ type }, count);
    for (const letter of collapsed.deadLetters) this.metrics.deadLetters.inc({ reason: letter.reason });
    for (const [reason, count] of Object.entries(collapsed.failedRequests))
      if (count > 0) this.metrics.failedRequests.inc({ reason }, count);
    this.metrics.batchRecords.observe(batch.records.length);
    this.metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    const stored: StoredBatch = {
      topic: batch.topic,
      partition: batch.partition,
      firstOffset: batch.records[0].offset,
      lastOffset: batch.records[batch.records.length - 1].offset,
      records: batch.records.length,
      deadLetters: collapsed.deadLetters.length,
    };
    for (const observer of this.observers) await observer(stored);
  }

  private parseOptions(): ParseOptions {
    return {
      ratingScaleMax: this.config.ratingScaleMax,
      maxLineBytes: this.config.ingestion.maxLineBytes,
      maxFutureSkewMs: this.config.ingestion.maxFutureSkewMs,
      now: Date.now(),
    };
  }

  /** Writes through a bounded number of slots, pausing the consumers when too many batches wait. */
  private async store(batch: CollapsedBatch): Promise<void> {
    this.queued++;
    if (!this.paused && this.queued >= this.config.ingestion.queueHighWater) this.setPaused(true);
    try {
      await this.acquireSlot();
      try {
        await this.repository.write(batch);
        await this.publishDeadLetters(batch.deadLetters);
        await this.announceHistoryChanges(batch);
      } finally {
        this.releaseSlot();
      }
    } finally {
      this.queued--;
      if (this.paused && this.queued <= this.config.ingestion.queueLowWater) this.setPaused(false);
    }
  }

  /**
   * Publishes the batch's dead letters that have not reached the topic yet
   * (all of them, except on a redelivery after a crash between the store and
   * the topic), then marks them published. Only a crash between the publish
   * and the mark can put one dead letter on the topic twice; consumers of the
   * DLQ can tell by (sourceTopic, partition, offset).
   */
  private async publishDeadLetters(letters: readonly DeadLetterRow[]): Promise<void> {
    if (letters.length === 0) return;
    const pending = await this.repository.unpublished(letters);
    if (pending.length === 0) return;
    await this.bus.publish(
      this.config.topics.deadLetter,
      pending.map((letter) => ({ key: letter.reason, value: JSON.stringify(deadLetterEnvelope(letter)) })),
    );
    await this.repository.markPublished(pending);
  }

  /**
   * Names the users whose watch or rating rows the batch just committed, on
   * TOPIC_HISTORY_CHANGES: serving drops their cached histories, and reloads
   * them from a store that already holds the change. Before the offsets are
   * committed, so a failed publish fails the batch and its redelivery (the
   * writes are idempotent) announces them again.
   */
  private async announceHistoryChanges(batch: CollapsedBatch): Promise<void> {
    // historyChangeMessages names each user once.
    const messages = historyChangeMessages([...batch.watches, ...batch.ratingEvents].map((row) => row.userId));
    if (messages.length === 0) return;
    await this.bus.publish(
      this.config.topics.historyChanges,
      messages.map((value) => ({ key: null, value })),
    );
  }

  private acquireSlot(): Promise<void> {
    if (this.writing < this.config.ingestion.writeConcurrency) {
      this.writing++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waitingForSlot.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waitingForSlot.shift();
    if (next) next();
    else this.writing--;
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    this.metrics.paused.set(paused ? 1 : 0);
    for (const s of this.subscriptions) {
      if (paused) s.pause();
      else s.resume();
    }
    this.logger.debug(paused ? `store behind (${this.queued} batches queued): pausing` : 'store caught up: resuming');
  }

  /** Debug level: during a rebalance a failed heartbeat is routine (see handleBatch). */
  private heartbeatFailed(batch: RecordBatch, error: unknown): void {
    this.logger.debug(
      `heartbeat failed during ${batch.topic}[${batch.partition}]: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  private async sampleLag(): Promise<void> {
    // kafkajs retries a dead broker for seconds: one sample at a time, never a pile of them.
    if (this.lagSampling) return;
    this.lagSampling = true;
    try {
      for (const p of await this.lag())
        this.metrics.consumerLag.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
      if (this.lagFailing) this.logger.log('consumer lag readable again');
      this.lagFailing = false;
      this.metrics.lagSampledAt = Date.now();
    } catch (error) {
      // Once per outage at warn (the gauge is stale from now: marquee_ingest_consumer_lag_age_seconds grows).
      const message = `lag sample failed: ${error instanceof Error ? error.message : String(error)}`;
      if (this.lagFailing) this.logger.debug(message);
      else this.logger.warn(`${message}; marquee_ingest_consumer_lag is stale until the broker answers`);
      this.lagFailing = true;
    } finally {
      this.lagSampling = false;
    }
  }
}

export function deadLetterEnvelope(letter: DeadLetterRow): DeadLetterEnvelope {
  const truncated = letter.raw.length > DLQ_RAW_LIMIT_BYTES;
  return {
    sourceTopic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    reason: letter.reason,
    detail: letter.detail,
    rawBase64: (truncated ? letter.raw.subarray(0, DLQ_RAW_LIMIT_BYTES) : letter.raw).toString('base64'),
    rawBytes: letter.raw.length,
    rawTruncated: truncated,
  };
}
