import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Inject, Injectable, Logger, UnprocessableEntityException } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import {
  AuditService,
  GateRegistry,
  SnapshotRef,
  ModelRegistryService,
  ModelVersion,
  PromotionGate,
  TransitionOutcome,
} from '@modules/governance';
import { trainAndEvaluate, stderrProgress, TuningBudget, TuningResult } from '@lib/training';
import { SNAPSHOT_SOURCE, SnapshotSource } from './snapshot-source';
import {
  AbandonedRun,
  TRAINING_RUN_HEARTBEAT_MS,
  TRAINING_RUN_OWNER,
  TrainingRunRepository,
} from './training-run.repository';

export interface ReleaseRequest {
  readonly modelType: string;
  readonly params?: Record<string, unknown>;
  readonly seed: number;
  readonly slot?: string;
  /** Who asks (API key name or `service:<name>`) and the role whose authority is used. */
  readonly actor: string;
  readonly role: string;
  /** Train on this snapshot; default: a new snapshot of everything ingested so far. */
  readonly snapshotId?: string;
  /** Cutoff of the new snapshot (event time); default: now. */
  readonly cutoff?: Date;
  /** Promotion to request once registered; null registers a candidate only. */
  readonly promoteTo?: 'canary' | 'production' | null;
  /** Emergency override (admin role + written justification; audited by the gate). */
  readonly override?: { readonly justification: string };
  readonly signal?: AbortSignal;
  /** What started the run: bootstrap, schedule, admin, … (recorded on the run). */
  readonly trigger?: string;
  /** Search the hyperparameters first within this budget (see trainAndEvaluate); absent = train with `params`. */
  readonly tune?: TuningBudget | null;
}

export interface ReleaseOutcome {
  readonly runId: string;
  readonly snapshot: SnapshotRef;
  readonly model: ModelVersion;
  readonly transitions: readonly TransitionOutcome[];
  /** The hyperparameter search of this run (every trial), or null when it trained with given parameters. */
  readonly tuning: TuningResult | null;
}

/**
 * One model release, the same path for the start-up bootstrap, scheduled
 * retraining and the admin API: snapshot → train and evaluate → register with
 * provenance → gates → policy-gated promotion. Nothing here changes what is
 * in production except through PromotionGate. The gates are whatever modules
 * registered with governance's GateRegistry; releases knows none of them.
 */
