import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '@modules/metrics';

/** Ingestion's Prometheus metrics, created once in the service-wide registry. */
@Injectable()
export class IngestionMetrics {
  /** Accepted lines per type (counted on every delivery, so replays count again). */
  readonly events: Counter<'type'>;
  /** Rejected lines per reason. */
  readonly deadLetters: Counter<'reason'>;
  /** Parse + store + dead-letter publication of one batch. */
  readonly batchSeconds: Histogram<never>;
  readonly batchRecords: Histogram<never>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** When consumerLag was last sampled successfully (ms since epoch; 0 = never). */
  lagSampledAt = 0;
  readonly paused: Gauge<never>;
  readonly batchFailures: Counter<never>;
  /** The platform's failed recommendation requests (status 0 or non-2xx lines), per reason. */
  readonly failedRequests: Counter<'reason'>;

  constructor(registry: MetricsRegistry) {
    this.events = registry.counter({
      name: 'marquee_ingest_events_total',
      help: 'Stream lines accepted by ingestion, per line type',
      labelNames: ['type'],
    });
    this.deadLetters = registry.counter({
      name: 'marquee_ingest_dead_letters_total',
      help: 'Stream lines dead-lettered by ingestion, per rejection reason',
      labelNames: ['reason'],
    });
    this.batchSeconds = registry.histogram({
      name: 'marquee_ingest_batch_seconds',
      help: 'Time to parse, store and dead-letter one batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.batchRecords = registry.histogram({
      name: 'marquee_ingest_batch_records',
      help: 'Records per ingested batch',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000, 50000],
    });
    this.consumerLag = registry.gauge({
      name: 'marquee_ingest_consumer_lag',
      help: 'Records not yet committed by the ingestion consumer group, per partition',
      labelNames: ['topic', 'partition'],
    });
    const sampledAt = () => this.lagSampledAt;
    registry.gauge({
      name: 'marquee_ingest_consumer_lag_age_seconds',
      help: 'Seconds since marquee_ingest_consumer_lag was last sampled (or since ingestion started, before the first sample); grows while the broker cannot be asked (the lag value is then stale).',
      collect() {
        const at = sampledAt();
        this.set(at === 0 ? -1 : (Date.now() - at) / 1000);
      },
    });
    this.paused = registry.gauge({
      name: 'marquee_ingest_paused',
      help: '1 while ingestion has paused fetching because the store is behind',
    });
    this.failedRequests = registry.counter({
      name: 'marquee_platform_failed_requests_total',
      help: 'Recommendation requests the platform logged as failed (status 0 or non-2xx), per reason; counted on every delivery',
      labelNames: ['reason'],
    });
    this.batchFailures = registry.counter({
      name: 'marquee_ingest_batch_failures_total',
      help: 'Batches whose write failed and will be redelivered',
    });
  }
}
