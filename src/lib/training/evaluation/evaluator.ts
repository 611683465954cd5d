import { Scorer, ScoredItem } from '@lib/artifacts';
import { createRng } from '../random';
import { EvaluationSplit } from './splits';
import { MetricAccumulator, percentile, RankingMetrics, rmse, userMetrics } from './metrics';

/** A scorer that can also predict explicit ratings (SVD). */
interface RatingPredictor {
  readonly predictsRatings: boolean;
  predictRating(userId: number, movieId: string): number;
}
const predictsRatings = (s: Scorer): s is Scorer & RatingPredictor =>
  (s as Partial<RatingPredictor>).predictsRatings === true &&
  typeof (s as Partial<RatingPredictor>).predictRating === 'function';

export interface ScorerEvaluation {
  readonly k: number;
  /** Users with training history: the headline figures. */
  readonly warm: RankingMetrics & { readonly users: number };
  /** Users first seen after the split, ranked from their profile (fallback: the popularity model). */
  readonly coldUsers: RankingMetrics & { readonly users: number; readonly fallbackShare: number };
  /** Test interactions on items absent from training, and how many of them warm users got in their top-k. */
  readonly coldItems: { readonly testRowShare: number; readonly recall: number; readonly targets: number };
  /** Distinct recommended items / catalog size, over warm users. */
  readonly coverage: number;
  /** Mean training popularity (share of training users who interacted) of recommended items. */
  readonly meanPopularity: number;
  /** Mean self-information −log2(popularity) of recommended items (higher = more novel). */
  readonly noveltyBits: number;
  readonly rmse: number | null;
  readonly ratingRows: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number };
}

export interface EvaluationOptions {
  /** Warm users evaluated (sampled deterministically when there are more). */
  readonly maxUsers?: number;
  readonly seed?: number;
  /** Used for cold users the model returns nothing for, as serving would. */
  readonly fallback?: Scorer;
}

/** Per-split facts shared by every model's evaluation. */
export class EvaluationContext {
  readonly warmUsers: Int32Array;
  readonly coldUsers: Int32Array;
  readonly testItems: Map<number, Set<number>>;
  readonly trainItems: Map<number, Set<string>>;
  readonly itemPopularity: Float64Array;
  readonly itemInTrain: Uint8Array;
  readonly coldItemRowShare: number;

  constructor(
    readonly split: EvaluationSplit,
    opts: EvaluationOptions = {},
  ) {
    const { train, test } = split;
    const nU = train.users.length;
    const nI = train.movies.length;
    const trainCount = new Int32Array(nU);
    this.itemPopularity = new Float64Array(nI);
    this.itemInTrain = new Uint8Array(nI);
    for (let r = 0; r < train.userIndex.length; r++) {
      trainCount[train.userIndex[r]]++;
      this.itemPopularity[train.itemIndex[r]]++;
      this.itemInTrain[train.itemIndex[r]] = 1;
    }
    let trainUsers = 0;
    for (let u = 0; u < nU; u++) if (trainCount[u] > 0) trainUsers++;
    for (let i = 0; i < nI; i++) this.itemPopularity[i] /= Math.max(1, trainUsers);

    this.testItems = new Map();
    let coldRows = 0;
    for (let r = 0; r < test.userIndex.length; r++) {
      const u = test.userIndex[r];
      let set = this.testItems.get(u);
      if (!set) this.testItems.set(u, (set = new Set()));
      set.add(test.itemIndex[r]);
      if (!this.itemInTrain[test.itemIndex[r]]) coldRows++;
    }
    this.coldItemRowShare = test.userIndex.length ? coldRows / test.userIndex.length : 0;
    const warm: number[] = [];
    const cold: number[] = [];
    for (const u of [...this.testItems.keys()].sort((a, b) => a - b)) (trainCount[u] > 0 ? warm : cold).push(u);
    const rng = createRng(opts.seed ?? 7);
    const sample = (users: number[], max: number) => {
      if (users.length <= max) return Int32Array.from(users);
      for (let j = 0; j < max; j++) {
        const pick = j + rng.int(users.length - j);
        [users[j], users[pick]] = [users[pick], users[j]];
      }
      return Int32Array.from(users.slice(0, max)).sort();
    };
    const maxUsers = opts.maxUsers ?? 20_000;
    this.warmUsers = sample(warm, maxUsers);
    this.coldUsers = sample(cold, Math.max(1, Math.floor(maxUsers / 4)));
    const inSample = new Set(this.warmUsers);
    this.trainItems = new Map();
    for (let r = 0; r < train.userIndex.length; r++) {
      const u = train.userIndex[r];
      if (!inSample.has(u)) continue;
      let set = this.trainItems.get(u);
      if (!set) this.trainItems.set(u, (set = new Set()));
      set.add(train.movies[train.itemIndex[r]].id);
    }
  }
}

