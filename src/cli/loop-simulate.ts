/**
 * `npm run loop:simulate -- [--users 4000 --movies 500 --seed 7 --warmup-days 2 --days 2 --activity 2]
 *    [--cron "stream: 0 *\/6 * * *"] [--model item-knn] [--checkpoint-minutes 30] [--min-cycles 2] [--out reports/loop]
 *    [--canary-steps 0.1,0.5,1 --canary-min-users 100 --canary-min-step-minutes 30 | --canary-defaults]
 *    [--fairness-dimensions gender,age]`
 *
 * Boots the real service (embedded PGlite + in-process bus unless DATABASE_URL /
 * KAFKA_BROKERS are set; the database must then be empty), plays a simulated
 * world against it in compressed time and lets the service's own stream-clock
 * retraining schedule, release gates, policy and canary controller run the
 * retrain → gate → canary → promote cycles. Writes
 * <out>/<run-id>/{report.md,report.json,timeline.svg}, prints each cycle's audit
 * trail and verifies the audit hash chain. Exit 0 when at least --min-cycles
 * complete cycles happened and the chain is intact, 1 otherwise, 2 on error,
 * 130 when interrupted (Ctrl-C stops at the next checkpoint and still reports).
 */
import 'reflect-metadata';
import * as path from 'node:path';
import { cycleAuditText, writeLoopReport } from './loop-report';
import { runRetrainingLoop } from './loop-simulate-harness';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<number> {
  const { values } = parseCommand(COMMANDS['loop:simulate']);
  const abort = new AbortController();
  process.on('SIGINT', () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('\nSIGINT: stopping at the next checkpoint (again to quit at once)\n');
    abort.abort();
  });
  const started = Date.now();
  const log = (m: string) =>
    process.stderr.write(`[loop ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  const result = await runRetrainingLoop({
    users: Number(values.users),
    movies: Number(values.movies),
    seed: Number(values.seed),
    warmupDays: Number(values['warmup-days']),
    days: Number(values.days),
    activity: Number(values.activity),
    drift: Number(values.drift),
    retrainCron: values.cron,
    modelType: values.model,
    checkpointMinutes: Number(values['checkpoint-minutes']),
    canaryPlan: values['canary-defaults']
      ? undefined
      : {
          steps: values['canary-steps'].split(',').map(Number),
          guardrails: {
            minUsersPerStep: Number(values['canary-min-users']),
            minStepMs: Number(values['canary-min-step-minutes']) * 60_000,
          },
        },
    dataDir: values['data-dir'],
    env: {
      DATABASE_URL: process.env.DATABASE_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      FAIRNESS_GATE_DIMENSIONS: values['fairness-dimensions'],
    },
    signal: abort.signal,
    onProgress: log,
  });
  const runId = `${new Date(started).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z-s${values.seed}`;
  const args = process.argv.slice(2).join(' ');
  const command = args ? `npm run loop:simulate -- ${args}` : 'npm run loop:simulate';
  const files = await writeLoopReport(result, path.resolve(values.out, runId), command);
  console.log('');
  result.cycles.forEach((c, i) => console.log(cycleAuditText(c, i) + '\n'));
  console.log(
    `audit chain: ${result.audit.ok ? `intact (${result.audit.checked} records)` : `BROKEN ${result.audit.detail}`}`,
  );
  console.log(
    `${result.completeCycles} complete cycle(s) of ${result.cycles.length} scheduled run(s); promoted: ${result.promoted.join(', ') || 'none'}; ` +
      `production at the end: ${result.finalProduction}; wall ${result.wallSeconds.toFixed(0)} s`,
  );
  console.log(`report:\n  ${files.markdownPath}\n  ${files.jsonPath}\n  ${files.svgPath}`);
  if (result.interrupted) return 130;
  return result.audit.ok && result.completeCycles >= Number(values['min-cycles']) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(2);
  },
);
