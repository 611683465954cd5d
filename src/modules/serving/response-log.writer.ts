import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { formatRecommendationLine, recommendationLineHash } from '@lib/movielog';
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

const FLUSH_EVERY_MS = 200;
const FLUSH_AT = 1_000;
/** Beyond this many unwritten responses, new ones are counted and dropped rather than exhausting memory. */
const MAX_PENDING = 100_000;
/**
 * Responses formatted and hashed per slice, with a turn of the event loop
 * between slices: a 200-response flush is 2-5 ms of formatting and sha256,
 * which in one piece delays every request that arrives meanwhile.
 */
const PREPARE_SLICE = 50;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Writes every served response to the stream (as the platform's
 * recommendation-request line) and to the store (with request id and model
 * version, for lineage). Batched off the request path: a response is never
 * delayed by logging, and a slow store costs memory up to a bound, then a
 * counted loss — never a failed request.
 */
@Injectable()
export class ResponseLogWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ResponseLogWriter.name);
  private pending: ServedResponse[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly server: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly store: RecommendationLogRepository,
    private readonly metrics: ServingMetrics,
  ) {
    this.server =
      config.http.publicAddress ??
      `${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  record(response: ServedResponse): void {
    if (!this.config.serving.logResponses) return;
    if (this.pending.length >= MAX_PENDING) {
      this.metrics.responseLogDropped.inc();
      return;
    }
    this.pending.push(response);
    if (this.pending.length >= FLUSH_AT) void this.flush();
  }

  /**
   * Writes what is pending now. Writes already under way (possibly carrying
   * this caller's entries, taken by another caller) are awaited first; each
   * write finishes or fails, so the wait is bounded.
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.write(batch).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async write(batch: ServedResponse[]): Promise<void> {
    try {
      const lines: OutgoingMessage[] = new Array(batch.length);
      const rows: ServedRecommendation[] = new Array(batch.length);
      for (let from = 0; from < batch.length; from += PREPARE_SLICE) {
        if (from > 0) await yieldToEventLoop();
        for (let i = from; i < Math.min(batch.length, from + PREPARE_SLICE); i++) {
          const r = batch[i];
          lines[i] = { key: String(r.userId), value: formatRecommendationLine({ ...r, server: this.server }) };
          // Keyed by the line hash ingestion uses, so the copy read back from the
          // stream merges into this row (request id and model version kept).
          rows[i] = { ...r, lineHash: recommendationLineHash(r) };
        }
      }
      await this.bus.publish(this.config.topics.movielog, lines);
      await this.store.recordServedRecommendations(rows);
    } catch (error) {
      // Put the batch back (bounded) so a passing outage loses nothing.
      this.logger.warn(`could not write ${batch.length} served responses: ${(error as Error).message}`);
      this.pending = batch.concat(this.pending).slice(0, MAX_PENDING);
    }
  }

  /** Before connections close (onApplicationShutdown), so the last responses still reach the stream and store. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
