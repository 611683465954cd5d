import { ActivityTable } from './activity-table';
import {
  BurstOptions,
  DEFAULT_BURST_OPTIONS,
  degreeOfSimilarity,
  deviationFromMeanAgreement,
  itemRatingStats,
  lengthVariance,
  RatingBurst,
  ratingBursts,
  robustZ,
  unwatchedRatingShare,
} from './detectors';

/**
 * Thresholds of the combined decision (data, not literals in the rule). A user
 * is suspicious when
 *   (a) they took part in a rating burst on an item (young account, extreme
 *       rating, inside the flagged window) AND their profile shows at least one
 *       anomaly (mostly unwatched ratings, RDMA or DegSim outlier); or
 *   (b) without a burst, their profile is anomalous on two counts: enough
 *       ratings, mostly for unwatched movies, and an RDMA or DegSim outlier
 *       (a slow campaign spread over many windows); without watch evidence,
 *       RDMA and DegSim must both be outliers.
 * Requiring two independent kinds of evidence keeps genuine enthusiasts who
 * rate a new release on its first evening out of quarantine.
 */
export interface ShillingThresholds {
  readonly burst: BurstOptions;
  readonly unwatchedShare: number;
  readonly rdmaZ: number;
  readonly degSimZ: number;
  readonly degSimNeighbours: number;
  /** Path (b): minimum ratings, and the stricter outlier level. */
  readonly profileMinRatings: number;
  readonly profileUnwatchedShare: number;
  readonly profileZ: number;
  /**
   * Use the unwatched-rating evidence. Off = ratings-only detection, for an
   * attacker who also streams every movie a fake account rates.
   */
  readonly useWatchEvidence: boolean;
}

export const DEFAULT_SHILLING_THRESHOLDS: ShillingThresholds = {
  burst: DEFAULT_BURST_OPTIONS,
  unwatchedShare: 0.5,
  rdmaZ: 2,
  degSimZ: 2,
  degSimNeighbours: 10,
  profileMinRatings: 5,
  profileUnwatchedShare: 0.8,
  profileZ: 3,
  useWatchEvidence: true,
};

export type SuspicionReason = 'rating_burst' | 'unwatched_ratings' | 'rdma_outlier' | 'degsim_outlier';

export interface SuspectProfile {
  readonly userIndex: number;
  readonly userId: number;
  readonly reasons: readonly SuspicionReason[];
  /** Burst items the user took part in (movie ids). */
  readonly burstItems: readonly string[];
  readonly scores: {
    readonly ratings: number;
    readonly rdma: number;
    readonly wdma: number;
    readonly degSim: number;
    readonly lengthVar: number;
    readonly unwatchedShare: number;
    readonly rdmaZ: number;
    readonly degSimZ: number;
  };
}

export interface ShillingReport {
  readonly suspects: SuspectProfile[];
  readonly bursts: RatingBurst[];
  /** Per-user detector outputs, for evaluation (NaN where undefined). */
  readonly features: {
    readonly rdma: Float64Array;
    readonly wdma: Float64Array;
    readonly wda: Float64Array;
    readonly degSim: Float64Array;
    readonly lengthVar: Float64Array;
    readonly unwatchedShare: Float64Array;
    readonly rdmaZ: Float64Array;
    readonly degSimZ: Float64Array;
    readonly burstParticipant: Uint8Array;
  };
}

export function detectShilling(t: ActivityTable, partial: Partial<ShillingThresholds> = {}): ShillingReport {
  const th = { ...DEFAULT_SHILLING_THRESHOLDS, ...partial };
  const stats = itemRatingStats(t);
  const { rdma, wdma, wda } = deviationFromMeanAgreement(t, stats);
  const degSim = degreeOfSimilarity(t, th.degSimNeighbours);
  const lengthVar = lengthVariance(t);
  const unwatchedShare = unwatchedRatingShare(t);
  const rdmaZ = robustZ(rdma);
  const degSimZ = robustZ(degSim);
  const { bursts } = ratingBursts(t, th.burst);
  const nU = t.userIds.length;
  const burstParticipant = new Uint8Array(nU);
  const burstItems = new Map<number, Set<string>>();
  for (const burst of bursts) {
    for (const k of burst.ratings) {
      const u = t.ratingUser[k];
      burstParticipant[u] = 1;
      let items = burstItems.get(u);
      if (!items) burstItems.set(u, (items = new Set()));
      items.add(burst.movieId);
    }
  }
  const ratings = new Int32Array(nU);
  for (const u of t.ratingUser) ratings[u]++;

  const suspects: SuspectProfile[] = [];
  for (let u = 0; u < nU; u++) {
    if (ratings[u] === 0) continue;
    const anomalies: SuspicionReason[] = [];
    if (th.useWatchEvidence && unwatchedShare[u] >= th.unwatchedShare) anomalies.push('unwatched_ratings');
    if (rdmaZ[u] >= th.rdmaZ) anomalies.push('rdma_outlier');
    if (degSimZ[u] >= th.degSimZ) anomalies.push('degsim_outlier');
    let flagged = false;
    if (burstParticipant[u] && anomalies.length > 0) flagged = true;
    else if (ratings[u] >= th.profileMinRatings) {
      // Without the watch evidence both rating-based outliers must agree.
      flagged = th.useWatchEvidence
        ? unwatchedShare[u] >= th.profileUnwatchedShare && (rdmaZ[u] >= th.profileZ || degSimZ[u] >= th.profileZ)
        : rdmaZ[u] >= th.profileZ && degSimZ[u] >= th.profileZ;
    }
    if (!flagged) continue;
    suspects.push({
      userIndex: u,
      userId: t.userIds[u],
      reasons: burstParticipant[u] ? ['rating_burst', ...anomalies] : anomalies,
      burstItems: [...(burstItems.get(u) ?? [])].sort(),
      scores: {
        ratings: ratings[u],
        rdma: rdma[u],
        wdma: wdma[u],
        degSim: degSim[u],
        lengthVar: lengthVar[u],
        unwatchedShare: unwatchedShare[u],
        rdmaZ: rdmaZ[u],
        degSimZ: degSimZ[u],
      },
    });
  }
  return {
    suspects,
    bursts,
    features: { rdma, wdma, wda, degSim, lengthVar, unwatchedShare, rdmaZ, degSimZ, burstParticipant },
  };
}
