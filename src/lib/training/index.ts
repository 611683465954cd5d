// Public surface of lib/training: what other modules may import. Everything else is internal.
export { DEFAULT_EVAL_PARAMS } from './evaluation/default-eval-params';
export { EvaluationContext, evaluateScorer } from './evaluation/evaluator';
export { userMetrics } from './evaluation/metrics';
export { runOfflineEvaluation, type SplitName, SPLITS } from './evaluation/run-offline-evaluation';
export { temporalSplit } from './evaluation/splits';
export { scatterPlot } from './evaluation/svg-plot';
export { confidenceCsr as alsConfidenceCsr } from './models/als/als.trainer';
export { itemKnnTrainer } from './models/item-knn/item-knn.trainer';
export {
  compareOnHoldout,
  type HoldoutComparison,
  type HoldoutFigures,
  type ModelRecipe,
} from './pipeline/compare-on-holdout';
export { trainAndEvaluate } from './pipeline/train-and-evaluate';
export { createRng } from './random';
export { generateLatentWorld } from './synthetic/latent-world';
export { MODEL_TYPES, trainerFor } from './trainer-catalog';
export { stderrProgress } from './trainer';
export {
  DEFAULT_TUNING_BUDGET,
  SEARCH_SPACES,
  tuneHyperparameters,
  type TuningBudget,
  type TuningResult,
  type TuningTrial,
} from './tuning';
