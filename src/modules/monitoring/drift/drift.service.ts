import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DatasetSnapshotService } from '@modules/datasets';
import type { InteractionDataset } from '@lib/dataset';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { AuditService, GateStatus, ModelRegistryService, modelSubject } from '@modules/governance';
import { ActivityWindowRepository } from '@modules/interactions';
import { MonitoringMetrics } from '../monitoring.metrics';
import {
  compareProfiles,
  DriftComparison,
  DriftThresholds,
  FeatureDrift,
  profileDataset,
  profileRecentWindow,
  ReferenceProfile,
} from './drift-profile';

const HOUR_MS = 3_600_000;

export interface DriftEvaluation extends DriftComparison {
  readonly evaluatedAt: string;
  /** Hours from the end of the training data to now (what the promotion policy bounds). */
  readonly snapshotAgeHours: number;
}

/** One feature as the drift gate records it: whether it was decided, on how many samples, and its scores. */
export interface DriftGateFeature {
  readonly kind: 'data' | 'prediction';
  /** False when either window had fewer than `thresholds.minSamples` observations: reported, not decided. */
  readonly decided: boolean;
  readonly drifted: boolean;
  readonly samples: { readonly reference: number; readonly recent: number };
  readonly psi?: number;
  readonly ks?: number;
  readonly share?: number;
  /** Why it drifted, or why it could not be decided. */
  readonly reason?: string;
}

/**
 * What the drift gate stores on the model (the policy reads `status` and
 * `snapshotAgeHours`): `failed` when a decided feature drifted, `undecided`
 * when none drifted but some feature had too few samples to decide, `passed`
 * when every feature was decided and none drifted.
 */
export interface DriftGateResult {
  readonly status: GateStatus;
  readonly passed: boolean;
  /** Hours from the snapshot's last event to the newest event in the store (the stream's clock). */
  readonly snapshotAgeHours: number;
  readonly features: Record<string, DriftGateFeature>;
  /** Features that could not be decided (too few samples), by name. */
  readonly undecided: readonly string[];
  readonly psi: Record<string, number>;
  readonly ks: Record<string, number>;
  readonly shares: Record<string, number>;
  /** Every drifted feature's reason, then every undecided feature's. */
  readonly reasons: string[];
  readonly thresholds: DriftThresholds;
  readonly window: { readonly reference: DriftComparison['reference']; readonly recent: DriftComparison['recent'] };
  readonly evaluatedAt: string;
  [measurement: string]: unknown;
}

/**
 * Data and prediction drift between a model's training snapshot and what
 * users did recently (watches, ratings and served lists, read through the
 * interactions module's ActivityWindowRepository). Results
 * become gauges (marquee_drift_*), the `drift` gate on the model, and an audit
 * record when drift blocks a promotion.
 */
