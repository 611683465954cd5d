import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { InteractionDataset } from '../datasets/interaction-dataset';
import { Scorer } from '../model-artifacts/scorer';
import { auditScorer, auditSplit, FairnessAudit } from './audit/offline-audit';
import { auditServedLists, OnlineFairnessAudit } from './audit/online-audit';
import { trainRecipeScorer } from './audit/recipe-scorer';
import { FairnessMetrics } from './fairness.metrics';
import { FairnessRepository } from './fairness.repository';

export interface ModelRecipe {
  readonly modelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
}

/** Offline fairness audits of model versions; every audit updates the fairness gauges. */
@Injectable()
export class FairnessAuditService {
  private readonly logger = new Logger(FairnessAuditService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: FairnessMetrics,
    @Optional() private readonly repository?: FairnessRepository,
  ) {}

  /** Retrains the recipe on the holdout's past (temporal split) and audits it on the holdout. */
  async auditRecipe(recipe: ModelRecipe, data: InteractionDataset): Promise<FairnessAudit> {
    const scorer = await trainRecipeScorer(auditSplit(data).train, recipe);
    return this.auditScorer(scorer, data, recipe.seed);
  }

  /** Audits a scorer that was trained on the past of the audit's split only. */
  auditScorer(scorer: Scorer, data: InteractionDataset, seed: number): FairnessAudit {
    const audit = auditScorer(scorer, data, {
      seed,
      maxUsers: this.config.fairness.auditMaxUsers,
      gatedDimensions: this.config.fairness.gateDimensions,
    });
    this.metrics.record(audit);
    this.logger.log(
      `fairness audit: qualityGap ${audit.qualityGap.toFixed(4)} (${audit.qualityGapDimension}), ` +
        `exposure gini ${audit.exposure.gini.toFixed(3)}, top-10% share ${audit.exposure.top10Share.toFixed(3)}`,
    );
    return audit;
  }

  /**
   * Fairness of live traffic: exposure over the responses logged in the last
   * `hours` (recommendation_log) and per-group conversion (a list followed by a
   * watch of one of its movies within 24 h). Sets the online gauges.
   */
  async auditOnline(hours = 24, now = new Date()): Promise<OnlineFairnessAudit> {
    if (!this.repository) throw new Error('online fairness audits need the storage module');
    const since = new Date(now.getTime() - hours * 3_600_000);
    const [lists, watches, movies] = await Promise.all([
      this.repository.servedLists(since, now),
      this.repository.watchStarts(since, now),
      this.repository.catalog(),
    ]);
    const users = await this.repository.userProfiles([...new Set(lists.map((l) => l.userId))]);
    const audit = auditServedLists(lists, watches, users, movies);
    this.metrics.recordOnline(audit);
    return audit;
  }
}
