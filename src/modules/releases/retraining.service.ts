import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, CronTime } from 'cron';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { CanaryService, StartCanaryInput, ExperimentsService } from '@modules/experiments';
import { AuditService } from '@modules/governance';
import { ActivityWindowRepository } from '@modules/interactions';
import { MetricsRegistry } from '@modules/metrics';
import { ModelReleaseService, ReleaseOutcome } from './model-release.service';
import { TrainingRunRepository } from './training-run.repository';

const ACTOR = 'service:retraining';
/** A run still 'running' after this long belonged to a process that died. */
/** How often the stream-clock schedule reads the stream's clock. */
const STREAM_POLL_MS = 1_000;
/** `RETRAIN_CRON="stream: <cron>"`: the cron expression is read on the ingested stream's clock. */
const STREAM_PREFIX = /^stream:\s*/;

export interface RetrainingSchedule {
  readonly cron: string | null;
  /** `wall`: the process clock (@nestjs/schedule); `stream`: event time of the newest ingested watch. */
  readonly clock: 'wall' | 'stream' | null;
  /** Stream clock as last read by the schedule (ISO), stream schedules only. */
  readonly streamTime: string | null;
  /** Next occurrence the stream schedule waits for (ISO). */
  readonly nextDueAt: string | null;
  /** A scheduled run is training (or starting its canary) now. */
  readonly running: boolean;
  readonly lastFiredAt: string | null;
}

/**
 * The retraining loop: on a schedule (RETRAIN_CRON) or on demand, a new
 * snapshot is taken and the configured model is released as a candidate and,
 * if the policy allows, a canary, which the canary controller then ramps,
 * judges on online telemetry and promotes or rolls back (never here).
 *
 * Schedules:
 *  - `RETRAIN_CRON="0 3 * * *"`: a cron job on the process clock (@nestjs/schedule).
 *  - `RETRAIN_CRON="stream: 0 *\/6 * * *"`: the same cron read on the stream's
 *    clock (event time of the newest ingested watch, checked every second). A run
 *    fires once the stream passes an occurrence, and its snapshot is cut at that
 *    occurrence. With a live feed the stream clock is the wall clock; with a
 *    replayed or simulated feed (`npm run loop:simulate`) retraining follows the
 *    data's time, not how fast it is replayed. Occurrences the stream skipped
 *    over fire once.
 *
 * A scheduled run is skipped while a canary is running in the slot (the next
 * candidate waits for the current one to be decided). Runs never overlap (the
 * training_run table allows one running run per slot, across replicas).
 */