@Injectable()
export class DriftService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DriftService.name);
  /** Reference profiles are small (counts); keep the last few so periodic checks need no snapshot reload. */
  private readonly references = new Map<string, ReferenceProfile>();
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly activity: ActivityWindowRepository,
    private readonly registry: ModelRegistryService,
    private readonly audit: AuditService,
    private readonly metrics: MonitoringMetrics,
    private readonly snapshots: DatasetSnapshotService,
  ) {}

  onModuleInit(): void {
    const every = this.config.monitoring.drift.evaluateMs;
    if (every > 0) {
      this.timer = setInterval(() => void this.refreshProductionGauges(), every);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get thresholds(): DriftThresholds {
    const d = this.config.monitoring.drift;
    return {
      psi: d.psiThreshold,
      ks: d.ksThreshold,
      newUserShare: d.newUserShareMax,
      newMovieShare: d.newMovieShareMax,
      minSamples: d.minSamples,
    };
  }

  /**
   * Profiles a training snapshot (a dataset in hand, or a snapshot id loaded through the
   * datasets module) and remembers the profile, so later evaluations of the same snapshot
   * need no reload. The reference window ends at the snapshot's last event (its recorded
   * cutoff only when it holds no event).
   */
  async reference(snapshot: InteractionDataset | string): Promise<ReferenceProfile> {
    const snapshotId = typeof snapshot === 'string' ? snapshot : snapshot.snapshotId;
    const cached = this.references.get(snapshotId);
    if (cached) return cached;
    const dataset = typeof snapshot === 'string' ? await this.snapshots.load(snapshotId) : snapshot;
    // The reference window ends at the snapshot's last event (the stream's clock), not at its cutoff:
    // a cutoff taken on the wall clock can lie a day past the data, leaving the window nearly empty.
    const ref = dataset.userIndex.length === 0 ? await this.snapshots.find(snapshotId) : null;
    const profile = profileDataset(dataset, this.config.monitoring.drift.windowHours * HOUR_MS, {
      dataEnd: ref?.cutoff.getTime(),
    });
    this.references.set(snapshotId, profile);
    while (this.references.size > 4) this.references.delete(this.references.keys().next().value as string);
    return profile;
  }

  /**
   * Compares the snapshot with the recent window, which ends at the newest event
   * in the store (the stream's clock, never the wall clock: a replay or a paused
   * stream still has a "recent" to compare) unless `until` is given. The
   * snapshot's age is measured on the same clock. Updates the drift gauges.
   */
  async evaluate(snapshot: InteractionDataset | string, options: { until?: Date } = {}): Promise<DriftEvaluation> {
    try {
      const reference = await this.reference(snapshot);
      // No event in the store at all: the recent window ends where the data ends (and is empty, so undecided).
      const end = options.until ?? (await this.activity.newestEventAt()) ?? new Date(reference.dataEnd);
      const start = new Date(end.getTime() - this.config.monitoring.drift.windowHours * HOUR_MS);
      const recent = profileRecentWindow(await this.activity.window(start, end), reference);
      const comparison = compareProfiles(reference, recent, this.thresholds, this.config.ratingScaleMax);
      const evaluation: DriftEvaluation = {
        ...comparison,
        evaluatedAt: new Date().toISOString(),
        snapshotAgeHours: Math.max(0, Math.round(((end.getTime() - reference.dataEnd) / HOUR_MS) * 100) / 100),
      };
      this.publish(evaluation);
      return evaluation;
    } catch (error) {
      this.metrics.driftEvaluations.inc({ result: 'failed' });
      throw error;
    }
  }

  /**
   * The drift gate for a candidate model: evaluates its training snapshot against the
   * recent window and records the result on the model (`registry.recordGateResult`,
   * which the promotion policy reads). When drift blocks, an audit record says why.
   * Pass the training dataset when it is at hand (saves loading the snapshot again).
   */
  async evaluateDriftGate(
    modelId: string,
    dataset?: InteractionDataset,
  ): Promise<{ result: DriftGateResult; evaluation: DriftEvaluation }> {
    const model = await this.registry.get(modelId);
    if (dataset && dataset.snapshotId !== model.snapshotId)
      throw new Error(`model ${modelId} was trained on snapshot ${model.snapshotId}, not ${dataset.snapshotId}`);
    const evaluation = await this.evaluate(dataset ?? model.snapshotId);
    const result = gateResult(evaluation);
    await this.registry.recordGateResult(modelId, 'drift', result, 'service:drift');
    if (result.status !== 'passed') {
      await this.audit.append({
        actor: 'service:drift',
        kind: result.status === 'failed' ? 'drift.blocked' : 'drift.undecided',
        subject: modelSubject(modelId),
        payload: { snapshotId: model.snapshotId, ...result },
      });
    }
    return { result, evaluation };
  }

  /** Periodic: keep the gauges current for the production model (its snapshot profile is loaded once, then cached). */
  async refreshProductionGauges(): Promise<DriftEvaluation | null> {
    if (this.running) return null;
    this.running = true;
    try {
      const { production } = await this.registry.serving(this.config.serving.slot);
      if (!production) return null;
      return await this.evaluate(production.snapshotId);
    } catch (error) {
      this.logger.warn(`drift evaluation failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    } finally {
      this.running = false;
    }
  }

  private publish(evaluation: DriftEvaluation): void {
    const m = this.metrics;
    for (const f of evaluation.features) {
      const labels = { feature: f.feature };
      // A score over too few samples (e.g. no served lists yet) would only mislead dashboards: drop the series.
      if (f.insufficient) {
        m.driftPsi.remove(labels);
        m.driftKs.remove(labels);
        m.driftShare.remove(labels);
      } else {
        if (f.psi !== undefined) m.driftPsi.set(labels, f.psi);
        if (f.ks !== undefined) m.driftKs.set(labels, f.ks);
        if (f.share !== undefined) m.driftShare.set(labels, f.share);
      }
      m.driftDetected.set(labels, f.drifted ? 1 : 0);
    }
    m.driftSnapshotAgeHours.set(evaluation.snapshotAgeHours);
    m.driftEvaluatedAt.set(Date.parse(evaluation.evaluatedAt) / 1000);
    m.driftEvaluations.inc({ result: evaluation.passed ? 'passed' : 'drifted' });
  }
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Why a feature was not decided: which window lacked samples. */
function undecidedReason(f: FeatureDrift, minSamples: number): string {
  const short = [
    f.referenceSamples < minSamples ? `${f.referenceSamples} reference samples` : null,
    f.recentSamples < minSamples ? `${f.recentSamples} recent samples` : null,
  ].filter((p): p is string => p !== null);
  return `${f.feature}: undecided, ${short.join(' and ')} < ${minSamples} required`;
}

export function gateResult(evaluation: DriftEvaluation): DriftGateResult {
  const pick = (key: 'psi' | 'ks' | 'share'): Record<string, number> =>
    Object.fromEntries(
      evaluation.features.filter((f) => f[key] !== undefined).map((f) => [f.feature, round4(f[key] as number)]),
    );
  const minSamples = evaluation.thresholds.minSamples;
  const features: Record<string, DriftGateFeature> = Object.fromEntries(
    evaluation.features.map((f) => [
      f.feature,
      {
        kind: f.kind,
        decided: !f.insufficient,
        drifted: f.drifted,
        samples: { reference: f.referenceSamples, recent: f.recentSamples },
        ...(f.psi === undefined ? {} : { psi: round4(f.psi) }),
        ...(f.ks === undefined ? {} : { ks: round4(f.ks) }),
        ...(f.share === undefined ? {} : { share: round4(f.share) }),
        ...(f.insufficient
          ? { reason: undecidedReason(f, minSamples) }
          : f.reason === undefined
            ? {}
            : { reason: f.reason }),
      },
    ]),
  );
  const undecided = evaluation.features.filter((f) => f.insufficient);
  const status: GateStatus = !evaluation.passed ? 'failed' : undecided.length > 0 ? 'undecided' : 'passed';
  return {
    status,
    passed: status === 'passed',
    snapshotAgeHours: evaluation.snapshotAgeHours,
    features,
    undecided: undecided.map((f) => f.feature),
    psi: pick('psi'),
    ks: pick('ks'),
    shares: pick('share'),
    reasons: [...evaluation.reasons, ...undecided.map((f) => undecidedReason(f, minSamples))],
    thresholds: evaluation.thresholds,
    window: { reference: evaluation.reference, recent: evaluation.recent },
    evaluatedAt: evaluation.evaluatedAt,
  };
}
