/**
 * Top-k ranking metrics with binary relevance, computed over a full ranking of
 * the catalog (Krichene & Rendle 2020: sampled metrics are inconsistent).
 */
export interface RankingMetrics {
  readonly ndcg: number;
  readonly recall: number;
  readonly map: number;
  readonly hitRate: number;
  readonly precision: number;
}

/** Metrics for one user: `ranked` best first (length ≤ k), `relevant` the user's test items. */
export function userMetrics(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): RankingMetrics {
  const n = Math.min(k, ranked.length);
  let dcg = 0;
  let hits = 0;
  let apSum = 0;
  for (let r = 0; r < n; r++) {
    if (!relevant.has(ranked[r])) continue;
    hits++;
    dcg += 1 / Math.log2(r + 2);
    apSum += hits / (r + 1);
  }
  const ideal = Math.min(k, relevant.size);
  let idcg = 0;
  for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
  return {
    ndcg: idcg > 0 ? dcg / idcg : 0,
    recall: relevant.size > 0 ? hits / relevant.size : 0,
    map: ideal > 0 ? apSum / ideal : 0,
    hitRate: hits > 0 ? 1 : 0,
    precision: hits / k,
  };
}

/** Running mean of per-user metrics. */
export class MetricAccumulator {
  private sums = { ndcg: 0, recall: 0, map: 0, hitRate: 0, precision: 0 };
  count = 0;

  add(m: RankingMetrics): void {
    this.sums.ndcg += m.ndcg;
    this.sums.recall += m.recall;
    this.sums.map += m.map;
    this.sums.hitRate += m.hitRate;
    this.sums.precision += m.precision;
    this.count++;
  }

  mean(): RankingMetrics {
    const c = Math.max(1, this.count);
    return {
      ndcg: this.sums.ndcg / c,
      recall: this.sums.recall / c,
      map: this.sums.map / c,
      hitRate: this.sums.hitRate / c,
      precision: this.sums.precision / c,
    };
  }
}

export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < predicted.length; i++) sum += (predicted[i] - actual[i]) ** 2;
  return predicted.length ? Math.sqrt(sum / predicted.length) : NaN;
}

/** Nearest-rank percentile of an unsorted sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
