import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '@modules/metrics';

/** Governance counters, on the service's one Prometheus registry (GET /metrics). */
@Injectable()
export class GovernanceMetrics {
  readonly policyDecisions: Counter<'transition' | 'allowed'>;
  readonly accessDenied: Counter<'route'>;

  constructor(metrics: MetricsRegistry) {
    this.policyDecisions = metrics.counter({
      name: 'marquee_policy_decisions_total',
      help: 'Promotion policy decisions, by requested transition and outcome.',
      labelNames: ['transition', 'allowed'],
    });
    this.accessDenied = metrics.counter({
      name: 'marquee_access_denied_total',
      help: 'Admin API requests denied (401/403), by route.',
      labelNames: ['route'],
    });
  }
}
