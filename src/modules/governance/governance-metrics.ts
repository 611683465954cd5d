import { Counter, register } from 'prom-client';

/**
 * Governance counters, on prom-client's default registry (the one a /metrics
 * endpoint exposes). Looked up before creation so that several application
 * instances in one process (tests) share them instead of failing to register.
 */
function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

export const policyDecisionsTotal = counter('marquee_policy_decisions_total', 'Promotion policy decisions.', [
  'transition',
  'allowed',
]);

export const accessDeniedTotal = counter('marquee_access_denied_total', 'Admin API requests denied.', ['route']);
