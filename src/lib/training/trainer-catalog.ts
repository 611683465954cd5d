import { alsTrainer } from './models/als/als.trainer';
import { hybridTrainer } from './models/hybrid/hybrid.trainer';
import { itemKnnTrainer } from './models/item-knn/item-knn.trainer';
import { popularityTrainer } from './models/popularity/popularity.trainer';
import { svdTrainer } from './models/svd/svd.trainer';
import { Trainer } from './trainer';

/** Every model family Marquee can train, by manifest modelType. */
export const TRAINERS: Readonly<Record<string, Trainer<object>>> = {
  popularity: popularityTrainer as Trainer<object>,
  'item-knn': itemKnnTrainer as Trainer<object>,
  svd: svdTrainer as Trainer<object>,
  als: alsTrainer as Trainer<object>,
  hybrid: hybridTrainer as Trainer<object>,
};

export const MODEL_TYPES = Object.keys(TRAINERS);

export function trainerFor(modelType: string): Trainer<object> {
  const trainer = TRAINERS[modelType];
  if (!trainer) throw new Error(`unknown model type "${modelType}" (known: ${MODEL_TYPES.join(', ')})`);
  return trainer;
}
