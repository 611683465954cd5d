/**
 * One retraining run and exit (the k8s CronJob; `npm run retrain` locally):
 * snapshot → train → evaluate → register → gates → policy-gated canary.
 * Exit 0 when the run finished (whatever the policy decided) or was skipped
 * because a canary in the slot is still being decided (as the in-process
 * schedule does), 1 when it failed or overlapped another run. Serving and
 * ingestion are off.
 */
import 'reflect-metadata';
import { createApp } from '../app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { RetrainingService } from '@modules/releases';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<void> {
  const { values } = parseCommand(COMMANDS.retrain);
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
