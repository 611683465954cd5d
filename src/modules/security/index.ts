// Public surface of modules/security: what other modules may import. Everything else is internal.
export { ActivityTableBuilder } from './poisoning/activity-table';
export { detectShilling, type ShillingReport } from './poisoning/shilling-detector';
export { SecurityModule } from './security.module';
