import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { InteractionDataset, MovieProfile, UserProfile } from '@lib/dataset';
import { ActivityWindowRepository, CatalogRepository } from '@modules/interactions';
import { Scorer } from '@lib/artifacts';
import { auditScorer, auditSplit, FairnessAudit } from './audit/offline-audit';
import { auditServedLists, OnlineFairnessAudit, ServedList, WatchStart } from './audit/online-audit';
import { trainRecipeScorer } from './audit/recipe-scorer';
import { FairnessMetrics } from './fairness.metrics';

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
    @Optional() private readonly activity?: ActivityWindowRepository,
    @Optional() private readonly catalog?: CatalogRepository,
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
   * `hours` (the recommendation log) and per-group conversion (a list followed by a
   * watch of one of its movies within 24 h). Sets the online gauges.
   */
  async auditOnline(hours = 24, now = new Date()): Promise<OnlineFairnessAudit> {
    if (!this.activity || !this.catalog) throw new Error('online fairness audits need the storage module');
    const since = new Date(now.getTime() - hours * 3_600_000);
    const { lists, watches, users, movies } = await readOnlineTraffic(this.activity, this.catalog, since, now);
    const audit = auditServedLists(lists, watches, users, movies);
    this.metrics.recordOnline(audit);
    return audit;
  }
}

/** What an online audit of [since, until) reads: served lists, watch starts, the catalog and the listed users' profiles. */
export async function readOnlineTraffic(
  activity: ActivityWindowRepository,
  catalog: CatalogRepository,
  since: Date,
  until: Date,
): Promise<{
  lists: ServedList[];
  watches: WatchStart[];
  users: Map<number, Omit<UserProfile, 'id'>>;
  movies: MovieProfile[];
}> {
  const [lists, watches, movies] = await Promise.all([
    activity.servedLists(since, until),
    activity.watchStarts(since, until),
    catalog.allMovieProfiles(),
  ]);
  const users = await catalog.userProfiles([...new Set(lists.map((l) => l.userId))]);
  return { lists, watches, users, movies };
}
