import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BadRequestException,
  BeforeApplicationShutdown,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { ReadinessRegistry } from '@modules/health';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { AuditKind, AuditService, ModelRegistryService } from '@modules/governance';
import { LiveModel, LiveModels, ModelLoaderService, RouteDecision, ServingRouter } from '@modules/serving';
import { analyseExperiment, ExperimentAnalysis } from './analysis';
import { assignArm, inCanary } from './assignment';
import { DEFAULT_SETTINGS, Experiment, ExperimentArm, ExperimentSettings, experimentSubject } from './experiment';
import { ExperimentsMetrics } from './experiments.metrics';
import { ExperimentsRepository } from './experiments.repository';
import { Attribution } from './online-join';
import { OnlineTelemetryService } from './online-telemetry.service';

export interface CreateExperimentInput {
  readonly id?: string;
  readonly slot?: string;
  readonly arms: readonly ExperimentArm[];
  readonly settings?: Partial<ExperimentSettings>;
}

const ASSIGNMENT_FLUSH_MS = 1_000;
/** Users whose first exposure this process already wrote; cleared when full (a rewrite is a no-op). */
const RECORDED_CAP = 500_000;
/** Who stops an experiment on its own (audited as the actor). */
const EXPERIMENTS_ACTOR = 'service:experiments';
/** How recent a pod's report on an arm's model must be to count in the majority (pods report every poll). */
export const ARM_LOAD_REPORT_WINDOW_MS = 10 * 60_000;

/** Why a test must stop for an arm that cannot load, once the failure is confirmed (null: not confirmed). */
export interface ConfirmedLoadFailure {
  readonly reason: string;
  readonly confirmedBy: 'checksum' | 'majority';
}

/**
 * A/B tests: create, start, stop, conclude; routes each running experiment's
 * arms through ServingRouter.setAssigner and attributes stream responses to
 * arms for the online join. Canaries (CanaryService) are experiments of kind
 * 'canary' routed here as well, so serving has one assigner.
 */
