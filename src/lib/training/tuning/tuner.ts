import { InteractionDataset } from '@lib/dataset';
import { Scorer, scorerFromArtifact } from '@lib/artifacts';
import { EvaluationContext, evaluateScorer } from '../evaluation/evaluator';
import { makeSplit, SplitName } from '../evaluation/splits';
import { createRng } from '../random';
import { trainerFor } from '../trainer-catalog';
import { TrainingAbortedError, TrainOptions } from '../trainer';
import { samplePoint, SEARCH_SPACES, SearchSpace } from './search-space';

/** How much a search may spend: whichever limit is reached first stops it. */
export interface TuningBudget {
  /** Trials, the defaults' trial included. */
  readonly trials: number;
  /** Wall-clock seconds; a trial still running at the limit is interrupted and not counted. */
  readonly seconds: number;
}

export const DEFAULT_TUNING_BUDGET: TuningBudget = { trials: 16, seconds: 600 };

export interface TuningTrial {
  readonly trial: number;
  /** The parameters the trial overrode (the whole set is `baseParams` + these). */
  readonly params: Record<string, unknown>;
  /** NDCG@k of warm validation users; null when the trial did not finish. */
  readonly metric: number | null;
  readonly seconds: number;
  readonly status: 'ok' | 'interrupted' | 'failed';
  readonly error?: string;
}

export interface TuningResult {
  readonly modelType: string;
  readonly method: 'random-search';
  readonly seed: number;
  /** e.g. `ndcg@20` on the validation split. */
  readonly metric: string;
  readonly budget: TuningBudget;
  readonly stoppedBy: 'trials' | 'time';
  readonly validation: {
    readonly protocol: SplitName;
    readonly description: string;
    /** Rows of the data given to the tuner: the caller's training rows, never its test rows. */
    readonly sourceRows: number;
    readonly sourceContentHash: string;
    readonly trainRows: number;
    readonly validationRows: number;
    readonly validationUsers: number;
  };
  /** Trial 0 is always the starting parameters, so tuning never picks worse than them on validation. */
  readonly trials: readonly TuningTrial[];
  readonly best: { readonly trial: number; readonly params: Record<string, unknown>; readonly metric: number };
  readonly seconds: number;
}

export interface TuningRequest {
  readonly modelType: string;
  /** Parameters every trial starts from (the defaults, plus any the caller fixed). */
  readonly baseParams?: Record<string, unknown>;
  /** Names the search must leave alone (the caller set them explicitly). */
  readonly fixed?: readonly string[];
  readonly budget?: Partial<TuningBudget>;
  readonly seed: number;
  /** The protocol of the evaluation the tuned model will face, applied inside the training rows. */
  readonly protocol: SplitName;
  /** Validation users evaluated per trial (sampled with the seed). */
  readonly maxUsers?: number;
  readonly space?: SearchSpace;
  readonly trainOptions?: Pick<TrainOptions, 'workers' | 'signal'>;
  readonly onTrial?: (trial: TuningTrial, best: TuningTrial | null) => void;
}

/**
 * The `tune` stage: random search (Bergstra & Bengio 2012) over a model's
 * hyperparameters, each trial trained on a validation split carved from the
 * rows it is given and scored by NDCG@k on the held-out part. The caller
 * passes its *training* rows only, so neither the test rows of an offline
 * evaluation nor the holdout the promotion policy compares on can influence
 * the choice (test/…/tuner.spec.ts corrupts them to prove it).
 *
 * Why random search: trials are independent, so the search can stop at any
 * trial (budget, Ctrl-C) and still return the best so far; with a seed the
 * sequence of trials is reproducible; and for the 3–5 parameters per model it
 * finds good regions as reliably as grids at a fraction of the cost.
 * Successive halving would save time only where a trial's cost is dominated
 * by epochs that can be cut short, which is not the case for ALS or item-kNN.
 */
