import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeArtifact, loadScorer, Scorer } from '@lib/artifacts';
import { trainerFor } from '../trainer-catalog';
import { TrainingProgress } from '../trainer';
import { EvaluationContext, evaluateScorer, ScorerEvaluation } from './evaluator';
import { EvaluationSplit } from './splits';

export interface ModelRun {
  readonly model: string;
  readonly params: Record<string, unknown>;
}

export interface ModelFigures {
  readonly model: string;
  readonly params: Record<string, unknown>;
  readonly trainingSeconds: number;
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
  const ordered = [...runs].sort((a, b) => Number(b.model === 'popularity') - Number(a.model === 'popularity'));
  let fallback: Scorer | undefined;
  const models: ModelFigures[] = [];
  for (const run of ordered) {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const artifact = await trainerFor(run.model).train(split.train, run.params, opts.seed, {
      workers: opts.workers,
      signal: opts.signal,
      onProgress: (p) => {
        sample();
        opts.onProgress?.(p);
      },
    });
    sample();
    const dir = path.join(opts.artifactRoot, split.name, run.model);
    await writeArtifact(dir, artifact);
    const artifactBytes = (await fs.stat(path.join(dir, 'model.bin'))).size;
    const scorer = await loadScorer(dir);
    if (run.model === 'popularity') fallback = scorer;
    const evaluation = evaluateScorer(scorer, ctx, { fallback, seed: opts.seed });
    models.push({
      model: run.model,
      params: artifact.params,
      trainingSeconds: artifact.trainingSeconds ?? 0,
      peakMemoryMb: (peak - baseline) / 2 ** 20,
      artifactBytes,
      evaluation,
    });
    process.stderr.write(
      `[eval ${split.name}] ${run.model}: ndcg@${split.k}=${evaluation.warm.ndcg.toFixed(4)} recall=${evaluation.warm.recall.toFixed(4)} ` +
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
