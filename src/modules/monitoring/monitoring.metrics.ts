import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '@modules/metrics';

/**
 * Metrics owned by the monitoring module (see monitoring/METRICS.md for the
 * whole service's catalogue): generic HTTP metrics, the audit-chain health
 * gauge, and drift scores.
 */
@Injectable()
export class MonitoringMetrics {
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpDuration: Histogram<'route' | 'method'>;
  readonly auditChainOk: Gauge<never>;
  readonly auditChainChecked: Gauge<never>;
  readonly auditVerifiedAt: Gauge<never>;
  readonly driftPsi: Gauge<'feature'>;
  readonly driftKs: Gauge<'feature'>;
  readonly driftShare: Gauge<'feature'>;
  readonly driftDetected: Gauge<'feature'>;
  readonly driftSnapshotAgeHours: Gauge<never>;
  readonly driftEvaluatedAt: Gauge<never>;
  readonly driftEvaluations: Counter<'result'>;

  constructor(metrics: MetricsRegistry) {
    this.httpRequests = metrics.counter({
      name: 'marquee_http_requests_total',
      help: 'HTTP requests by route pattern (not the raw URL), method and status code.',
      labelNames: ['route', 'method', 'status'],
    });
    this.httpDuration = metrics.histogram({
      name: 'marquee_http_request_duration_seconds',
      help: 'HTTP request duration (receive to response sent), by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.6, 1, 2.5, 5],
    });
    this.auditChainOk = metrics.gauge({
      name: 'marquee_audit_chain_ok',
      help: '1 when the last verification of the hash-chained audit trail found it intact, 0 when broken.',
    });
    this.auditChainChecked = metrics.gauge({
      name: 'marquee_audit_chain_records',
      help: 'Audit records checked by the last verification.',
    });
    this.auditVerifiedAt = metrics.gauge({
      name: 'marquee_audit_chain_verified_timestamp_seconds',
      help: 'Unix time of the last completed audit-chain verification.',
    });
    this.driftPsi = metrics.gauge({
      name: 'marquee_drift_psi',
      help: 'Population stability index between the production model training snapshot and the recent window, per feature.',
      labelNames: ['feature'],
    });
    this.driftKs = metrics.gauge({
      name: 'marquee_drift_ks',
      help: 'Two-sample Kolmogorov-Smirnov statistic (training snapshot vs recent window), per numeric feature.',
      labelNames: ['feature'],
    });
    this.driftShare = metrics.gauge({
      name: 'marquee_drift_new_share',
      help: 'Share of the recent window unknown to the training snapshot (feature new_users or new_movies).',
      labelNames: ['feature'],
    });
    this.driftDetected = metrics.gauge({
      name: 'marquee_drift_detected',
      help: '1 when a feature is over its drift threshold at the last evaluation (with enough samples), else 0.',
      labelNames: ['feature'],
    });
    this.driftSnapshotAgeHours = metrics.gauge({
      name: 'marquee_drift_snapshot_age_hours',
      help: 'Age of the training snapshot at the last drift evaluation, in hours.',
    });
    this.driftEvaluatedAt = metrics.gauge({
      name: 'marquee_drift_evaluated_timestamp_seconds',
      help: 'Unix time of the last drift evaluation.',
    });
    this.driftEvaluations = metrics.counter({
      name: 'marquee_drift_evaluations_total',
      help: 'Drift evaluations by result (passed, drifted, failed).',
      labelNames: ['result'],
    });
  }
}