@Injectable()
export class RetrainingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetrainingService.name);
  private readonly abort = new AbortController();
  private readonly runsTotal;
  private readonly lastSuccess;
  private readonly runningGauge;
  private streamTimer?: NodeJS.Timeout;
  private streamCron?: CronTime;
  private streamTime: number | null = null;
  /** The stream-clock poll's last error until a poll succeeds: one log line per streak, not one a second. */
  private streamPollError: string | null = null;
  private nextDue: number | null = null;
  private lastFired: number | null = null;
  private scheduled: Promise<unknown> | null = null;
  private canaryPlan: Pick<StartCanaryInput, 'steps' | 'guardrails'> = {};

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly releases: ModelReleaseService,
    private readonly runs: TrainingRunRepository,
    private readonly scheduler: SchedulerRegistry,
    private readonly activity: ActivityWindowRepository,
    private readonly audit: AuditService,
    metrics: MetricsRegistry,
    @Optional() private readonly experiments?: ExperimentsService,
    @Optional() private readonly canaries?: CanaryService,
  ) {
    this.runsTotal = metrics.counter({
      name: 'marquee_retraining_runs_total',
      help: 'Retraining runs by outcome (succeeded, failed, skipped_overlap, skipped_canary_running).',
      labelNames: ['outcome'] as const,
    });
    this.lastSuccess = metrics.gauge({
      name: 'marquee_retraining_last_success_timestamp_seconds',
      help: 'When the last retraining run succeeded (Unix seconds).',
    });
    this.runningGauge = metrics.gauge({
      name: 'marquee_retraining_running',
      help: '1 while a retraining run (snapshot, training, gates, canary start) is in progress in this process.',
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.releases.failAbandonedRuns({ everyRunning: this.config.database.kind === 'pglite' });
    const cron = this.config.retraining.cron;
    if (!cron) return;
    if (STREAM_PREFIX.test(cron)) {
      this.streamCron = new CronTime(cron.replace(STREAM_PREFIX, ''), 'UTC');
      this.streamTimer = setInterval(
        () =>
          void this.pollStream().then(
            () => this.streamPollSucceeded(),
            (error: unknown) => this.streamPollFailed(error),
          ),
        STREAM_POLL_MS,
      );
      this.streamTimer.unref();
      this.logger.log(`retraining scheduled on the stream clock: "${cron}" (${this.config.retraining.modelType})`);
      return;
    }
    const job = CronJob.from({
      cronTime: cron,
      onTick: () => void this.scheduledRun().catch((error: unknown) => this.scheduledRunFailed(error)),
      start: true,
    });
    this.scheduler.addCronJob('retraining', job);
    this.logger.log(`retraining scheduled: "${cron}" (${this.config.retraining.modelType})`);
  }

  beforeApplicationShutdown(): void {
    if (this.scheduler.doesExist('cron', 'retraining')) this.scheduler.deleteCronJob('retraining');
    clearInterval(this.streamTimer);
    // Training checks the signal between iterations; the run is then marked failed.
    this.abort.abort();
  }

  schedule(): RetrainingSchedule {
    const cron = this.config.retraining.cron ?? null;
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      cron,
      clock: cron === null ? null : STREAM_PREFIX.test(cron) ? 'stream' : 'wall',
      streamTime: iso(this.streamTime),
      nextDueAt: iso(this.nextDue),
      running: this.scheduled !== null,
      lastFiredAt: iso(this.lastFired),
    };
  }

  /** Steps and guardrails for the canaries retraining starts; audited. */
  async setCanaryPlan(
    plan: Pick<StartCanaryInput, 'steps' | 'guardrails'>,
    actor: string,
  ): Promise<Pick<StartCanaryInput, 'steps' | 'guardrails'>> {
    this.canaryPlan = { ...plan };
    await this.audit.append({
      actor,
      kind: 'retraining.canary-plan',
      subject: `slot:${this.config.serving.slot}`,
      payload: { ...plan },
    });
    return this.canaryPlan;
  }

  /** One retraining run; rejects with Conflict while another is running. */
  async trigger(trigger: 'schedule' | 'admin', actor = ACTOR, cutoff?: Date): Promise<ReleaseOutcome> {
    this.runningGauge.inc();
    try {
      const outcome = await this.releases.release({
        modelType: this.config.retraining.modelType,
        seed: this.config.retraining.seed,
        tune: this.config.retraining.tune,
        actor,
        role: 'release-manager',
        promoteTo: 'canary',
        trigger,
        cutoff,
        signal: this.abort.signal,
      });
      this.runsTotal.inc({ outcome: 'succeeded' });
      this.lastSuccess.set(Date.now() / 1000);
      const decision = outcome.transitions[0]?.decision;
      this.logger.log(
        `retraining ${outcome.runId}: ${outcome.model.id} ${decision ? (decision.allowed ? 'entered canary' : `stays candidate (${decision.reasons.join('; ')})`) : 'registered'}`,
      );
      if (decision?.allowed) await this.startCanary(outcome);
      return outcome;
    } catch (error) {
      const overlap = (error as { status?: number }).status === 409;
      this.runsTotal.inc({ outcome: overlap ? 'skipped_overlap' : 'failed' });
      this.logger.error(`retraining (${trigger}) ${overlap ? 'skipped' : 'failed'}: ${(error as Error).message}`);
      throw error;
    } finally {
      this.runningGauge.dec();
    }
  }

  /** The policy let the candidate into canary: the canary controller takes it from here (with the canary plan). */
  private async startCanary(outcome: ReleaseOutcome): Promise<void> {
    if (!this.canaries || !this.config.experiments.enabled) return;
    try {
      const experiment = await this.canaries.start(
        { ...this.canaryPlan, candidate: outcome.model.id },
        ACTOR,
        'release-manager',
      );
      this.logger.log(`retraining ${outcome.runId}: canary ${experiment.id} started at ${experiment.canaryShare}`);
    } catch (error) {
      // The model stays in state canary without traffic; an operator can start or reject it.
      this.logger.error(`retraining ${outcome.runId}: canary not started: ${(error as Error).message}`);
    }
  }

  private canaryRunning(): boolean {
    return (this.experiments?.runningExperiments ?? []).some(
      (e) => e.kind === 'canary' && e.slot === this.config.serving.slot,
    );
  }

  /**
   * A scheduled run from outside this process (the CronJob's `npm run retrain`): like the in-process
   * schedule, skipped (null) while a canary in the slot is still being decided.
   */
  async scheduledRunUnlessCanaryRunning(): Promise<ReleaseOutcome | null> {
    if (this.skipForRunningCanary()) return null;
    return this.trigger('schedule');
  }

  private skipForRunningCanary(): boolean {
    if (!this.canaryRunning()) return false;
    this.runsTotal.inc({ outcome: 'skipped_canary_running' });
    this.logger.log('scheduled retraining skipped: a canary is still being decided');
    return true;
  }

  private scheduledRun(cutoff?: Date): Promise<unknown> {
    if (this.scheduled) return this.scheduled;
    if (this.skipForRunningCanary()) return Promise.resolve();
    this.lastFired = cutoff?.getTime() ?? Date.now();
    const run = this.trigger('schedule', ACTOR, cutoff).finally(() => {
      this.scheduled = null;
    });
    this.scheduled = run;
    return run;
  }

  /**
   * A scheduled run rejected: trigger() has logged the failure and counted it
   * (marquee_retraining_runs_total); a schedule has no caller to hand it to.
   */
  private scheduledRunFailed(error: unknown): void {
    this.logger.debug(`scheduled retraining rejected (reported by the run): ${(error as Error).message}`);
  }

  /**
   * The stream clock could not be read (the database is unreachable, say), or
   * the run it fired failed (that run has logged and counted it too). Logged
   * when a streak of failures starts or its error changes: the poll runs every
   * second and tries again.
   */
  private streamPollFailed(error: unknown): void {
    const message = (error as Error).message;
    if (message !== this.streamPollError)
      this.logger.warn(`stream-clock schedule: poll failed, retrying every second: ${message}`);
    this.streamPollError = message;
  }

  private streamPollSucceeded(): void {
    if (this.streamPollError === null) return;
    this.streamPollError = null;
    this.logger.log('stream-clock schedule: poll succeeded again');
  }

  /** Reads the stream clock; fires when it has passed the next occurrence. */
  private async pollStream(): Promise<void> {
    if (this.scheduled || !this.streamCron) return;
    const latest = await this.activity.latestWatchAt();
    if (!latest) return;
    const now = latest.getTime();
    this.streamTime = now;
    if (this.nextDue === null) {
      this.nextDue = this.nextOccurrence(now);
      return;
    }
    if (now < this.nextDue) return;
    const due = this.nextDue;
    this.nextDue = this.nextOccurrence(now);
    await this.scheduledRun(new Date(due));
  }

  private nextOccurrence(after: number): number {
    return this.streamCron!.getNextDateFrom(new Date(after), 'UTC').toMillis();
  }
}
