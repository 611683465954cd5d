// Public surface of modules/metrics: what other modules may import. Everything else is internal.
export { METRICS_REQUEST, METRICS_RESPONSE } from './cluster-metrics';
export { MetricsModule } from './metrics.module';
export { MetricsRegistry } from './metrics.registry';
