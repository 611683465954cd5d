/**
 * `npm run experiment:report -- <id> [--out reports/experiments]`: writes the
 * experiment's analysis (report.md, report.json) and a plot of cumulative
 * conversion per arm over time (conversion.svg) into reports/experiments/<id>/.
 * Reads only the store (DATABASE_URL or the embedded one under DATA_DIR).
 */
import 'reflect-metadata';
import * as path from 'node:path';
import { loadConfig } from '@modules/config';
import {
  analyseExperiment,
  DEFAULT_EXPERIMENT_REPORTS_DIR,
  writeExperimentReport,
  experimentsCliContext,
  ExperimentsRepository,
} from '@modules/experiments';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<number> {
  const { values, positionals } = parseCommand(COMMANDS['experiment:report']);
  const id = positionals[0];
  if (!id) {
    console.error('usage: npm run experiment:report -- <experiment id> [--out <dir>]');
    return 2;
  }
  const context = await experimentsCliContext(loadConfig());
  try {
    const repository = context.get(ExperimentsRepository);
    const experiment = await repository.find(id);
    if (!experiment) {
      console.error(`no experiment ${id}`);
      return 1;
    }
    const analysis = analyseExperiment(
      experiment.arms,
      await repository.armTotals(id),
      experiment.settings,
      experiment.looks,
    );
    const written = await writeExperimentReport(
      values.out ? path.resolve(values.out) : DEFAULT_EXPERIMENT_REPORTS_DIR,
      experiment,
      analysis,
      await repository.series(id),
    );
    console.log(`experiment report for ${id}:\n  ${written.markdownPath}\n  ${written.jsonPath}\n  ${written.svgPath}`);
    return 0;
  } finally {
    await context.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
