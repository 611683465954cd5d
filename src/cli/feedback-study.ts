/**
 * `npm run feedback:study -- [--cycles 10 --users 3000 --movies 500 --seed 7] [--cycle-days 2 --warmup-days 4]
 *    [--model als] [--mitigation exposure|explore --strength 0.5] [--out reports/feedback]`
 *
 * Runs the feedback-loop study on the behaviour simulator (control without
 * recommendations, the retrained model's loop, the loop with the serving
 * re-rank stage) and writes <out>/study.md, study.json and one SVG per metric.
 */
import * as path from 'node:path';
import { writeFeedbackStudyReport } from '@modules/fairness';
import { runFeedbackStudy } from './feedback-study-harness';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<number> {
  const { values } = parseCommand(COMMANDS['feedback:study']);
  const mode = values.mitigation;
  if (mode !== 'exposure' && mode !== 'explore') {
    console.error(`--mitigation must be exposure or explore (got ${mode})`);
    return 2;
  }
  const started = Date.now();
  const result = await runFeedbackStudy({
    cycles: Number(values.cycles),
    users: Number(values.users),
    movies: Number(values.movies),
    seed: Number(values.seed),
    cycleDays: Number(values['cycle-days']),
    warmupDays: Number(values['warmup-days']),
    activity: Number(values.activity),
    modelType: values.model,
    mitigation: { mode, strength: Number(values.strength) },
    onCycle: (arm, m) =>
      process.stderr.write(
        `[feedback] cycle ${m.cycle} ${arm}: watch gini ${m.watchGini.toFixed(3)}` +
          (m.exposureGini === null ? '' : `, exposure gini ${m.exposureGini.toFixed(3)}`) +
          (m.conversion === null ? '' : `, conversion ${m.conversion.toFixed(3)}`) +
          ` (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
      ),
  });
  const report = await writeFeedbackStudyReport(
    {
      options: result.options,
      arms: result.arms,
      command: `npm run feedback:study -- ${process.argv.slice(2).join(' ')}`.trim(),
    },
    path.resolve(values.out),
  );
  console.log(`feedback study:\n  ${report.markdownPath}\n  ${report.jsonPath}\n  ${report.plots.length} plots`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(2);
  },
);