const NO_EXCLUDE: ReadonlySet<string> = new Set();

/** Full-catalog ranking evaluation of one scorer on one split. */
export function evaluateScorer(scorer: Scorer, ctx: EvaluationContext, opts: EvaluationOptions = {}): ScorerEvaluation {
  const { split } = ctx;
  const k = split.k;
  const movies = split.train.movies;
  const users = split.train.users;
  const itemIndex = new Map(movies.map((m, i) => [m.id, i]));
  const toIndices = (items: ScoredItem[]) => items.map((s) => itemIndex.get(s.movieId) ?? -1);

  const warm = new MetricAccumulator();
  const recommended = new Uint8Array(movies.length);
  const latencies: number[] = [];
  let popularitySum = 0;
  let bitsSum = 0;
  let recs = 0;
  let coldTargets = 0;
  let coldHits = 0;
  for (const u of ctx.warmUsers) {
    const userId = users[u].id;
    const exclude = ctx.trainItems.get(u) ?? NO_EXCLUDE;
    const t0 = process.hrtime.bigint();
    const ranked = toIndices(scorer.recommend(userId, k, exclude));
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const relevant = ctx.testItems.get(u) as Set<number>;
    warm.add(userMetrics(ranked, relevant, k));
    for (const i of ranked) {
      if (i < 0) continue;
      recommended[i] = 1;
      const p = ctx.itemPopularity[i];
      popularitySum += p;
      bitsSum += -Math.log2(Math.max(p, 1e-9));
      recs++;
    }
    for (const i of relevant) {
      if (ctx.itemInTrain[i]) continue;
      coldTargets++;
      if (ranked.includes(i)) coldHits++;
    }
  }

  const cold = new MetricAccumulator();
  let fallbacks = 0;
  for (const u of ctx.coldUsers) {
    const profile = users[u];
    const context = { profile: { age: profile.age, gender: profile.gender, occupation: profile.occupation } };
    let ranked = scorer.recommend(profile.id, k, NO_EXCLUDE, context);
    if (ranked.length === 0 && opts.fallback) {
      fallbacks++;
      ranked = opts.fallback.recommend(profile.id, k, NO_EXCLUDE, context);
    }
    cold.add(userMetrics(toIndices(ranked), ctx.testItems.get(u) as Set<number>, k));
  }

  let ratingRows = 0;
  let rmseValue: number | null = null;
  if (predictsRatings(scorer)) {
    const predicted: number[] = [];
    const actual: number[] = [];
    const { test } = split;
    for (let r = 0; r < test.userIndex.length; r++) {
      if (test.rating[r] <= 0 || !ctx.itemInTrain[test.itemIndex[r]]) continue;
      const p = scorer.predictRating(users[test.userIndex[r]].id, movies[test.itemIndex[r]].id);
      if (!Number.isFinite(p)) continue;
      predicted.push(Math.min(split.train.ratingScaleMax, Math.max(1, p)));
      actual.push(test.rating[r]);
    }
    ratingRows = predicted.length;
    rmseValue = rmse(predicted, actual);
  }

  let covered = 0;
  for (let i = 0; i < recommended.length; i++) covered += recommended[i];
  return {
    k,
    warm: { ...warm.mean(), users: warm.count },
    coldUsers: { ...cold.mean(), users: cold.count, fallbackShare: cold.count ? fallbacks / cold.count : 0 },
    coldItems: {
      testRowShare: ctx.coldItemRowShare,
      recall: coldTargets ? coldHits / coldTargets : 0,
      targets: coldTargets,
    },
    coverage: covered / Math.max(1, movies.length),
    meanPopularity: recs ? popularitySum / recs : 0,
    noveltyBits: recs ? bitsSum / recs : 0,
    rmse: rmseValue,
    ratingRows,
    latencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    },
  };
}
