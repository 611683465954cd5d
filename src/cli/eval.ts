/**
 * `npm run eval -- [--users 50000 --movies 5000 --interactions 2000000 --seed 1]
 *                  [--snapshot <dir> | --movielens <dir>]
 *                  [--models popularity,item-knn,svd,als,hybrid] [--splits temporal,leave-last-k,random-75-25]
 *                  [--max-users 10000] [--workers 2] [--params '{"als":{"factors":64}}'] [--out reports/offline]
 *                  [--tune [--tune-trials 16] [--tune-seconds 600]]`
 *
 * --tune adds, for every model, a `<model>+tuned` run: random search over its
 * hyperparameters on a validation split carved from each split's training rows
 * (never its test rows), within the trial and wall-time budget per model and
 * split; the report lists every trial. Parameters given with --params stay fixed.
 * Trains and evaluates every model on one dataset and writes
 * reports/offline/<snapshot>/report.md, report.json and SVG plots.
 * Without --snapshot/--movielens it uses the trainer's synthetic latent world.
 * Ctrl-C interrupts training between iterations.
 */
import * as path from 'node:path';
import { DatasetSource, describeSource, loadDataset } from './dataset-source';
import {
  DEFAULT_EVAL_PARAMS,
  runOfflineEvaluation,
  SPLITS,
  SplitName,
  MODEL_TYPES,
  stderrProgress,
} from '@lib/training';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<void> {
  const { values } = parseCommand(COMMANDS.eval);
  const seed = Number(values.seed);
  const users = Number(values.users);
  const source: DatasetSource = values.snapshot
    ? { kind: 'snapshot', dir: values.snapshot }
    : values.movielens
      ? { kind: 'movielens', dir: values.movielens }
      : {
          kind: 'synthetic',
          users,
          movies: Number(values.movies),
          interactions: Number(values.interactions ?? users * 40),
          seed,
        };
  const models = values.models.split(',').filter(Boolean);
  for (const m of models) if (!MODEL_TYPES.includes(m)) throw new Error(`unknown model ${m}`);
  const splits = values.splits.split(',').filter(Boolean) as SplitName[];
  for (const s of splits) if (!SPLITS.includes(s)) throw new Error(`unknown split ${s} (known: ${SPLITS.join(', ')})`);
  const overrides = JSON.parse(values.params) as Record<string, Record<string, unknown>>;
  const tuneBudget = { trials: Number(values['tune-trials']), seconds: Number(values['tune-seconds']) };
  if (!Number.isInteger(tuneBudget.trials) || tuneBudget.trials < 1)
    throw new Error('--tune-trials must be an integer ≥ 1');
  if (!(tuneBudget.seconds > 0)) throw new Error('--tune-seconds must be a number > 0');

  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('SIGINT: stopping after the current iteration\n');
    controller.abort();
  });
  const started = performance.now();
  const data = await loadDataset(source);
  process.stderr.write(
    `dataset ${data.snapshotId}: ${data.users.length} users × ${data.movies.length} movies, ${data.userIndex.length} interactions (${((performance.now() - started) / 1000).toFixed(1)}s)\n`,
  );
  const { file, report } = await runOfflineEvaluation({
    data,
    source: describeSource(source),
    splits,
    runs: [
      ...models.map((model) => ({ model, params: { ...DEFAULT_EVAL_PARAMS[model], ...overrides[model] } })),
      ...(values.tune
        ? models.map((model) => ({
            model,
            label: `${model}+tuned`,
            params: { ...DEFAULT_EVAL_PARAMS[model], ...overrides[model] },
            tune: { budget: tuneBudget, fixed: Object.keys(overrides[model] ?? {}) },
          }))
        : []),
    ],
    seed,
    outDir: path.join(values.out, data.snapshotId.replace(/[^A-Za-z0-9._-]+/g, '_')),
    workers: Number(values.workers),
    maxUsers: Number(values['max-users']),
    machineNote: values.note || 'Shared 2-core machine: other engineers were using the CPU, so timings are noisy.',
    onProgress: stderrProgress,
    signal: controller.signal,
  });
  for (const split of report.splits) {
    console.log(`${split.split} (k=${split.k})`);
    for (const m of split.models) {
      const e = m.evaluation;
      console.log(
        `  ${m.label.padEnd(16)} ndcg=${e.warm.ndcg.toFixed(4)} recall=${e.warm.recall.toFixed(4)} map=${e.warm.map.toFixed(4)} hit=${e.warm.hitRate.toFixed(4)} cov=${e.coverage.toFixed(3)} train=${m.trainingSeconds.toFixed(1)}s p99=${e.latencyMs.p99.toFixed(2)}ms`,
      );
    }
  }
  console.log(`report: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
