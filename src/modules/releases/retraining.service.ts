import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { ModelReleaseService, ReleaseOutcome } from './model-release.service';
import { TrainingRunRepository } from './training-run.repository';

const ACTOR = 'service:retraining';
/** A run still 'running' after this long belonged to a process that died. */
const ABANDONED_AFTER_MS = 6 * 3_600_000;

/**
 * The retraining loop: on a cron schedule (RETRAIN_CRON) or on demand, a new
 * snapshot is taken and the configured model is released as a candidate and,
 * if the policy allows, a canary. Canary → production is decided on online
 * telemetry by the canary controller, never here. Runs never overlap (the
 * training_run table allows one running run per slot, across replicas).
 */
@Injectable()
export class RetrainingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetrainingService.name);
  private readonly abort = new AbortController();
  private readonly runsTotal;
  private readonly lastSuccess;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly releases: ModelReleaseService,
    private readonly runs: TrainingRunRepository,
    private readonly scheduler: SchedulerRegistry,
    metrics: MetricsRegistry,
  ) {
    this.runsTotal = metrics.counter({
      name: 'marquee_retraining_runs_total',
      help: 'Retraining runs by outcome (succeeded, failed, skipped_overlap).',
      labelNames: ['outcome'] as const,
    });
    this.lastSuccess = metrics.gauge({
      name: 'marquee_retraining_last_success_timestamp_seconds',
      help: 'When the last retraining run succeeded (Unix seconds).',
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const abandoned = await this.runs.failAbandoned(new Date(Date.now() - ABANDONED_AFTER_MS));
    if (abandoned > 0) this.logger.warn(`${abandoned} abandoned training run(s) marked failed`);
    const cron = this.config.retraining.cron;
    if (!cron) return;
    const job = CronJob.from({
      cronTime: cron,
      onTick: () => void this.trigger('schedule').catch(() => undefined),
      start: true,
    });
    this.scheduler.addCronJob('retraining', job);
    this.logger.log(`retraining scheduled: "${cron}" (${this.config.retraining.modelType})`);
  }

  beforeApplicationShutdown(): void {
    if (this.scheduler.doesExist('cron', 'retraining')) this.scheduler.deleteCronJob('retraining');
    // Training checks the signal between iterations; the run is then marked failed.
    this.abort.abort();
  }

  /** One retraining run; rejects with Conflict while another is running. */
  async trigger(trigger: 'schedule' | 'admin', actor = ACTOR): Promise<ReleaseOutcome> {
    try {
      const outcome = await this.releases.release({
        modelType: this.config.retraining.modelType,
        seed: this.config.retraining.seed,
        actor,
        role: 'release-manager',
        promoteTo: 'canary',
        trigger,
        signal: this.abort.signal,
      });
      this.runsTotal.inc({ outcome: 'succeeded' });
      this.lastSuccess.set(Date.now() / 1000);
      const decision = outcome.transitions[0]?.decision;
      this.logger.log(
        `retraining ${outcome.runId}: ${outcome.model.id} ${decision ? (decision.allowed ? 'entered canary' : `stays candidate (${decision.reasons.join('; ')})`) : 'registered'}`,
      );
      return outcome;
    } catch (error) {
      const overlap = (error as { status?: number }).status === 409;
      this.runsTotal.inc({ outcome: overlap ? 'skipped_overlap' : 'failed' });
      this.logger.error(`retraining (${trigger}) ${overlap ? 'skipped' : 'failed'}: ${(error as Error).message}`);
      throw error;
    }
  }
}