@Injectable()
export class ExperimentsService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExperimentsService.name);
  /** This process among the replicas, in arm-load reports. */
  readonly pod = `${hostname()}:${process.pid}`;
  /** Arm model versions this pod could not load, by `<experiment>/<arm>` (readiness and the gauge). */
  private armFailures = new Map<string, { experimentId: string; arm: string; modelVersion: string; kind: string }>();
  private running: readonly Experiment[] = [];
  private pending: { experimentId: string; userId: number; arm: string; at: Date }[] = [];
  private recorded = new Set<string>();
  private timer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ExperimentsRepository,
    private readonly router: ServingRouter,
    private readonly live: LiveModels,
    private readonly loader: ModelLoaderService,
    private readonly registry: ModelRegistryService,
    private readonly audit: AuditService,
    private readonly telemetry: OnlineTelemetryService,
    private readonly metrics: ExperimentsMetrics,
    private readonly readiness: ReadinessRegistry,
  ) {}

  /** /readyz: false while this pod cannot load a running experiment's arm (it answers that arm with production). */
  onModuleInit(): void {
    if (!this.config.experiments.enabled) return;
    this.readiness.register({ name: 'experimentArmsLoaded', check: () => this.armFailures.size === 0 });
  }

  /** The arms this pod could not load: what /readyz's experimentArmsLoaded = false stands for. */
  armLoadFailures(): { experimentId: string; arm: string; modelVersion: string; kind: string }[] {
    return [...this.armFailures.values()];
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.experiments.enabled) return;
    this.router.setAssigner((userId, live) => this.route(userId, live));
    this.telemetry.setAttributor((userId) => this.attribute(userId));
    this.loader.keepLoaded(() => this.running.flatMap((e) => e.arms.map((a) => a.modelVersion)));
    await this.reload();
    this.timer = setInterval(() => void this.flushAssignments(), ASSIGNMENT_FLUSH_MS);
    this.timer.unref();
    // Other replicas start and stop experiments too: pick their changes up.
    this.pollTimer = setInterval(
      () =>
        void this.reload().catch((error: unknown) =>
          this.logger.warn(
            `could not re-read the running experiments (next poll retries): ${(error as Error).message}`,
          ),
        ),
      this.config.serving.modelPollMs,
    );
    this.pollTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.pollTimer);
    this.router.setAssigner(null);
    await this.flushAssignments();
  }

  /** Re-reads the running experiments and makes sure their models are loaded. */
  async reload(): Promise<void> {
    this.running = (await this.repository.running()).filter((e) => e.slot === this.config.serving.slot);
    // Resolves after a sync that began after this call, so it sees the experiments just read.
    await this.loader.refresh();
    await this.reportArmLoads();
    await this.stopWhereAnArmCannotLoad();
  }

  /**
   * Records, for every arm of every running experiment, whether this pod loaded its model: in the store (the
   * majority other pods count), in the marquee_experiment_arm_load_failed gauge and in readiness.
   */
  private async reportArmLoads(): Promise<void> {
    const failures = new Map<string, { experimentId: string; arm: string; modelVersion: string; kind: string }>();
    for (const e of this.running) {
      for (const arm of e.arms) {
        const reason = this.live.loadFailure(arm.modelVersion);
        const kind = this.live.loadFailureKind(arm.modelVersion) ?? 'unavailable';
        const labels = { experiment: e.id, arm: arm.name, model_version: arm.modelVersion };
        if (reason !== undefined) {
          failures.set(`${e.id}/${arm.name}`, {
            experimentId: e.id,
            arm: arm.name,
            modelVersion: arm.modelVersion,
            kind,
          });
          this.metrics.armLoadFailed.set(labels, 1);
        } else {
          this.metrics.armLoadFailed.remove(labels);
        }
        try {
          await this.repository.reportArmLoad(
            e.id,
            arm.modelVersion,
            this.pod,
            reason === undefined ? null : { kind, reason },
          );
        } catch (error) {
          this.logger.warn(`could not report arm ${e.id}/${arm.name} load: ${(error as Error).message}`);
        }
      }
    }
    for (const [key, f] of this.armFailures)
      if (!failures.has(key))
        this.metrics.armLoadFailed.remove({ experiment: f.experimentId, arm: f.arm, model_version: f.modelVersion });
    this.armFailures = failures;
  }

  /**
   * Whether an arm's load failure on this pod is reason enough to stop the test: confirmed when the artifact
   * does not match the registry's checksum (tampering: the same bytes fail everywhere) or when a majority of
   * the pods that reported in the last ARM_LOAD_REPORT_WINDOW_MS could not load it. One pod's missing volume
   * makes that pod unready, not the test stop.
   */
  async confirmedLoadFailure(e: Experiment, modelVersion: string): Promise<ConfirmedLoadFailure | null> {
    const reason = this.live.loadFailure(modelVersion);
    if (reason === undefined) return null;
    if (this.live.loadFailureKind(modelVersion) === 'tampered') {
      return { reason: `${reason} (confirmed by the registry's checksum: tampering)`, confirmedBy: 'checksum' };
    }
    const { pods, failing } = await this.repository.armLoadReports(
      e.id,
      modelVersion,
      new Date(Date.now() - ARM_LOAD_REPORT_WINDOW_MS),
    );
    if (failing * 2 > pods) {
      return { reason: `${reason} (confirmed by ${failing} of ${pods} pods)`, confirmedBy: 'majority' };
    }
    this.logger.warn(
      `model ${modelVersion} of ${e.id} cannot be loaded on this pod (${reason}); ${failing} of ${pods} pods ` +
        `report the same: not confirmed, the test goes on and this pod is unready`,
    );
    return null;
  }

  /**
   * An arm whose model cannot be loaded is answered by production and measures nothing, so its
   * experiment could never conclude: once the failure is confirmed (checksum or majority of pods,
   * confirmedLoadFailure) it is stopped, with the load error as the audited reason.
   * (Canaries are rolled back by CanaryService instead.)
   */
  private async stopWhereAnArmCannotLoad(): Promise<void> {
    for (const e of this.running) {
      if (e.kind !== 'ab') continue;
      let confirmed: { arm: ExperimentArm; failure: ConfirmedLoadFailure } | null = null;
      for (const arm of e.arms) {
        const failure = await this.confirmedLoadFailure(e, arm.modelVersion);
        if (failure) {
          confirmed = { arm, failure };
          break;
        }
      }
      if (!confirmed) continue;
      const { arm, failure } = confirmed;
      const reason = `arm ${arm.name}: model ${arm.modelVersion} could not be loaded: ${failure.reason}`;
      this.logger.warn(`stopping experiment ${e.id}: ${reason}`);
      // Another replica may have stopped it first (Conflict): nothing left to do then.
      await this.stop(e.id, EXPERIMENTS_ACTOR, reason).catch((error: unknown) =>
        this.logger.warn(`could not stop ${e.id}: ${(error as Error).message}`),
      );
    }
  }

  get runningExperiments(): readonly Experiment[] {
    return this.running;
  }

  async create(input: CreateExperimentInput, actor: string): Promise<Experiment> {
    if (input.arms.length < 2) throw new BadRequestException('an experiment needs at least two arms');
    const names = new Set(input.arms.map((a) => a.name));
    if (names.size !== input.arms.length) throw new BadRequestException('arm names must be unique');
    for (const arm of input.arms) {
      if (!(arm.share > 0)) throw new BadRequestException(`arm ${arm.name}: share must be > 0`);
      const model = await this.registry.find(arm.modelVersion);
      if (!model) throw new BadRequestException(`arm ${arm.name}: unknown model version ${arm.modelVersion}`);
      if (model.state === 'rejected' || model.state === 'retired')
        throw new BadRequestException(`arm ${arm.name}: model ${arm.modelVersion} is ${model.state}`);
    }
    const id =
      input.id ?? `exp-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
    if (await this.repository.find(id)) throw new ConflictException(`experiment ${id} exists`);
    const settings = { ...DEFAULT_SETTINGS, ...input.settings };
    return this.repository.transaction(async (tx) => {
      const experiment = await this.repository.insert(
        {
          id,
          kind: 'ab',
          slot: input.slot ?? this.config.serving.slot,
          status: 'draft',
          salt: id,
          arms: input.arms,
          settings,
          canaryStep: null,
          canaryShare: null,
          createdBy: actor,
        },
        tx,
      );
      await this.audit.append(
        {
          actor,
          kind: AuditKind.ExperimentDecision,
          subject: experimentSubject(id),
          payload: { action: 'create', arms: input.arms, settings },
        },
        tx,
      );
      return experiment;
    });
  }

  async get(id: string): Promise<Experiment> {
    const e = await this.repository.find(id);
    if (!e) throw new NotFoundException(`no experiment ${id}`);
    return e;
  }

  list(filter: { kind?: string; status?: string }): Promise<Experiment[]> {
    return this.repository.list(filter);
  }

  async start(id: string, actor: string): Promise<Experiment> {
    const e = await this.get(id);
    if (e.status !== 'draft') throw new ConflictException(`experiment ${id} is ${e.status}, only a draft can start`);
    const started = await this.transition(e, { status: 'running', startedAt: new Date() }, actor, { action: 'start' });
    await this.reload();
    return started;
  }

  async stop(id: string, actor: string, reason?: string): Promise<Experiment> {
    const e = await this.get(id);
    if (e.status !== 'running') throw new ConflictException(`experiment ${id} is ${e.status}, not running`);
    const stopped = await this.transition(e, { status: 'stopped', stoppedAt: new Date() }, actor, {
      action: 'stop',
      reason: reason ?? null,
    });
    await this.reload();
    return stopped;
  }

  /** Final analysis, recorded on the experiment and in the audit trail; stops it first if running. */
  async conclude(
    id: string,
    actor: string,
    note?: string,
  ): Promise<{ experiment: Experiment; analysis: ExperimentAnalysis }> {
    let e = await this.get(id);
    if (e.status === 'running') e = await this.stop(id, actor, 'concluded');
    if (e.status !== 'stopped') throw new ConflictException(`experiment ${id} is ${e.status}, not stopped`);
    await this.telemetry.finaliseAll();
    const analysis = await this.analyse(id);
    const conclusion = conclusionOf(e, analysis, note);
    const concluded = await this.transition(e, { status: 'concluded', concludedAt: new Date(), conclusion }, actor, {
      action: 'conclude',
      ...conclusion,
    });
    this.metrics.decisions.inc({ kind: e.kind, decision: 'conclude' });
    return { experiment: concluded, analysis };
  }

  /** Current analysis; while running, the look is kept for the sequential test's running minimum. */
  async analyse(id: string): Promise<ExperimentAnalysis> {
    await this.telemetry.flush();
    const e = await this.get(id);
    const totals = await this.repository.armTotals(id);
    const analysis = analyseExperiment(e.arms, totals, e.settings, e.looks);
    if (e.status === 'running' && e.arms.length === 2) {
      const c = analysis.arms;
      if (c[0].users >= 2 && c[1].users >= 2) {
        const pa = c[0].userConversion.estimate;
        const pb = c[1].userConversion.estimate;
        await this.repository.appendLook(id, {
          at: new Date().toISOString(),
          difference: pb - pa,
          variance: (pa * (1 - pa)) / c[0].users + (pb * (1 - pb)) / c[1].users,
        });
      }
    }
    return analysis;
  }

  /** Serving's assigner: the first running experiment decides; null = production. */
  route(userId: number, live: LiveModels): RouteDecision | null {
    for (const e of this.running) {
      const arm = this.armOf(e, userId);
      if (!arm) continue;
      const model = armModel(arm, live);
      if (!model) return null;
      this.recordExposure(e.id, userId, arm.name);
      return { model, experiment: { id: e.id, arm: arm.name } };
    }
    return null;
  }

  /** Which arm and model a response on the stream counts for (deterministic, like the routing). */
  attribute(userId: number): Attribution {
    for (const e of this.running) {
      const arm = this.armOf(e, userId);
      if (!arm) continue;
      // While an arm's model is still loading, route() lets production answer its users: those
      // responses are production's, and counting them for the arm would judge the arm by them
      // (a bad canary would look as good as production until its model loaded).
      if (!armModel(arm, this.live)) break;
      return { experimentId: e.id, arm: arm.name, modelVersion: arm.modelVersion, perUser: e.kind === 'ab' };
    }
    return { experimentId: null, arm: 'none', modelVersion: this.live.production?.versionId ?? 'unknown' };
  }

  private armOf(e: Experiment, userId: number): ExperimentArm | null {
    if (e.kind === 'ab') {
      const name = assignArm(e.salt, userId, e.arms);
      return e.arms.find((a) => a.name === name) ?? null;
    }
    // Canary: arms[0] = control (production at the start), arms[1] = candidate.
    return inCanary(e.salt, userId, e.canaryShare ?? 0) ? e.arms[1] : e.arms[0];
  }

  /** Replaces a running experiment's cached state (canary share changes) without a store round trip. */
  replaceRunning(experiment: Experiment): void {
    const others = this.running.filter((e) => e.id !== experiment.id);
    this.running = experiment.status === 'running' ? [...others, experiment] : others;
  }

  async transition(
    e: Experiment,
    change: Parameters<ExperimentsRepository['update']>[1],
    actor: string,
    payload: Record<string, unknown>,
  ): Promise<Experiment> {
    try {
      return await this.repository.transaction(async (tx) => {
        const updated = await this.repository.update(e.id, change, tx);
        await this.audit.append(
          {
            actor,
            kind: AuditKind.ExperimentDecision,
            subject: experimentSubject(e.id),
            payload: { kind: e.kind, ...payload },
          },
          tx,
        );
        return updated;
      });
    } catch (error) {
      if (/experiment_one_running_per_slot/.test((error as Error).message))
        throw new ConflictException(`another experiment or canary is already running in slot ${e.slot}`);
      throw error;
    }
  }

  private recordExposure(experimentId: string, userId: number, arm: string): void {
    const key = `${experimentId}:${userId}`;
    if (this.recorded.has(key)) return;
    if (this.recorded.size >= RECORDED_CAP) this.recorded = new Set();
    this.recorded.add(key);
    this.pending.push({ experimentId, userId, arm, at: new Date() });
  }

  async flushAssignments(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.repository.recordAssignments(batch);
    } catch (error) {
      this.logger.warn(`could not record ${batch.length} assignments: ${(error as Error).message}`);
      for (const r of batch) this.recorded.delete(`${r.experimentId}:${r.userId}`);
    }
  }
}

function conclusionOf(e: Experiment, analysis: ExperimentAnalysis, note?: string): Record<string, unknown> {
  const c = analysis.comparisons[0];
  return {
    note: note ?? null,
    alpha: analysis.alpha,
    arms: analysis.arms.map((a) => ({
      arm: a.arm,
      modelVersion: a.modelVersion,
      users: a.users,
      userConversion: a.userConversion.estimate,
      interval: [a.userConversion.lower, a.userConversion.upper],
    })),
    difference: c?.conversion.difference ?? null,
    interval: c ? [c.conversion.interval.lower, c.conversion.interval.upper] : null,
    pValue: c?.conversion.pValue ?? null,
    sequentialPValue: c?.sequential.pValue ?? null,
    significant: c?.conversion.significant ?? false,
    // The primary metric decides (one pre-declared test: no picking among metrics afterwards).
    primaryMetric: 'conversions per response per user (Welch)',
    primaryDifference: c?.conversionRatePerUser.difference ?? null,
    primaryPValue: c?.conversionRatePerUser.pValue ?? null,
    winner: c?.conversionRatePerUser.significant
      ? c.conversionRatePerUser.difference > 0
        ? c.treatment
        : c.control
      : null,
    sampleRatioMismatch: analysis.sampleRatio.mismatch,
    enoughData: analysis.enoughData,
    minimumUsersPerArm: analysis.minimumUsersPerArm,
    experiment: e.id,
  };
}

/** The loaded model that answers an arm's users, or null while it is not loaded (production answers them). */
function armModel(arm: ExperimentArm, live: LiveModels): LiveModel | null {
  return arm.modelVersion === live.production?.versionId ? live.production : (live.byVersion(arm.modelVersion) ?? null);
}
