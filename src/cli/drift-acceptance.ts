/**
 * `npm run drift:acceptance -- [--users 2500 --movies 600 --days 10 --snapshot-days 4 --activity 1 --seed 7 --drift 20]`
 *
 * Runs the simulator twice with the same seed (stable tastes, then the taste-drift
 * scenario), compares the first simulated day (the "training snapshot") with the
 * last (the "recent window") using the drift service's math, and writes
 * reports/drift/acceptance.json. Exit 1 unless the no-drift run passes and the
 * drift run is flagged. See drift-acceptance-harness.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DRIFT_THRESHOLDS } from '@modules/monitoring';
import { runDriftScenario, summarise } from './drift-acceptance-harness';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<void> {
  const { values } = parseCommand(COMMANDS['drift:acceptance']);
  const base = {
    seed: Number(values.seed),
    users: Number(values.users),
    movies: Number(values.movies),
    days: Number(values.days),
    snapshotDays: Number(values['snapshot-days']),
    activity: Number(values.activity),
  };
  const stable = await runDriftScenario({ ...base, drift: 0 });
  const drifting = await runDriftScenario({ ...base, drift: Number(values.drift) });
  const report = {
    generatedAt: new Date().toISOString(),
    command: `npm run drift:acceptance -- ${process.argv.slice(2).join(' ')}`.trim(),
    thresholds: DEFAULT_DRIFT_THRESHOLDS,
    noDrift: summarise(stable),
    drift: summarise(drifting),
    accepted: stable.comparison.passed && !drifting.comparison.passed,
  };
  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  if (!report.accepted) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
