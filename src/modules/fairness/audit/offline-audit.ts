import { InteractionDataset } from '@lib/dataset';
import { Scorer } from '@lib/artifacts';
import { EvaluationContext, userMetrics, temporalSplit } from '@lib/training';
import { activityBands, ageBand, GroupedValue, GroupQuality, groupQuality } from '../indicators/group-quality';
import { PopularityBias, popularityBias } from '../indicators/popularity-bias';
import { ExposureReport, exposureReport } from './exposure-report';

export const FAIRNESS_DIMENSIONS = ['gender', 'age', 'occupation', 'activity'] as const;
export type FairnessDimension = (typeof FAIRNESS_DIMENSIONS)[number];

export interface OfflineAuditOptions {
  readonly seed?: number;
  readonly k?: number;
  readonly trainShare?: number;
  readonly maxUsers?: number;
  readonly resamples?: number;
  readonly minGroupSize?: number;
  /** Dimensions whose largest gap is the headline `qualityGap` (the gate's figure). */
  readonly gatedDimensions?: readonly FairnessDimension[];
}

export interface FairnessAudit {
  readonly k: number;
  readonly split: string;
  readonly users: number;
  readonly metric: 'ndcg';
  /** Per dimension: NDCG@k per group with bootstrap intervals, and the largest gap. */
  readonly quality: Record<FairnessDimension, GroupQuality>;
  /** Recall@k per group (same groups), for readers who prefer recall. */
  readonly recall: Record<FairnessDimension, GroupQuality>;
  /** Largest NDCG gap over the gated dimensions, its dimension and interval. */
  readonly qualityGap: number;
  readonly qualityGapDimension: FairnessDimension;
  readonly gapCi: readonly [number, number];
  readonly gatedDimensions: readonly FairnessDimension[];
  readonly exposure: ExposureReport;
  readonly popularityBias: PopularityBias;
}

/**
 * Offline fairness audit of one scorer on one dataset, with the protocol of
 * train-and-evaluate: a global temporal split, the model ranks the full
 * catalog for each holdout user (excluding what they saw in training), and
 * the per-user NDCG/recall@k are grouped by gender, age band, occupation and
 * activity level. The scorer must have been trained on the train part only
 * (or the audit measures memorisation): callers train on `auditSplit(...).train`.
 */
export function auditScorer(scorer: Scorer, data: InteractionDataset, opts: OfflineAuditOptions = {}): FairnessAudit {
  const k = opts.k ?? 20;
  const seed = opts.seed ?? 1;
  const split = temporalSplit(data, opts.trainShare ?? 0.8, k);
  const ctx = new EvaluationContext(split, { maxUsers: opts.maxUsers ?? 5_000, seed });
  const train = split.train;
  const itemIndex = new Map(train.movies.map((m, i) => [m.id, i]));

  const inSample = new Set(ctx.warmUsers);
  const historyOf = new Map<number, number[]>();
  for (let r = 0; r < train.userIndex.length; r++) {
    const u = train.userIndex[r];
    if (!inSample.has(u)) continue;
    let list = historyOf.get(u);
    if (!list) historyOf.set(u, (list = []));
    list.push(train.itemIndex[r]);
  }
  const activity = activityBands([...ctx.warmUsers].map((u) => historyOf.get(u)?.length ?? 0));

  const lists: number[][] = [];
  const ndcg: Record<FairnessDimension, GroupedValue[]> = { gender: [], age: [], occupation: [], activity: [] };
  const recall: Record<FairnessDimension, GroupedValue[]> = { gender: [], age: [], occupation: [], activity: [] };
  const bias: { recommended: number[]; history: number[] }[] = [];
  const noExclude: ReadonlySet<string> = new Set();
  for (const u of ctx.warmUsers) {
    const profile = train.users[u];
    const history = historyOf.get(u) ?? [];
    const ranked = scorer
      .recommend(profile.id, k, ctx.trainItems.get(u) ?? noExclude, {
        profile: { age: profile.age, gender: profile.gender, occupation: profile.occupation },
      })
      .map((s) => itemIndex.get(s.movieId) ?? -1)
      .filter((i) => i >= 0);
    lists.push(ranked);
    const m = userMetrics(ranked, ctx.testItems.get(u) as Set<number>, k);
    const groups: Record<FairnessDimension, string> = {
      gender: profile.gender ?? 'unknown',
      age: ageBand(profile.age),
      occupation: profile.occupation ?? 'unknown',
      activity: activity(history.length),
    };
    for (const d of FAIRNESS_DIMENSIONS) {
      ndcg[d].push({ group: groups[d], value: m.ndcg });
      recall[d].push({ group: groups[d], value: m.recall });
    }
    bias.push({ recommended: ranked, history });
  }

  const groupOpts = { seed, resamples: opts.resamples, minGroupSize: opts.minGroupSize };
  const quality = Object.fromEntries(FAIRNESS_DIMENSIONS.map((d) => [d, groupQuality(ndcg[d], groupOpts)])) as Record<
    FairnessDimension,
    GroupQuality
  >;
  const recallQuality = Object.fromEntries(
    FAIRNESS_DIMENSIONS.map((d) => [d, groupQuality(recall[d], groupOpts)]),
  ) as Record<FairnessDimension, GroupQuality>;
  const gated = opts.gatedDimensions ?? ['gender', 'age', 'occupation'];
  let worst: FairnessDimension = gated[0];
  for (const d of gated) if (quality[d].gap > quality[worst].gap) worst = d;

  return {
    k,
    split: split.description,
    users: ctx.warmUsers.length,
    metric: 'ndcg',
    quality,
    recall: recallQuality,
    qualityGap: quality[worst].gap,
    qualityGapDimension: worst,
    gapCi: quality[worst].gapCi,
    gatedDimensions: gated,
    exposure: exposureReport(lists, train.movies, ctx.itemPopularity),
    popularityBias: popularityBias(bias, ctx.itemPopularity),
  };
}

/** The split an audit uses, so callers can train the audited model on its past only. */
export function auditSplit(data: InteractionDataset, trainShare = 0.8, k = 20) {
  return temporalSplit(data, trainShare, k);
}
