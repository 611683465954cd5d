import { promises as fs } from 'node:fs';
import { InteractionDataset } from '@lib/dataset';
import { writeArtifact, loadScorer, Scorer } from '@lib/artifacts';
import { EvaluationContext, evaluateScorer, ScorerEvaluation } from '../evaluation/evaluator';
import { temporalSplit } from '../evaluation/splits';
import { trainerFor } from '../trainer-catalog';
import { TrainOptions } from '../trainer';
import { tuneHyperparameters, TuningBudget, TuningResult } from '../tuning/tuner';

export interface TrainAndEvaluateRequest {
  readonly modelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  /** Where the deployable artifact (trained on the whole snapshot) is written. */
  readonly artifactDir: string;
  /** Share of rows (by time) the evaluation model trains on; the rest is the holdout. */
  readonly trainShare?: number;
  /** Bounds evaluation cost on large snapshots (users sampled with the seed). */
  readonly maxEvalUsers?: number;
  /**
   * Tune the hyperparameters first, within this budget, on a temporal
   * validation split carved from the evaluation's training rows: the holdout
   * the promotion policy reads is never seen by the search. `params` given by
   * the caller stay fixed.
   */
  readonly tune?: Partial<TuningBudget>;
}

export interface TrainedCandidate {
  readonly artifactDir: string;
  /** Holdout figures in the registry's vocabulary (`ndcg@20`, `coverage`, …), read by the promotion policy. */
  readonly metrics: Record<string, number | string | null>;
  readonly evaluation: ScorerEvaluation;
  readonly trainingSeconds: number;
  /** The search that chose the parameters, when the request asked for tuning (also in the artifact's manifest). */
  readonly tuning: TuningResult | null;
}

/**
 * The training step of every pipeline run (start-up bootstrap, scheduled
 * retraining, the model-release workflow):
 *   1. temporal split of the snapshot; train on the past, rank the whole
 *      catalog for each holdout user and measure (never sampled negatives);
 *   2. retrain on the whole snapshot for deployment, so the served model has
 *      seen the most recent behaviour that the evaluation held out.
 * The cold-start fallback during evaluation is popularity trained on the same
 * past, as in serving.
 */
export async function trainAndEvaluate(
  data: InteractionDataset,
  request: TrainAndEvaluateRequest,
  opts: TrainOptions = {},
): Promise<TrainedCandidate> {
  const trainer = trainerFor(request.modelType);
  const split = temporalSplit(data, request.trainShare ?? 0.8, 20);
  const ctx = new EvaluationContext(split, { maxUsers: request.maxEvalUsers ?? 5_000, seed: request.seed });

  const tuning = request.tune
    ? await tuneHyperparameters(split.train, {
        modelType: request.modelType,
        baseParams: request.params,
        fixed: Object.keys(request.params),
        budget: request.tune,
        seed: request.seed,
        protocol: 'temporal',
        maxUsers: request.maxEvalUsers ?? 5_000,
        trainOptions: { workers: opts.workers, signal: opts.signal },
      })
    : null;
  const params = tuning ? tuning.best.params : request.params;

  const evaluationDir = `${request.artifactDir}.evaluation`;
  await writeArtifact(evaluationDir, await trainer.train(split.train, params, request.seed, opts));
  const evaluated = await loadScorer(evaluationDir);
  let fallback: Scorer | undefined;
  if (request.modelType !== 'popularity') {
    const popularityDir = `${request.artifactDir}.evaluation-popularity`;
    await writeArtifact(popularityDir, await trainerFor('popularity').train(split.train, {}, request.seed, opts));
    fallback = await loadScorer(popularityDir);
  }
  const evaluation = evaluateScorer(evaluated, ctx, { fallback, seed: request.seed });
  // Evaluation models are never served; only their figures are kept.
  await fs.rm(evaluationDir, { recursive: true, force: true });
  await fs.rm(`${request.artifactDir}.evaluation-popularity`, { recursive: true, force: true });

  const artifact = await trainer.train(data, params, request.seed, opts);
  await writeArtifact(request.artifactDir, {
    ...artifact,
    extra: {
      ...artifact.extra,
      evaluation: { split: split.description, holdoutUsers: evaluation.warm.users },
      // In the hashed manifest: the registry's artifact sha256 pins the search that chose the parameters.
      ...(tuning ? { tuning } : {}),
    },
  });
  return {
    artifactDir: request.artifactDir,
    evaluation,
    trainingSeconds: artifact.trainingSeconds ?? 0,
    tuning,
    metrics: {
      'ndcg@20': evaluation.warm.ndcg,
      'recall@20': evaluation.warm.recall,
      'map@20': evaluation.warm.map,
      'hit@20': evaluation.warm.hitRate,
      coverage: evaluation.coverage,
      meanPopularity: evaluation.meanPopularity,
      rmse: evaluation.rmse,
      holdoutUsers: evaluation.warm.users,
      evaluationSplit: split.description,
    },
  };
}
