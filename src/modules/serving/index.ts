// Public surface of modules/serving: what other modules may import. Everything else is internal.
export { type LiveModel, LiveModels, type LoadFailureKind } from './live-models';
export { ModelLoaderService } from './model-loader.service';
export { type RouteDecision, ServingRouter } from './serving-router';
export { ServingModule } from './serving.module';
