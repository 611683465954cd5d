import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@modules/metrics';

/** Online quality per model version and arm (arm "none" outside experiments), from the streaming join. */
@Injectable()
export class ExperimentsMetrics {
  readonly recommendations;
  readonly conversions;
  readonly watchMinutes;
  readonly errors;
  readonly latency;
  readonly openResponses;
  readonly canaryShare;
  readonly decisions;
  readonly armLoadFailed;

  constructor(metrics: MetricsRegistry) {
    this.recommendations = metrics.counter({
      name: 'marquee_online_recommendations_total',
      help: 'Recommendation responses seen on the stream',
      labelNames: ['model_version', 'arm'],
    });
    this.conversions = metrics.counter({
      name: 'marquee_online_conversions_total',
      help: 'Responses followed by a start of a recommended movie within the conversion window',
      labelNames: ['model_version', 'arm'],
    });
    this.watchMinutes = metrics.counter({
      name: 'marquee_online_watch_minutes_total',
      help: 'Minutes of recommended movies watched within the conversion window',
      labelNames: ['model_version', 'arm'],
    });
    this.errors = metrics.counter({
      name: 'marquee_online_errors_total',
      help: 'Responses with a non-200 status on the stream',
      labelNames: ['model_version', 'arm'],
    });
    this.latency = metrics.histogram({
      name: 'marquee_online_latency_seconds',
      help: 'Response latency as logged on the stream',
      labelNames: ['model_version', 'arm'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1, 2],
    });
    this.openResponses = metrics.gauge({
      name: 'marquee_online_join_open_responses',
      help: 'Responses held in the streaming join (bounded)',
    });
    this.canaryShare = metrics.gauge({
      name: 'marquee_canary_share',
      help: 'Traffic share of the running canary candidate',
      labelNames: ['experiment'],
    });
    this.decisions = metrics.counter({
      name: 'marquee_experiment_decisions_total',
      help: 'Experiment and canary decisions (advance, rollback, promote, conclude)',
      labelNames: ['kind', 'decision'],
    });
    this.armLoadFailed = metrics.gauge({
      name: 'marquee_experiment_arm_load_failed',
      help: 'Running experiment arms whose model this pod could not load (1; the series is removed once it loads)',
      labelNames: ['experiment', 'arm', 'model_version'],
    });
  }
}
