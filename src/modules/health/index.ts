// Public surface of modules/health: what other modules may import. Everything else is internal.
export { HealthModule } from './health.module';
export { ReadinessRegistry } from './readiness.registry';
