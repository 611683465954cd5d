/**
 * `npm run fairness:report -- --model <artifact dir | registry id> [--snapshot <id|dir>] [--as-is]
 *    [--users 3000 --movies 500 --interactions 60000 --seed 7] [--out audits]`
 * `npm run fairness:report -- --online [--hours 24]`: live traffic from the recommendation log (needs the database).
 *
 * Offline fairness audit of one model: per-group ranking quality with the
 * largest gap and its bootstrap interval, item exposure, popularity bias.
 * Writes audits/fairness-<model>.md, .json and SVG plots.
 *
 * Data: `--snapshot` (or the registry model's own snapshot) through the
 * datasets module; without one, the training module's synthetic latent world
 * (stated in the report). By default the model's recipe (type, params, seed)
 * is retrained on the past of the temporal holdout, as the promotion gate does;
 * `--as-is` audits the artifact itself (only meaningful when it never saw the holdout).
 */
import 'reflect-metadata';
import * as path from 'node:path';
import { loadConfig } from '@modules/config';
import { loadSnapshot } from '@modules/datasets';
import { InteractionDataset } from '@lib/dataset';
import {
  auditScorer,
  auditSplit,
  trainRecipeScorer,
  auditServedLists,
  readOnlineTraffic,
  writeFairnessReport,
  writeOnlineFairnessReport,
} from '@modules/fairness';
import { ActivityWindowRepository, CatalogRepository } from '@modules/interactions';
import { StorageService } from '@modules/storage';
import { governanceCliContext, ModelRegistryService } from '@modules/governance';
import { readManifest, loadScorer } from '@lib/artifacts';
import { generateLatentWorld } from '@lib/training';
import { promises as fs } from 'node:fs';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

interface ModelRef {
  readonly label: string;
  readonly artifactDir: string;
  readonly recipe: { modelType: string; params: Record<string, unknown>; seed: number };
  readonly snapshotId?: string;
}

async function resolveModel(model: string): Promise<ModelRef> {
  const isDir = await fs
    .stat(path.join(model, 'manifest.json'))
    .then(() => true)
    // eslint-disable-next-line no-restricted-syntax -- an existence check: the error is the answer
    .catch(() => false);
  if (isDir) {
    const manifest = await readManifest(model);
    return {
      label: path.basename(path.resolve(model)),
      artifactDir: model,
      recipe: { modelType: manifest.modelType, params: manifest.params, seed: manifest.seed },
    };
  }
  const context = await governanceCliContext(loadConfig());
  try {
    const version = await context.get(ModelRegistryService).get(model);
    return {
      label: version.id,
      artifactDir: version.artifactDir,
      recipe: { modelType: version.modelType, params: version.params, seed: version.seed },
      snapshotId: version.snapshotId,
    };
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseCommand(COMMANDS['fairness:report']);
  if (values.online) return onlineReport(Number(values.hours), path.resolve(values.out));
  if (!values.model) {
    console.error('usage: npm run fairness:report -- --model <artifact dir | registry id> [--snapshot <id|dir>]');
    return 2;
  }
  const config = loadConfig();
  const seed = Number(values.seed);
  const model = await resolveModel(values.model);
  const snapshot = values.snapshot ?? model.snapshotId;
  let data: InteractionDataset | null = null;
  let dataset: string;
  if (snapshot) {
    try {
      data = await loadSnapshot(snapshot, path.join(config.dataDir, 'snapshots'));
      dataset = `snapshot ${data.snapshotId} (content hash ${data.contentHash})`;
    } catch (error) {
      if (values.snapshot) throw error;
      console.error(`model snapshot ${snapshot} not found locally; using the synthetic world`);
    }
  }
  if (!data) {
    const params = {
      users: Number(values.users),
      movies: Number(values.movies),
      interactions: Number(values.interactions),
      seed,
    };
    data = generateLatentWorld(params).dataset;
    dataset =
      `SYNTHETIC — no snapshot given: the training library's latent world (src/lib/training/synthetic/latent-world.ts) ` +
      `with ${JSON.stringify(params)}, not production data`;
  }
  const scorer = values['as-is']
    ? await loadScorer(model.artifactDir)
    : await trainRecipeScorer(auditSplit(data).train, model.recipe);
  const audit = auditScorer(scorer, data, {
    seed,
    maxUsers: config.fairness.auditMaxUsers,
    gatedDimensions: config.fairness.gateDimensions,
  });
  const passed = audit.qualityGap <= config.fairness.maxQualityGap;
  const report = await writeFairnessReport(
    audit,
    {
      model: model.label,
      recipe: model.recipe,
      dataset: dataset!,
      scorer: values['as-is']
        ? `the artifact ${model.artifactDir} as is`
        : `the artifact's recipe retrained on the past of the temporal holdout (as the promotion gate does)`,
      maxQualityGap: config.fairness.maxQualityGap,
      passed,
      command: `npm run fairness:report -- ${process.argv.slice(2).join(' ')}`,
      generatedAt: new Date().toISOString(),
    },
    path.resolve(values.out),
  );
  console.log(
    `fairness audit of ${model.label}: qualityGap ${audit.qualityGap.toFixed(4)} (${audit.qualityGapDimension}) → ` +
      `${passed ? 'PASS' : 'FAIL'}; exposure Gini ${audit.exposure.gini.toFixed(3)}\n  ${report.markdownPath}\n  ${report.jsonPath}`,
  );
  return 0;
}

async function onlineReport(hours: number, out: string): Promise<number> {
  const context = await governanceCliContext(loadConfig());
  try {
    const storage = context.get(StorageService, { strict: false });
    const until = new Date();
    const since = new Date(until.getTime() - hours * 3_600_000);
    const { lists, watches, users, movies } = await readOnlineTraffic(
      new ActivityWindowRepository(storage),
      new CatalogRepository(storage),
      since,
      until,
    );
    const audit = auditServedLists(lists, watches, users, movies);
    const report = await writeOnlineFairnessReport(
      audit,
      {
        since: since.toISOString(),
        until: until.toISOString(),
        command: `npm run fairness:report -- ${process.argv.slice(2).join(' ')}`,
        generatedAt: until.toISOString(),
      },
      out,
    );
    console.log(
      `live traffic: ${audit.lists} lists, exposure Gini ${audit.exposure.gini.toFixed(3)}\n  ${report.markdownPath}`,
    );
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
