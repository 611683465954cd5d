// Public surface of modules/releases: what other modules may import. Everything else is internal.
export { ModelReleaseService } from './model-release.service';
export { ReleasesModule } from './releases.module';
export { RetrainingService } from './retraining.service';
