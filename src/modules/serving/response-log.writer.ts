import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { LogTimeFormatter, recommendationHashOf, recommendationLine } from '@lib/movielog';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { EVENT_BUS, EventBus, OutgoingMessage } from '@modules/events';
import { RecommendationLogRepository, ServedRecommendation } from '@modules/interactions';
import { ServingMetrics } from './serving.metrics';

export interface ServedResponse {
  readonly requestId: string;
  readonly userId: number;
  readonly at: Date;
  readonly modelVersion: string | null;
  readonly status: number;
  readonly items: readonly string[];
  readonly latencyMs: number;
}

const FLUSH_AT = 1_000;
/** Beyond this many unwritten responses, new ones are counted and dropped rather than exhausting memory. */
const MAX_PENDING = 100_000;
/**
 * Responses formatted and hashed per slice, with a turn of the event loop
 * between slices: a 200-response flush is 2-5 ms of formatting and sha256,
 * which in one piece delays every request that arrives meanwhile.
 */
const PREPARE_SLICE = 50;
/** At most this many lines or rows per publish or store call, so a backlog drains in bounded writes. */
const WRITE_AT_MOST = 5_000;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Writes every served response to the stream (as the platform's
 * recommendation-request line) and to the store (with request id and model
 * version, for lineage). Batched off the request path: a response is never
 * delayed by logging, and a slow store costs memory up to a bound, then a
 * counted loss — never a failed request.
 *
 * The two destinations are retried apart: a line that reached the stream is
 * never published again because the store failed (nor a row stored again
 * because the broker failed). Publishing and storing one batch together
 * and retrying both on any failure put every response on the stream once per
 * flush for as long as the database was down — a 30 s outage at 50 requests/s
 * made ~123 copies of each line. The store write is an idempotent upsert
 * keyed by the line hash, so retrying it is safe; the stream has no such key,
 * so it gets each line exactly once per served response (unless the broker
 * fails after accepting a batch and before acknowledging it, when kafkajs
 * may deliver twice; that is at-least-once at the broker, not a retry here).
 */
