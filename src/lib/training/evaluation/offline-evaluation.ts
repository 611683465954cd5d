import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeArtifact, loadScorer, Scorer } from '@lib/artifacts';
import { trainerFor } from '../trainer-catalog';
import { TrainingProgress } from '../trainer';
import { tuneHyperparameters, TuningBudget, TuningResult } from '../tuning/tuner';
import { EvaluationContext, evaluateScorer, ScorerEvaluation } from './evaluator';
import { EvaluationSplit, SplitName } from './splits';

export interface ModelRun {
  readonly model: string;
  readonly params: Record<string, unknown>;
  /** Name in the report (default: the model type), e.g. `als+tuned`. */
  readonly label?: string;
  /**
   * Tune on a validation split carved from this split's training rows, then
   * train with the best parameters. `fixed` names parameters the search keeps.
   */
  readonly tune?: { readonly budget?: Partial<TuningBudget>; readonly fixed?: readonly string[] };
}

export interface ModelFigures {
  readonly model: string;
  readonly label: string;
  readonly params: Record<string, unknown>;
  readonly trainingSeconds: number;
  /** The search that chose `params`, when the run was tuned. */
  readonly tuning?: TuningResult;
  /** Peak RSS growth over the pre-training baseline, sampled at every progress report (MB). */
  readonly peakMemoryMb: number;
  readonly artifactBytes: number;
  readonly evaluation: ScorerEvaluation;
}

export interface SplitFigures {
  readonly split: string;
  readonly description: string;
  readonly k: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly warmUsers: number;
  readonly coldUsers: number;
  readonly coldItemTestShare: number;
  readonly models: ModelFigures[];
}

export interface OfflineEvaluationOptions {
  readonly seed: number;
  readonly workers?: number;
  readonly maxUsers?: number;
  /** Where artifacts are written (one directory per split × model). */
  readonly artifactRoot: string;
  readonly onProgress?: (p: TrainingProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * Trains every model on the split's training rows, writes and reloads its
 * artifact through the serving path (loadScorer), and evaluates it with a
 * full ranking of the catalog. Popularity is trained first: it is also the
 * cold-start fallback for the other models.
 */
export async function evaluateSplit(
  split: EvaluationSplit,
  runs: readonly ModelRun[],
  opts: OfflineEvaluationOptions,
): Promise<SplitFigures> {
  const ctx = new EvaluationContext(split, { maxUsers: opts.maxUsers, seed: opts.seed });
  const first = (r: ModelRun) => Number(r.model === 'popularity' && !r.tune);
  const ordered = [...runs].sort((a, b) => first(b) - first(a));
  let fallback: Scorer | undefined;
  const models: ModelFigures[] = [];
  for (const run of ordered) {
    const label = run.label ?? run.model;
    // The tuner sees split.train only: never split.test (tuner.spec.ts proves it).
    const tuning = run.tune
      ? await tuneHyperparameters(split.train, {
          modelType: run.model,
          baseParams: run.params,
          fixed: run.tune.fixed,
          budget: run.tune.budget,
          seed: opts.seed,
          protocol: split.name as SplitName,
          maxUsers: opts.maxUsers,
          trainOptions: { workers: opts.workers, signal: opts.signal },
          onTrial: (trial, best) =>
            process.stderr.write(
              `[tune ${split.name}] ${run.model} trial ${trial.trial}: ${trial.status} ${trial.metric === null ? '' : trial.metric.toFixed(4)} ` +
                `${JSON.stringify(trial.params)} (${trial.seconds.toFixed(1)}s; best ${best?.metric?.toFixed(4) ?? '–'})\n`,
            ),
        })
      : undefined;
    const params = tuning ? tuning.best.params : run.params;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const artifact = await trainerFor(run.model).train(split.train, params, opts.seed, {
      workers: opts.workers,
      signal: opts.signal,
      onProgress: (p) => {
        sample();
        opts.onProgress?.(p);
      },
    });
    sample();
    const dir = path.join(opts.artifactRoot, split.name, label.replace(/[^A-Za-z0-9._-]+/g, '_'));
    await writeArtifact(dir, artifact);
    const artifactBytes = (await fs.stat(path.join(dir, 'model.bin'))).size;
    const scorer = await loadScorer(dir);
    if (run.model === 'popularity' && fallback === undefined) fallback = scorer;
    const evaluation = evaluateScorer(scorer, ctx, { fallback, seed: opts.seed });
    models.push({
      model: run.model,
      label,
      params: artifact.params,
      ...(tuning ? { tuning } : {}),
      trainingSeconds: artifact.trainingSeconds ?? 0,
      peakMemoryMb: (peak - baseline) / 2 ** 20,
      artifactBytes,
      evaluation,
    });
    process.stderr.write(
      `[eval ${split.name}] ${label}: ndcg@${split.k}=${evaluation.warm.ndcg.toFixed(4)} recall=${evaluation.warm.recall.toFixed(4)} ` +
        `train=${(artifact.trainingSeconds ?? 0).toFixed(1)}s p99=${evaluation.latencyMs.p99.toFixed(2)}ms\n`,
    );
  }
  return {
    split: split.name,
    description: split.description,
    k: split.k,
    trainRows: split.train.userIndex.length,
    testRows: split.test.userIndex.length,
    warmUsers: ctx.warmUsers.length,
    coldUsers: ctx.coldUsers.length,
    coldItemTestShare: ctx.coldItemRowShare,
    models,
  };
}
