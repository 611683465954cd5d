import * as os from 'node:os';
import * as path from 'node:path';
import { InteractionDataset } from '@lib/dataset';
import { codeVersion } from '../code-version';
import { TrainingProgress } from '../trainer';
import { evaluateSplit, ModelRun, SplitFigures } from './offline-evaluation';
import { OfflineReport, writeOfflineReport } from './report-writer';
import { makeSplit, SplitName } from './splits';

export { makeSplit, SPLITS, type SplitName } from './splits';

export interface OfflineEvaluationRequest {
  readonly data: InteractionDataset;
  readonly source: string;
  readonly splits: readonly SplitName[];
  readonly runs: readonly ModelRun[];
  readonly seed: number;
  readonly outDir: string;
  readonly workers?: number;
  readonly maxUsers?: number;
  readonly machineNote?: string;
  readonly onProgress?: (p: TrainingProgress) => void;
  readonly signal?: AbortSignal;
}

/** Trains and evaluates every model on every split, then writes the report. */
export async function runOfflineEvaluation(
  req: OfflineEvaluationRequest,
): Promise<{ report: OfflineReport; file: string }> {
  const splits: SplitFigures[] = [];
  const reportSoFar = (): OfflineReport => ({
    snapshotId: req.data.snapshotId,
    generatedAt: new Date().toISOString(),
    codeVersion: codeVersion(),
    dataset: {
      users: req.data.users.length,
      movies: req.data.movies.length,
      interactions: req.data.userIndex.length,
      source: req.source,
    },
    machine: { cpus: os.cpus().length, note: req.machineNote ?? '' },
    splits,
  });
  for (const name of req.splits) {
    const split = makeSplit(name, req.data, req.seed);
    splits.push(
      await evaluateSplit(split, req.runs, {
        seed: req.seed,
        workers: req.workers,
        maxUsers: req.maxUsers,
        artifactRoot: path.join(req.outDir, 'artifacts'),
        onProgress: req.onProgress,
        signal: req.signal,
      }),
    );
    // Written after every split, so a long run leaves a usable report behind.
    await writeOfflineReport(req.outDir, reportSoFar());
  }
  const report = reportSoFar();
  const file = await writeOfflineReport(req.outDir, report);
  return { report, file };
}