@Injectable()
export class ModelReleaseService {
  private readonly logger = new Logger(ModelReleaseService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SNAPSHOT_SOURCE) private readonly snapshots: SnapshotSource,
    private readonly registry: ModelRegistryService,
    private readonly gate: PromotionGate,
    private readonly audit: AuditService,
    private readonly runs: TrainingRunRepository,
    private readonly gateRegistry: GateRegistry,
  ) {}

  /**
   * Runs one release; at most one per slot at a time (Conflict otherwise).
   * A failure at any step marks the run failed and is audited; production is
   * untouched because only PromotionGate changes it.
   */
  async release(request: ReleaseRequest): Promise<ReleaseOutcome> {
    const runId = `run-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
    const slot = request.slot ?? this.config.serving.slot;
    const abandoned = await this.runs.start({
      id: runId,
      slot,
      trigger: request.trigger ?? 'api',
      modelType: request.modelType,
    });
    await this.auditAbandoned(abandoned);
    // While it runs, the owner says so; a run whose beats stop is taken over by the next claim.
    const heartbeat = setInterval(
      () =>
        void this.runs
          .heartbeat(runId)
          .catch((error: unknown) => this.logger.warn(`${runId}: heartbeat failed: ${(error as Error).message}`)),
      TRAINING_RUN_HEARTBEAT_MS,
    );
    heartbeat.unref();
    try {
      const outcome = await this.execute(runId, slot, request);
      await this.runs.finish(runId, {
        snapshotId: outcome.snapshot.id,
        modelId: outcome.model.id,
        outcome: {
          state: outcome.model.state,
          transitions: outcome.transitions.map((t) => t.decision.id),
          tuning: outcome.tuning,
        },
      });
      return outcome;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      await this.runs.fail(runId, message);
      await this.audit.append({
        actor: request.actor,
        kind: 'training.failed',
        subject: `training-run:${runId}`,
        payload: { slot, modelType: request.modelType, error: message },
      });
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Fails the training runs a dead process left 'running' (see
   * TrainingRunRepository.failAbandoned) and audits each one. Called at
   * start-up and before every claim of a slot.
   */
  async failAbandonedRuns(options: { everyRunning?: boolean } = {}): Promise<number> {
    const abandoned = await this.runs.failAbandoned(options);
    await this.auditAbandoned(abandoned);
    return abandoned.length;
  }

  private async auditAbandoned(abandoned: readonly AbandonedRun[]): Promise<void> {
    for (const run of abandoned) {
      this.logger.warn(
        `training run ${run.id} (slot ${run.slot}, owner ${run.owner ?? 'unknown'}) was abandoned by its process: marked failed`,
      );
      await this.audit.append({
        actor: `service:${TRAINING_RUN_OWNER}`,
        kind: 'training.abandoned',
        subject: `training-run:${run.id}`,
        payload: {
          slot: run.slot,
          owner: run.owner,
          startedAt: run.startedAt.toISOString(),
          lastHeartbeatAt: run.heartbeatAt?.toISOString() ?? null,
        },
      });
    }
  }

  private async execute(runId: string, slot: string, request: ReleaseRequest): Promise<ReleaseOutcome> {
    const snapshot = request.snapshotId
      ? await this.requireSnapshot(request.snapshotId)
      : await this.snapshots.create(request.cutoff ?? new Date());
    const data = await this.snapshots.load(snapshot.id);
    if (data.userIndex.length === 0) {
      throw new UnprocessableEntityException(`snapshot ${snapshot.id} holds no interactions: nothing to train on yet`);
    }
    this.logger.log(
      `${runId}: training ${request.modelType} on ${snapshot.id} (${data.userIndex.length} interactions)`,
    );

    const artifactDir = path.join(this.config.dataDir, 'artifacts', slot, `${request.modelType}-${runId}`);
    const trained = await trainAndEvaluate(
      data,
      {
        modelType: request.modelType,
        params: request.params ?? {},
        seed: request.seed,
        artifactDir,
        tune: request.tune ?? undefined,
      },
      { signal: request.signal, onProgress: stderrProgress },
    );
    const model = await this.registry.register(
      { artifactDir, slot, metrics: trained.metrics, trainedBy: request.actor, trainingRunId: runId },
      request.actor,
    );
    const gates: Record<string, unknown> = {};
    // A gate no module registered is not evaluated: it stays missing and the policy denies.
    for (const evaluator of this.gateRegistry.evaluators()) {
      const result = await evaluator.evaluate({ model, snapshot, data });
      await this.registry.recordGateResult(model.id, evaluator.gate, result, `service:${evaluator.gate}-gate`);
      gates[evaluator.gate] = result;
    }

    const transitions: TransitionOutcome[] = [];
    const steps: ('canary' | 'production')[] =
      request.promoteTo === 'production' ? ['canary', 'production'] : request.promoteTo === 'canary' ? ['canary'] : [];
    for (const to of steps) {
      const outcome = await this.gate.requestTransition({
        modelId: model.id,
        to,
        actor: request.actor,
        role: request.role,
        override: request.override !== undefined,
        justification: request.override?.justification,
      });
      transitions.push(outcome);
      if (!outcome.decision.allowed) break;
    }
    await this.audit.append({
      actor: request.actor,
      kind: 'training.run',
      subject: `model:${model.id}`,
      payload: {
        runId,
        snapshotId: snapshot.id,
        snapshotHash: snapshot.contentHash,
        modelType: request.modelType,
        seed: request.seed,
        metrics: trained.metrics,
        gates,
        trainingSeconds: trained.trainingSeconds,
        tuning: trained.tuning,
        transitions: transitions.map((t) => ({
          to: t.decision.toState,
          allowed: t.decision.allowed,
          reasons: t.decision.reasons,
        })),
      },
    });
    return { runId, snapshot, model: transitions.at(-1)?.model ?? model, transitions, tuning: trained.tuning };
  }

  private async requireSnapshot(id: string): Promise<SnapshotRef> {
    const found = await this.snapshots.find(id);
    if (!found) throw new Error(`unknown dataset snapshot ${id}`);
    return found;
  }
}
