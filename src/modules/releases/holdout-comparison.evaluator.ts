import { Injectable, Logger } from '@nestjs/common';
import {
  GateEvaluation,
  GateEvaluator,
  GateInput,
  HOLDOUT_COMPARISON_GATE,
  HoldoutComparisonResult,
  ModelRegistryService,
} from '@modules/governance';
import { compareOnHoldout } from '@lib/training';

/**
 * The like-for-like offline comparison of a release (gate `holdout-comparison`):
 * the candidate's recipe and the slot's current champion's recipe are both
 * trained on the past of the candidate's snapshot and measured on the same
 * holdout (the temporal split train-and-evaluate uses, the same evaluated
 * users). The promotion policy compares these two figures instead of the
 * champion's registered one, which came from its own older holdout and, for
 * the deployed champion, from a model that may have trained on part of the
 * candidate's holdout. `passed` means the comparison was measured; whether the
 * candidate is good enough is the policy's call (quality.rego). With no
 * champion there is nothing to compare: passed, champion null. A champion
 * whose recipe cannot be retrained here leaves the gate `undecided`.
 */
@Injectable()
export class HoldoutComparisonEvaluator implements GateEvaluator {
  readonly gate = HOLDOUT_COMPARISON_GATE;
  private readonly logger = new Logger(HoldoutComparisonEvaluator.name);

  constructor(private readonly registry: ModelRegistryService) {}

  async evaluate({ model, data }: GateInput): Promise<GateEvaluation> {
    const { production } = await this.registry.serving(model.slot);
    if (!production || production.id === model.id) {
      return { status: 'passed', reasons: [], championId: null, note: 'no champion in the slot to compare with' };
    }
    const recipe = (m: typeof model) => ({ modelType: m.modelType, params: m.params, seed: m.seed });
    try {
      const comparison = await compareOnHoldout(data, [recipe(model), recipe(production)], { seed: model.seed });
      const [candidate, champion] = comparison.figures;
      const result: HoldoutComparisonResult = {
        championId: production.id,
        candidate: { ...candidate },
        champion: { ...champion },
        championRegistered: { 'ndcg@20': production.metrics['ndcg@20'] ?? null },
        split: comparison.split,
        splitHash: comparison.splitHash,
        snapshotId: model.snapshotId,
        holdoutRows: comparison.holdoutRows,
        holdoutUsers: comparison.holdoutUsers,
        method: "champion's recipe retrained on the candidate's split",
      };
      if (comparison.holdoutUsers === 0) {
        return { status: 'undecided', reasons: ['the holdout has no user to evaluate'], ...result };
      }
      return { status: 'passed', reasons: [], ...result };
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.logger.warn(`holdout comparison with ${production.id} failed: ${message}`);
      return {
        status: 'undecided',
        reasons: [
          `champion ${production.id} (${production.modelType}) could not be retrained on this split: ${message}`,
        ],
        championId: production.id,
      };
    }
  }
}
