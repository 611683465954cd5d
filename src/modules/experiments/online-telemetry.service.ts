import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { parseLogLine } from '@lib/movielog';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { EVENT_BUS, EventBus, RecordBatch, Subscription } from '@modules/events';
import { ExperimentsMetrics } from './experiments.metrics';
import { ExperimentsRepository } from './experiments.repository';
import { Attribution, OnlineJoin, RecommendationOutcome } from './online-join';
import { OutcomeAccumulator } from './outcome-buckets';

export type Attributor = (userId: number, at: number) => Attribution;
export type OutcomeListener = (outcome: RecommendationOutcome) => void;

/**
 * Measures online quality from the stream: consumes `movielog` in its own
 * consumer group (messages are keyed by user, so a user's responses and
 * watches reach the same member and the join is partition-local), feeds the
 * bounded OnlineJoin, counts per model version and arm in Prometheus, and
 * persists finalised outcomes per experiment in minute buckets.
 *
 * Lost on restart: responses still inside their window (their outcomes are
 * never finalised) and outcomes accumulated since the last flush
 * (EXPERIMENT_FLUSH_MS). Both arms lose alike, so comparisons stay unbiased;
 * everything flushed is in the store and the analysis reads only the store.
 */
@Injectable()
export class OnlineTelemetryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OnlineTelemetryService.name);
  private readonly accumulator = new OutcomeAccumulator();
  private readonly listeners = new Set<OutcomeListener>();
  private readonly join: OnlineJoin;
  private attributor: Attributor = () => ({ experimentId: null, arm: 'none', modelVersion: 'unknown' });
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  /** Wall clock when the watermark last moved, so windows close while the stream is idle. */
  private watermarkWall = Date.now();
  private lastWatermark = -Infinity;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly repository: ExperimentsRepository,
    private readonly metrics: ExperimentsMetrics,
  ) {
    const m = this.metrics;
    this.join = new OnlineJoin(
      {
        served: (a, line) => {
          const labels = { model_version: a.modelVersion, arm: a.arm };
          m.recommendations.inc(labels);
          if (line.status !== 200) m.errors.inc(labels);
          m.latency.observe(labels, line.latencyMs / 1000);
        },
        converted: (a) => m.conversions.inc({ model_version: a.modelVersion, arm: a.arm }),
        watchMinute: (a) => m.watchMinutes.inc({ model_version: a.modelVersion, arm: a.arm }),
        finalised: (outcome) => {
          this.accumulator.add(outcome);
          for (const listener of this.listeners) listener(outcome);
        },
      },
      {
        windowMs: config.experiments.conversionWindowMs,
        maxPerUser: 5,
        maxUsers: config.experiments.joinMaxUsers,
        duplicateToleranceMs: 5_000,
      },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.experiments.enabled) return;
    this.subscription = await this.bus.subscribe({
      groupId: this.config.experiments.groupId,
      topics: [this.config.topics.movielog],
      fromBeginning: false,
      // Freshness within half a second is plenty here; fetching every few records is not free.
      lowPriority: true,
      // Parsing and joining costs ~20-30 µs a line: ~1 ms of the request thread at a time.
      maxBatchRecords: 32,
      // After a crash or rebalance up to a second is read again: the join drops repeated
      // responses and credits a conversion once; watch minutes and ratings may count twice.
      commitEveryMs: 1_000,
      handleBatch: async (batch) => this.handleBatch(batch),
    });
    this.timer = setInterval(() => void this.tick(), this.config.experiments.flushMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.subscription?.stop();
    await this.flush();
  }

  /** Decides which experiment arm and model version a response on the stream counts for. */
  setAttributor(attributor: Attributor): void {
    this.attributor = attributor;
  }

  onOutcome(listener: OutcomeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feeds one batch of stream records to the join (also called directly by tests). */
  handleBatch(batch: RecordBatch): void {
    const options = {
      ratingScaleMax: this.config.ratingScaleMax,
      maxLineBytes: this.config.ingestion.maxLineBytes,
      maxFutureSkewMs: this.config.ingestion.maxFutureSkewMs,
      now: Date.now(),
    };
    for (const record of batch.records) {
      const line = parseLogLine(record.value, options);
      switch (line.type) {
        case 'recommendation':
          this.join.recommendation(line, this.attributor(line.userId, line.at));
          break;
        case 'watch':
          this.join.watch(line.userId, line.movieId, line.minute, line.at);
          break;
        case 'rating':
          this.join.rating(line.userId, line.movieId, line.rating, line.at);
          break;
        default:
          break;
      }
    }
    this.metrics.openResponses.set(this.join.openResponses);
  }

  /** Event time of the newest line the join has seen (epoch ms), or null before the first: the stream's clock. */
  streamTime(): number | null {
    const wm = this.join.watermark;
    return Number.isFinite(wm) ? wm : null;
  }

  /** Finalises every open response now (conclude, tests) and writes the outcomes. */
  async finaliseAll(): Promise<void> {
    this.join.finaliseAll();
    await this.flush();
  }

  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    const drained = this.accumulator.drain();
    if (drained.buckets.length === 0 && drained.users.length === 0) return;
    this.flushing = this.repository
      .addOutcomes(drained.buckets, drained.users)
      .catch((error: unknown) => {
        this.logger.warn(`could not write experiment outcomes, will retry: ${(error as Error).message}`);
        this.accumulator.restore(drained);
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  private async tick(): Promise<void> {
    // Event time advances with the stream; when it stalls, advance by the wall-clock time since.
    const wm = this.join.watermark;
    if (wm !== this.lastWatermark) {
      this.lastWatermark = wm;
      this.watermarkWall = Date.now();
    } else if (Number.isFinite(wm)) this.join.advance(wm + (Date.now() - this.watermarkWall));
    this.metrics.openResponses.set(this.join.openResponses);
    await this.flush();
  }
}
