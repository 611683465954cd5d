import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DatasetSnapshotService } from '@modules/datasets';
import type { InteractionDataset } from '@lib/dataset';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { AuditService, ModelRegistryService, modelSubject } from '@modules/governance';
import { ActivityWindowRepository } from '@modules/interactions';
import { MonitoringMetrics } from '../monitoring.metrics';
import {
  compareProfiles,
  DriftComparison,
  DriftThresholds,
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

/** What the drift gate stores on the model (the policy reads `passed` and `snapshotAgeHours`). */
export interface DriftGateResult {
  readonly passed: boolean;
  readonly snapshotAgeHours: number;
  readonly psi: Record<string, number>;
  readonly ks: Record<string, number>;
  readonly shares: Record<string, number>;
  readonly reasons: readonly string[];
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
   * need no reload. The reference window ends at the snapshot's recorded cutoff.
   */
  async reference(snapshot: InteractionDataset | string): Promise<ReferenceProfile> {
    const snapshotId = typeof snapshot === 'string' ? snapshot : snapshot.snapshotId;
    const cached = this.references.get(snapshotId);
    if (cached) return cached;
    const dataset = typeof snapshot === 'string' ? await this.snapshots.load(snapshotId) : snapshot;
    const ref = await this.snapshots.find(snapshotId);
    const profile = profileDataset(dataset, this.config.monitoring.drift.windowHours * HOUR_MS, {
      dataEnd: ref?.cutoff.getTime(),
    });
    this.references.set(snapshotId, profile);
    while (this.references.size > 4) this.references.delete(this.references.keys().next().value as string);
    return profile;
  }

  /**
   * Compares the snapshot with the recent window, which ends at the newest event
   * in the store (not the wall clock: a replay or a paused stream still has a
   * "recent" to compare) unless `until` is given. Updates the drift gauges.
   */
  async evaluate(snapshot: InteractionDataset | string, options: { until?: Date } = {}): Promise<DriftEvaluation> {
    try {
      const reference = await this.reference(snapshot);
      const end = options.until ?? (await this.activity.newestEventAt()) ?? new Date();
      const start = new Date(end.getTime() - this.config.monitoring.drift.windowHours * HOUR_MS);
      const recent = profileRecentWindow(await this.activity.window(start, end), reference);
      const comparison = compareProfiles(reference, recent, this.thresholds, this.config.ratingScaleMax);
      const now = Date.now();
      const evaluation: DriftEvaluation = {
        ...comparison,
        evaluatedAt: new Date(now).toISOString(),
        snapshotAgeHours: Math.max(0, Math.round(((now - reference.dataEnd) / HOUR_MS) * 100) / 100),
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
    if (!result.passed) {
      await this.audit.append({
        actor: 'service:drift',
        kind: 'drift.blocked',
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

export function gateResult(evaluation: DriftEvaluation): DriftGateResult {
  const pick = (key: 'psi' | 'ks' | 'share'): Record<string, number> =>
    Object.fromEntries(
      evaluation.features
        .filter((f) => f[key] !== undefined)
        .map((f) => [f.feature, Math.round((f[key] as number) * 10_000) / 10_000]),
    );
  return {
    passed: evaluation.passed,
    snapshotAgeHours: evaluation.snapshotAgeHours,
    psi: pick('psi'),
    ks: pick('ks'),
    shares: pick('share'),
    reasons: evaluation.reasons,
    thresholds: evaluation.thresholds,
    window: { reference: evaluation.reference, recent: evaluation.recent },
    evaluatedAt: evaluation.evaluatedAt,
  };
}