@Injectable()
export class ResponseLogWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ResponseLogWriter.name);
  /** Served, not yet formatted. */
  private pending: ServedResponse[] = [];
  /** Formatted lines the stream has not accepted yet (the broker was down). */
  private unpublished: OutgoingMessage[] = [];
  /** Rows the store has not accepted yet (the database was down). */
  private unstored: ServedRecommendation[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly server: string;
  /** Responses of one flush share seconds: the ISO prefix is formatted once per second. */
  private readonly time = new LogTimeFormatter();
  /** After a failure, a stage waits before retrying (doubling up to MAX_RETRY_MS), so an outage is not hammered. */
  private readonly retry = { publish: new RetryClock(), store: new RetryClock() };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly store: RecommendationLogRepository,
    private readonly metrics: ServingMetrics,
  ) {
    this.server =
      config.http.publicAddress ??
      `${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
    // A tick while a write is still under way does nothing: what is pending goes at the next tick, or when that
    // write ends if 1,000 are waiting by then.
    this.timer = setInterval(() => this.flushUnlessBusy(), config.serving.logFlushMs);
    this.timer.unref();
  }

  record(response: ServedResponse): void {
    if (!this.config.serving.logResponses) return;
    if (this.pending.length >= MAX_PENDING) {
      this.metrics.responseLogDropped.inc();
      return;
    }
    this.pending.push(response);
    if (this.pending.length >= FLUSH_AT) this.flushUnlessBusy();
  }

  /**
   * Starts a flush unless one is under way. The request path and the timer
   * must not wait in flush(): while a slow write lasted, every response past
   * FLUSH_AT added a waiter, each woken on every later write and never done
   * while traffic kept `pending` non-empty. After 10 s of overload
   * (bench:serve's unthrottled phase) thousands of them made the request
   * thread spend 36% of its time in GC and 22% waking promises, and p50
   * latency at 1,000/s stayed 30-40 ms for the next 30 s.
   */
  private flushUnlessBusy(): void {
    if (!this.flushing) void this.flush();
  }

  /** Lines waiting for the stream and rows waiting for the store (for tests and the backlog gauge). */
  backlog(): { readonly publish: number; readonly store: number } {
    return { publish: this.unpublished.length, store: this.unstored.length };
  }

  /**
   * Writes what is pending now. Writes already under way (possibly carrying
   * this caller's entries, taken by another caller) are awaited first; each
   * write finishes or fails, so the wait is bounded. `force` retries a failed
   * stage now instead of waiting out its back-off (shutdown).
   */
  async flush(force = false): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0 && this.unpublished.length === 0 && this.unstored.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.write(batch, force).finally(() => {
      this.flushing = null;
      this.metrics.responseLogBacklog.set({ stage: 'publish' }, this.unpublished.length);
      this.metrics.responseLogBacklog.set({ stage: 'store' }, this.unstored.length);
      // Overload filled the next batch while this one was written: take it now, not at the next tick.
      if (this.pending.length >= FLUSH_AT) this.flushUnlessBusy();
    });
    return this.flushing;
  }

  private async write(batch: ServedResponse[], force: boolean): Promise<void> {
    const lines: OutgoingMessage[] = new Array(batch.length);
    const rows: ServedRecommendation[] = new Array(batch.length);
    for (let from = 0; from < batch.length; from += PREPARE_SLICE) {
      if (from > 0) await yieldToEventLoop();
      for (let i = from; i < Math.min(batch.length, from + PREPARE_SLICE); i++) {
        const r = batch[i];
        // The line's parts formatted once for both the line and its hash (formatRecommendationLine and
        // recommendationLineHash each formatted the time and joined the ids again: per served response).
        const time = this.time.millis(r.at.getTime());
        const items = r.status === 200 ? r.items.join(',') : '';
        const latency = Math.round(r.latencyMs);
        lines[i] = {
          key: String(r.userId),
          value: recommendationLine(time, r.userId, this.server, r.status, items, latency),
        };
        // Keyed by the line hash ingestion uses, so the copy read back from the
        // stream merges into this row (request id and model version kept).
        rows[i] = {
          requestId: r.requestId,
          userId: r.userId,
          at: r.at,
          modelVersion: r.modelVersion,
          status: r.status,
          items: r.items,
          latencyMs: r.latencyMs,
          lineHash: recommendationHashOf(time, r.userId, r.status, items, latency),
        };
      }
    }
    this.unpublished = this.bounded(this.unpublished, lines);
    this.unstored = this.bounded(this.unstored, rows);
    // Independent stages: one failing never delays nor repeats the other.
    await Promise.all([this.publish(force), this.storeRows(force)]);
  }

  private async publish(force: boolean): Promise<void> {
    if (this.unpublished.length === 0 || !(force || this.retry.publish.due())) return;
    const lines = this.unpublished.slice(0, WRITE_AT_MOST);
    try {
      await this.bus.publish(this.config.topics.movielog, lines);
      this.unpublished = this.unpublished.slice(lines.length);
      this.retry.publish.succeeded();
    } catch (error) {
      this.retry.publish.failed();
      this.logger.warn(
        `could not publish ${lines.length} served responses (${this.unpublished.length} waiting; retried in ` +
          `${this.retry.publish.delayMs} ms): ${(error as Error).message}`,
      );
    }
  }

  private async storeRows(force: boolean): Promise<void> {
    if (this.unstored.length === 0 || !(force || this.retry.store.due())) return;
    const rows = this.unstored.slice(0, WRITE_AT_MOST);
    try {
      await this.store.recordServedRecommendations(rows);
      this.unstored = this.unstored.slice(rows.length);
      this.retry.store.succeeded();
    } catch (error) {
      this.retry.store.failed();
      this.logger.warn(
        `could not store ${rows.length} served responses (${this.unstored.length} waiting; retried in ` +
          `${this.retry.store.delayMs} ms): ${(error as Error).message}`,
      );
    }
  }

  /** Appends, keeping at most MAX_PENDING (the oldest kept: they were served first); the overflow is counted. */
  private bounded<T>(queue: T[], more: T[]): T[] {
    const room = MAX_PENDING - queue.length;
    if (more.length > room) this.metrics.responseLogDropped.inc(more.length - Math.max(room, 0));
    return room <= 0 ? queue : queue.concat(room >= more.length ? more : more.slice(0, room));
  }

  /** Before connections close (onApplicationShutdown), so the last responses still reach the stream and store. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }
}

const MIN_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;

/** Exponential back-off for one stage: 200 ms doubling to 5 s while it keeps failing. */
class RetryClock {
  delayMs = 0;
  private notBefore = 0;

  due(): boolean {
    return Date.now() >= this.notBefore;
  }

  failed(): void {
    this.delayMs = Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, this.delayMs * 2));
    this.notBefore = Date.now() + this.delayMs;
  }

  succeeded(): void {
    this.delayMs = 0;
    this.notBefore = 0;
  }
}
