export { SEARCH_SPACES, samplePoint, type Dimension, type SearchSpace } from './search-space';
export {
  DEFAULT_TUNING_BUDGET,
  tuneHyperparameters,
  type TuningBudget,
  type TuningRequest,
  type TuningResult,
  type TuningTrial,
} from './tuner';
