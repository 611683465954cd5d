/**
 * One retraining run and exit (the k8s CronJob; `npm run retrain` locally):
 * snapshot → train → evaluate → register → gates → policy-gated canary.
 * Exit 0 when the run finished (whatever the policy decided) or was skipped
 * because a canary in the slot is still being decided (as the in-process
 * schedule does), 1 when it failed or overlapped another run. Serving and
 * ingestion are off.
 *
 * `npm run retrain -- [--tune-trials 16] [--tune-seconds 600]` searches the
 * hyperparameters first (same as RETRAIN_TUNE_TRIALS / RETRAIN_TUNE_SECONDS);
 * the trials are recorded in the model's provenance.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createApp } from '../app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { RetrainingService } from '@modules/releases';

const USAGE = `usage: npm run retrain -- [--tune-trials N] [--tune-seconds S]

One retraining run (snapshot → train → evaluate → register → gates → canary), then exit.
Configuration comes from the environment (DATABASE_URL, RETRAIN_MODEL_TYPE, …; see README).

  --tune-trials N    hyperparameter search trials before training (default: RETRAIN_TUNE_TRIALS, 0 = off)
  --tune-seconds S   wall-time cap of the search (default: RETRAIN_TUNE_SECONDS, 600)
  --help             this text

example: DATABASE_URL=postgres://… npm run retrain -- --tune-trials 16 --tune-seconds 300`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'tune-trials': { type: 'string' },
      'tune-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig({
    ...process.env,
    ...(values['tune-trials'] !== undefined ? { RETRAIN_TUNE_TRIALS: values['tune-trials'] } : {}),
    ...(values['tune-seconds'] !== undefined ? { RETRAIN_TUNE_SECONDS: values['tune-seconds'] } : {}),
    INGESTION_ENABLED: 'false',
    SERVING_ENABLED: 'false',
    BOOTSTRAP_WORLD: 'false',
  });
  const logger = createRootLogger(config.logLevel);
  const app = await createApp(config, logger);
  await app.init();
  const stop = () => void app.close().finally(() => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const outcome = await app.get(RetrainingService).scheduledRunUnlessCanaryRunning();
    if (outcome === null) logger.info('retraining skipped: a canary is still being decided in this slot');
    else
      logger.info(
        { runId: outcome.runId, model: outcome.model.id, state: outcome.model.state },
        'retraining run finished',
      );
    await app.close();
    process.exit(0);
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'retraining run failed');
    await app.close();
    process.exit(1);
  }
}

void main();
