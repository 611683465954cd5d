import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { GateEvaluator, GateInput } from '@modules/governance';
import { FairnessAudit } from './audit/offline-audit';
import { FairnessAuditService } from './fairness-audit.service';

/** The measurements recorded on the model under gates.fairness (the policy reads passed and qualityGap). */
export interface FairnessGateResult {
  [measurement: string]: unknown;
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
  return {
    passed: audit.qualityGap <= maxQualityGap,
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
