import { createHash } from 'node:crypto';
import { InteractionDataset } from '@lib/dataset';
import { scorerFromArtifact, Scorer } from '@lib/artifacts';
import { EvaluationContext, evaluateScorer } from '../evaluation/evaluator';
import { temporalSplit } from '../evaluation/splits';
import { trainerFor } from '../trainer-catalog';
import { TrainOptions } from '../trainer';

/** What a model is, for retraining it elsewhere: its family, hyper-parameters and seed. */
export interface ModelRecipe {
  readonly modelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
}

/** One recipe's holdout figures, in the registry's vocabulary. */
export interface HoldoutFigures {
  readonly 'ndcg@20': number;
  readonly 'recall@20': number;
  readonly coverage: number;
}

export interface HoldoutComparison {
  /** The split in words (its cut time and train share). */
  readonly split: string;
  /**
   * sha256 of the snapshot's content hash, the split's description and every
   * holdout (user, movie) pair and evaluated user, by id: two comparisons with
   * the same hash were measured on the same holdout.
   */
  readonly splitHash: string;
  readonly trainRows: number;
  readonly holdoutRows: number;
  readonly holdoutUsers: number;
  /** One entry per recipe, in the order given. */
  readonly figures: readonly HoldoutFigures[];
}

export interface CompareOnHoldoutOptions extends TrainOptions {
  readonly trainShare?: number;
  readonly maxEvalUsers?: number;
  /** Seeds the sample of evaluated users (the same sample for every recipe). */
  readonly seed: number;
}

/**
 * Like-for-like offline comparison: every recipe is trained on the same past
 * of one snapshot (the temporal split train-and-evaluate uses) and measured on
 * the same holdout and the same users. A champion's registered figure comes
 * from its own, older holdout, and the champion's deployed model may have been
 * trained on part of the candidate's holdout; retraining its recipe here
 * removes both biases (and is cheaper than keeping every event after every
 * champion's cutoff apart).
 */
export async function compareOnHoldout(
  data: InteractionDataset,
  recipes: readonly ModelRecipe[],
  options: CompareOnHoldoutOptions,
): Promise<HoldoutComparison> {
  const split = temporalSplit(data, options.trainShare ?? 0.8, 20);
  const ctx = new EvaluationContext(split, { maxUsers: options.maxEvalUsers ?? 5_000, seed: options.seed });
  const train = (recipe: ModelRecipe) =>
    trainerFor(recipe.modelType).train(split.train, recipe.params, recipe.seed, options);
  // Cold users get the popularity model trained on the same past, as in serving and train-and-evaluate.
  const fallback: Scorer = await scorerFromArtifact(
    await train({ modelType: 'popularity', params: {}, seed: options.seed }),
  );
  const figures: HoldoutFigures[] = [];
  for (const recipe of recipes) {
    options.signal?.throwIfAborted();
    const scorer = await scorerFromArtifact(await train(recipe));
    const evaluation = evaluateScorer(scorer, ctx, {
      fallback: recipe.modelType === 'popularity' ? undefined : fallback,
      seed: options.seed,
    });
    figures.push({
      'ndcg@20': evaluation.warm.ndcg,
      'recall@20': evaluation.warm.recall,
      coverage: evaluation.coverage,
    });
  }
  return {
    split: split.description,
    splitHash: holdoutHash(data, split.description, split.test, ctx.warmUsers),
    trainRows: split.train.userIndex.length,
    holdoutRows: split.test.userIndex.length,
    holdoutUsers: ctx.warmUsers.length,
    figures,
  };
}

function holdoutHash(
  data: InteractionDataset,
  description: string,
  test: { readonly userIndex: Int32Array; readonly itemIndex: Int32Array },
  evaluated: Int32Array,
): string {
  const hash = createHash('sha256').update(`${data.contentHash}\n${description}\n`);
  for (let r = 0; r < test.userIndex.length; r++) {
    hash.update(`${data.users[test.userIndex[r]].id}\t${data.movies[test.itemIndex[r]].id}\n`);
  }
  hash.update('evaluated');
  for (const u of evaluated) hash.update(`\t${data.users[u].id}`);
  return hash.digest('hex');
}
