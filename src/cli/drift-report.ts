/**
 * `npm run drift:report -- [--model <id> | --snapshot <id>] [--until <ISO time>] [--gate] [--out reports/drift]`
 * `npm run drift:report -- --simulate [--users 2500 --movies 600 --days 10 --snapshot-days 4 --seed 7 --drift 20]`
 *
 * Compares a training snapshot (default: the production model's) with the recent
 * window in the store and writes reports/drift/<timestamp>/report.md, drift.json
 * and one SVG per feature. `--gate` also records the result as the model's drift
 * gate (and audits drift.blocked when it fails). `--simulate` needs no database:
 * it reports the simulator's no-drift and taste-drift scenarios side by side.
 */
import 'reflect-metadata';
import * as path from 'node:path';
import { loadConfig } from '@modules/config';
import { ModelRegistryService } from '@modules/governance';
import { driftCliContext, DriftReportSection, writeDriftReport, DriftService } from '@modules/monitoring';
import { runDriftScenario } from './drift-acceptance-harness';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<number> {
  const { values } = parseCommand(COMMANDS['drift:report']);
  const generatedAt = new Date().toISOString();
  const dir = path.resolve(values.out, generatedAt.replace(/[:.]/g, '-'));
  const sections: DriftReportSection[] = [];

  if (values.simulate) {
    const base = {
      seed: Number(values.seed),
      users: Number(values.users),
      movies: Number(values.movies),
      days: Number(values.days),
      snapshotDays: Number(values['snapshot-days']),
      activity: Number(values.activity),
    };
    for (const drift of [0, Number(values.drift)]) {
      const result = await runDriftScenario({ ...base, drift });
      sections.push({
        title: drift === 0 ? 'Simulator, stable tastes (--drift 0)' : `Simulator, taste drift (--drift ${drift})`,
        comparison: result.comparison,
        facts: { ...base, drift, lines: result.lines },
      });
    }
  } else {
    const config = loadConfig({ ...process.env, DRIFT_EVALUATE_MS: '0' });
    const context = await driftCliContext(config);
    try {
      const drift = context.get(DriftService);
      const registry = context.get(ModelRegistryService);
      let modelId = values.model;
      let snapshotId = values.snapshot;
      if (!modelId && !snapshotId) {
        const { production } = await registry.serving(config.serving.slot);
        if (!production) {
          console.error(`no production model in slot ${config.serving.slot}; pass --model or --snapshot`);
          return 2;
        }
        modelId = production.id;
      }
      if (modelId) snapshotId = (await registry.get(modelId)).snapshotId;
      const until = values.until ? new Date(values.until) : undefined;
      if (until && Number.isNaN(until.getTime())) throw new Error(`--until must be an ISO time (got ${values.until})`);
      const evaluation =
        values.gate && modelId
          ? (await drift.evaluateDriftGate(modelId)).evaluation
          : await drift.evaluate(snapshotId as string, { until });
      sections.push({
        title: modelId ? `Model ${modelId}` : `Snapshot ${snapshotId}`,
        comparison: evaluation,
        facts: {
          snapshotAgeHours: evaluation.snapshotAgeHours,
          ...(values.gate && modelId ? { gateRecorded: true } : {}),
        },
      });
    } finally {
      await context.close();
    }
  }

  const files = await writeDriftReport(dir, sections, generatedAt);
  console.log(`drift report:\n  ${files.join('\n  ')}`);
  for (const s of sections)
    console.log(`${s.title}: ${s.comparison.passed ? 'no drift' : `DRIFT (${s.comparison.reasons.join('; ')})`}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