export async function tuneHyperparameters(data: InteractionDataset, req: TuningRequest): Promise<TuningResult> {
  const budget: TuningBudget = { ...DEFAULT_TUNING_BUDGET, ...req.budget };
  if (!(budget.trials >= 1) || !(budget.seconds > 0)) {
    throw new Error(`tuning budget needs trials ≥ 1 and seconds > 0 (got ${budget.trials}, ${budget.seconds})`);
  }
  const trainer = trainerFor(req.modelType);
  const space = req.space ?? SEARCH_SPACES[req.modelType] ?? {};
  const fixed = new Set(req.fixed ?? []);
  const base = { ...trainer.defaults, ...req.baseParams } as Record<string, unknown>;
  const started = performance.now();
  const deadline = started + budget.seconds * 1000;
  // The validation split: a different stream from the outer split's, same protocol.
  const validation = makeSplit(req.protocol, data, req.seed + 7919);
  const ctx = new EvaluationContext(validation, { maxUsers: req.maxUsers ?? 2_000, seed: req.seed });
  const fallback: Scorer | undefined =
    req.modelType === 'popularity' || ctx.coldUsers.length === 0
      ? undefined
      : await scorerFromArtifact(await trainerFor('popularity').train(validation.train, {}, req.seed));

  const rng = createRng(req.seed);
  const trials: TuningTrial[] = [];
  let best: TuningTrial | null = null;
  let stoppedBy: TuningResult['stoppedBy'] = 'trials';
  for (let t = 0; t < budget.trials; t++) {
    const drawn = samplePoint(space, rng); // drawn for every trial, so trial n is the same point in every run
    if (performance.now() >= deadline) {
      stoppedBy = 'time';
      break;
    }
    const overrides: Record<string, unknown> = {};
    if (t > 0) for (const [name, value] of Object.entries(drawn)) if (!fixed.has(name)) overrides[name] = value;
    const trial = await runTrial(t, { ...base, ...overrides }, overrides);
    trials.push(trial);
    if (trial.status === 'ok' && (best === null || (trial.metric ?? -1) > (best.metric ?? -1))) best = trial;
    req.onTrial?.(trial, best);
    if (trial.status === 'interrupted') {
      stoppedBy = 'time';
      break;
    }
  }
  if (best === null || best.metric === null) {
    throw new Error(`tuning ${req.modelType}: no trial finished within ${budget.seconds} s`);
  }
  return {
    modelType: req.modelType,
    method: 'random-search',
    seed: req.seed,
    metric: `ndcg@${validation.k}`,
    budget,
    stoppedBy,
    validation: {
      protocol: req.protocol,
      description: validation.description,
      sourceRows: data.userIndex.length,
      sourceContentHash: data.contentHash,
      trainRows: validation.train.userIndex.length,
      validationRows: validation.test.userIndex.length,
      validationUsers: ctx.warmUsers.length,
    },
    trials,
    best: { trial: best.trial, params: { ...base, ...best.params }, metric: best.metric },
    seconds: (performance.now() - started) / 1000,
  };

  async function runTrial(
    trial: number,
    params: Record<string, unknown>,
    overrides: Record<string, unknown>,
  ): Promise<TuningTrial> {
    const t0 = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - t0));
    const outer = req.trainOptions?.signal;
    const forward = () => controller.abort();
    outer?.addEventListener('abort', forward, { once: true });
    const seconds = () => (performance.now() - t0) / 1000;
    try {
      const artifact = await trainer.train(validation.train, params, req.seed, {
        workers: req.trainOptions?.workers,
        signal: controller.signal,
      });
      const scorer = await scorerFromArtifact(artifact);
      const evaluation = evaluateScorer(scorer, ctx, { fallback, seed: req.seed });
      return { trial, params: overrides, metric: evaluation.warm.ndcg, seconds: seconds(), status: 'ok' };
    } catch (error) {
      if (outer?.aborted) throw error; // interrupted by the caller: stop the whole search
      if (error instanceof TrainingAbortedError) {
        return { trial, params: overrides, metric: null, seconds: seconds(), status: 'interrupted' };
      }
      const message = error instanceof Error ? error.message : String(error);
      return { trial, params: overrides, metric: null, seconds: seconds(), status: 'failed', error: message };
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    }
  }
}
