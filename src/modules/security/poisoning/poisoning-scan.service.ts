import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { DatasetSnapshotService } from '@modules/datasets';
import { AuditService, ModelRegistryService } from '@modules/governance';
import { ActivityWindowRepository } from '@modules/interactions';
import { MetricsRegistry } from '@modules/metrics';
import { ActivityTableBuilder } from './activity-table';
import { QuarantineEntry, QuarantineRepository, QuarantineStatus } from './quarantine.repository';
import { detectShilling, ShillingThresholds } from './shilling-detector';

export const SHILLING_DETECTOR = 'shilling/v1';

export interface ScanResult {
  readonly since: string;
  readonly accountsScanned: number;
  readonly ratingsScanned: number;
  readonly bursts: number;
  readonly flagged: number;
  readonly newlyQuarantined: number;
}

/**
 * The poisoning gate: `undecided` while quarantined accounts flagged up to the snapshot's cutoff await a
 * reviewer's verdict (the detector cannot tell a shilling attack from a false positive; a human decides),
 * `passed` when none does. Events of accounts found malicious never reach a snapshot.
 */
export interface PoisoningGateResult {
  readonly status: 'passed' | 'undecided';
  readonly reasons: string[];
  /** `status === 'passed'` (the stored shape of a gate result). */
  readonly passed: boolean;
  readonly unreviewedSuspiciousEvents: number;
  readonly unreviewedAccounts: number;
  readonly maliciousAccounts: number;
  readonly detector: string;
  readonly [measurement: string]: unknown;
}

/**
 * The poisoning defence on the live store: scans recent ratings with the
 * shilling detectors, quarantines flagged accounts (their events are kept,
 * flagged and left out of snapshots until a reviewer releases them), takes
 * reviews, and reports the poisoning gate of promotion.
 */
@Injectable()
export class PoisoningScanService {
  private readonly quarantined: Counter<'detector'>;
  private readonly pending: Gauge;

  constructor(
    private readonly repository: QuarantineRepository,
    private readonly activity: ActivityWindowRepository,
    private readonly audit: AuditService,
    private readonly registry: ModelRegistryService,
    private readonly snapshots: DatasetSnapshotService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsRegistry,
  ) {
    this.quarantined = metrics.counter({
      name: 'marquee_poisoning_quarantined_total',
      help: 'Accounts newly quarantined by the poisoning (shilling) detectors',
      labelNames: ['detector'],
    });
    this.pending = metrics.gauge({
      name: 'marquee_poisoning_pending_review',
      help: 'Quarantined accounts awaiting review (their events are excluded from snapshots)',
    });
  }

  async scan(
    actor: string,
    options: { lookbackDays?: number; thresholds?: Partial<ShillingThresholds>; now?: Date } = {},
  ): Promise<ScanResult> {
    const now = options.now ?? new Date();
    const since = new Date(now.getTime() - (options.lookbackDays ?? 30) * 86_400_000);
    const builder = new ActivityTableBuilder(this.config.ratingScaleMax);
    await this.activity.readRaterActivity(since, builder);
    const table = builder.build();
    const report = detectShilling(table, options.thresholds);
    const flags = report.suspects.map((s) => ({
      userId: s.userId,
      detector: SHILLING_DETECTOR,
      reasons: s.reasons,
      scores: Object.fromEntries(
        Object.entries(s.scores).map(([k, v]) => [k, Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null]),
      ),
      targetMovies: s.burstItems,
      heldEvents: s.scores.ratings,
    }));
    const newlyQuarantined = await this.repository.transaction(async (tx) => {
      const created = await this.repository.upsertFlags(flags, tx);
      await this.audit.append(
        {
          actor,
          kind: 'poisoning.scan',
          subject: `detector:${SHILLING_DETECTOR}`,
          payload: {
            since: since.toISOString(),
            flagged: flags.length,
            newlyQuarantined: created,
            bursts: report.bursts.slice(0, 20).map((b) => ({
              movieId: b.movieId,
              direction: b.direction,
              windowStart: new Date(b.windowStart).toISOString(),
              count: b.count,
              expected: b.expected,
              pValue: b.pValue,
            })),
          },
        },
        tx,
      );
      return created;
    });
    this.quarantined.inc({ detector: SHILLING_DETECTOR }, newlyQuarantined);
    await this.refreshPending();
    return {
      since: since.toISOString(),
      accountsScanned: table.userIds.length,
      ratingsScanned: table.ratingUser.length,
      bursts: report.bursts.length,
      flagged: flags.length,
      newlyQuarantined,
    };
  }

  list(status: QuarantineStatus | undefined, limit: number): Promise<QuarantineEntry[]> {
    return this.repository.list(status, limit);
  }

  async review(
    id: string,
    verdict: 'genuine' | 'malicious',
    reviewer: string,
    note: string | null,
  ): Promise<QuarantineEntry> {
    const entry = await this.repository.transaction(async (tx) => {
      const before = await this.repository.findById(id, tx);
      if (!before) return null;
      const after = await this.repository.review(id, verdict, reviewer, note, tx);
      await this.audit.append(
        {
          actor: reviewer,
          kind: 'poisoning.review',
          subject: `user:${before.userId}`,
          payload: { quarantineId: id, from: before.status, verdict, note },
        },
        tx,
      );
      return after;
    });
    if (!entry) throw new NotFoundException(`no quarantine entry ${id}`);
    await this.refreshPending();
    return entry;
  }

  /** For snapshot builders: accounts whose events stay out of training data. */
  excludedUserIds(): Promise<Set<number>> {
    return this.repository.excludedUserIds();
  }

  /**
   * The poisoning gate for a model: unreviewed suspicious events flagged up to
   * its snapshot's cutoff. Quarantined events are already out of the snapshot;
   * the gate still waits for a human verdict so an undecided flag (possibly a
   * false positive that biased the data the other way) is looked at first.
   */
  async gateResult(modelId: string): Promise<PoisoningGateResult> {
    // The model and its snapshot are asked of their owners (governance, datasets); a snapshot row that
    // is gone leaves no cutoff, so every pending flag counts.
    const model = await this.registry.find(modelId);
    if (!model) throw new NotFoundException(`no model ${modelId}`);
    const snapshot = await this.snapshots.find(model.snapshotId);
    return this.gateResultAt(snapshot?.cutoff ?? null);
  }

  /** The gate for a snapshot cut at `cutoff` (null: every pending flag counts). */
  async gateResultAt(cutoff: Date | null): Promise<PoisoningGateResult> {
    const unreviewed = await this.repository.unreviewed(cutoff);
    const counts = await this.repository.countsByStatus();
    return {
      status: unreviewed.events === 0 ? 'passed' : 'undecided',
      passed: unreviewed.events === 0,
      reasons:
        unreviewed.events === 0
          ? []
          : [`${unreviewed.accounts} quarantined accounts (${unreviewed.events} events) await review`],
      unreviewedSuspiciousEvents: unreviewed.events,
      unreviewedAccounts: unreviewed.accounts,
      maliciousAccounts: counts.malicious,
      detector: SHILLING_DETECTOR,
    };
  }

  /** Evaluates the gate and stores it on the model (read by the promotion policy). */
  async recordGate(modelId: string, actor: string): Promise<PoisoningGateResult> {
    const result = await this.gateResult(modelId);
    await this.registry.recordGateResult(modelId, 'poisoning', { ...result }, actor);
    return result;
  }

  private async refreshPending(): Promise<void> {
    this.pending.set((await this.repository.countsByStatus()).pending);
  }
}
