// Public surface of modules/experiments: what other modules may import. Everything else is internal.
export { analyseExperiment } from './analysis';
export { CanaryService, type StartCanaryInput } from './canary.service';
export {
  type ArmSeries,
  conversionPlot,
  DEFAULT_EXPERIMENT_REPORTS_DIR,
  writeExperimentReport,
} from './experiment-report';
export { type Experiment } from './experiment';
export { experimentsCliContext, ExperimentsCliModule } from './experiments-cli.module';
export { StartCanaryBody } from './experiments-dto';
export { ExperimentsModule } from './experiments.module';
export { ExperimentsRepository } from './experiments.repository';
export { ExperimentsService } from './experiments.service';
export { OnlineTelemetryService } from './online-telemetry.service';
