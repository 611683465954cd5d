import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { GateEvaluator, GateInput, GateStatus } from '@modules/governance';
import { FairnessAudit } from './audit/offline-audit';
import { FairnessAuditService } from './fairness-audit.service';

/**
 * The measurements recorded on the model under gates.fairness (the policy reads status and qualityGap):
 * `failed` when the gap exceeds the bound, `undecided` when a gated dimension has fewer than two groups
 * large enough to compare (its gap is not measured), `passed` otherwise.
 */
export interface FairnessGateResult {
  [measurement: string]: unknown;
  readonly status: GateStatus;
  readonly reasons: string[];
  /** Gated dimensions whose gap could not be measured (fewer than two groups of minGroupSize users). */
  readonly undecided: string[];
  /** `status === 'passed'` (the stored shape of a gate result). */
  readonly passed: boolean;
  readonly qualityGap: number;
  readonly gapCi: readonly [number, number];
  readonly maxQualityGap: number;
  readonly dimension: string;
  readonly metric: string;
  readonly groups: Record<string, { group: string; users: number; mean: number }[]>;
  readonly exposure: {
    readonly gini: number;
    readonly top1Share: number;
    readonly top10Share: number;
    readonly coverage: number;
    readonly longTailCoverage: number;
    readonly longTailShare: number;
  };
  readonly popularityLift: number;
  readonly users: number;
  readonly split: string;
}

/**
 * The 'fairness' promotion gate: audits the model's recipe on a temporal
 * holdout of the release snapshot and passes when the largest NDCG@20 gap
 * between user groups (gated dimensions, FAIRNESS_GATE_DIMENSIONS) is at most
 * FAIRNESS_MAX_QUALITY_GAP. Its default, 0.1, is the same number as
 * policies/promotion/data.json → gates.fairness.max_quality_gap: the policy
 * checks the recorded qualityGap again, so the stricter of the two applies.
 */
@Injectable()
export class FairnessGateEvaluator implements GateEvaluator {
  readonly gate = 'fairness';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audits: FairnessAuditService,
  ) {}

  async evaluate(input: GateInput): Promise<FairnessGateResult> {
    const { model, data } = input;
    const audit = await this.audits.auditRecipe(
      { modelType: model.modelType, params: model.params, seed: model.seed },
      data,
    );
    return fairnessGateResult(audit, this.config.fairness.maxQualityGap);
  }
}

export function fairnessGateResult(audit: FairnessAudit, maxQualityGap: number): FairnessGateResult {
  const failed = audit.qualityGap > maxQualityGap;
  const unmeasured = audit.gatedDimensions.filter(
    (d) => audit.quality[d].groups.filter((g) => g.users >= audit.quality[d].minGroupSize).length < 2,
  );
  const status: GateStatus = failed ? 'failed' : unmeasured.length > 0 ? 'undecided' : 'passed';
  const reasons = [
    ...(failed
      ? [
          `quality gap ${audit.qualityGap.toFixed(3)} on ${audit.qualityGapDimension} exceeds the bound ${maxQualityGap}`,
        ]
      : []),
    ...unmeasured.map(
      (d) =>
        `${d}: undecided, fewer than two groups with at least ${audit.quality[d].minGroupSize} holdout users ` +
        `(${audit.quality[d].groups.map((g) => `${g.group} ${g.users}`).join(', ') || 'no users'})`,
    ),
  ];
  return {
    status,
    passed: status === 'passed',
    reasons,
    undecided: unmeasured,
    qualityGap: audit.qualityGap,
    gapCi: audit.gapCi,
    maxQualityGap,
    dimension: audit.qualityGapDimension,
    metric: `ndcg@${audit.k}`,
    groups: Object.fromEntries(
      Object.entries(audit.quality).map(([d, q]) => [
        d,
        q.groups.map((g) => ({ group: g.group, users: g.users, mean: g.mean })),
      ]),
    ),
    exposure: {
      gini: audit.exposure.gini,
      top1Share: audit.exposure.top1Share,
      top10Share: audit.exposure.top10Share,
      coverage: audit.exposure.coverage,
      longTailCoverage: audit.exposure.longTail.coverage,
      longTailShare: audit.exposure.longTail.exposureShare,
    },
    popularityLift: audit.popularityBias.relativeLift,
    users: audit.users,
    split: audit.split,
  };
}
