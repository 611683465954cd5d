// Public surface of modules/monitoring: what other modules may import. Everything else is internal.
export { driftCliContext } from './drift/drift-cli.module';
export { addCount } from './drift/drift-math';
export {
  compareProfiles,
  DEFAULT_DRIFT_THRESHOLDS,
  type DriftComparison,
  type DriftThresholds,
  profileDataset,
  profileRecentWindow,
  type RecentWindow,
} from './drift/drift-profile';
export { distributionSvg, type DriftReportSection, writeDriftReport } from './drift/drift-report';
export { DriftService } from './drift/drift.service';
export { MonitoringModule } from './monitoring.module';
