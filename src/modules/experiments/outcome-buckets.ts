import { RecommendationOutcome } from './online-join';

/** Upper bounds (ms) of the latency histogram kept per bucket; the last bucket is open-ended. */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 200, 300, 400, 600, 800, 1000, 2000] as const;

/** Per experiment, arm, model version and minute (of the response): what the analysis and plots read. */
export interface OutcomeBucket {
  readonly experimentId: string;
  readonly arm: string;
  readonly modelVersion: string;
  readonly bucketStart: Date;
  recommendations: number;
  conversions: number;
  errors: number;
  watchMinutes: number;
  watchMinutesSquares: number;
  ratingSum: number;
  ratingCount: number;
  latencySumMs: number;
  latencyHistogram: number[];
}

/** Per experiment and user: the unit of analysis (users are what is randomised). */
export interface UserOutcome {
  readonly experimentId: string;
  readonly userId: number;
  readonly arm: string;
  recommendations: number;
  conversions: number;
  watchMinutes: number;
}

export function latencyBucket(latencyMs: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (latencyMs <= LATENCY_BOUNDS_MS[i]) return i;
  return LATENCY_BOUNDS_MS.length;
}

/** The q-quantile of a latency histogram, as the upper bound of the bucket it falls in (conservative). */
export function histogramQuantile(histogram: readonly number[], q: number): number {
  const total = histogram.reduce((s, c) => s + c, 0);
  if (total === 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= rank) return i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : Infinity;
  }
  return Infinity;
}

export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
}

/**
 * Accumulates finalised outcomes as increments until the next flush. Only
 * responses attributed to an experiment are kept (the Prometheus counters
 * cover the rest).
 */
export class OutcomeAccumulator {
  private buckets = new Map<string, OutcomeBucket>();
  private users = new Map<string, UserOutcome>();

  constructor(private readonly bucketMs = 60_000) {}

  add(outcome: RecommendationOutcome): void {
    const { experimentId, arm, modelVersion } = outcome.attribution;
    if (!experimentId) return;
    const start = Math.floor(outcome.at / this.bucketMs) * this.bucketMs;
    const key = `${experimentId}\u0000${arm}\u0000${modelVersion}\u0000${start}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = {
        experimentId,
        arm,
        modelVersion,
        bucketStart: new Date(start),
        recommendations: 0,
        conversions: 0,
        errors: 0,
        watchMinutes: 0,
        watchMinutesSquares: 0,
        ratingSum: 0,
        ratingCount: 0,
        latencySumMs: 0,
        latencyHistogram: emptyHistogram(),
      };
      this.buckets.set(key, b);
    }
    b.recommendations++;
    if (outcome.converted) b.conversions++;
    if (outcome.status !== 200) b.errors++;
    b.watchMinutes += outcome.watchMinutes;
    b.watchMinutesSquares += outcome.watchMinutes * outcome.watchMinutes;
    b.ratingSum += outcome.ratingSum;
    b.ratingCount += outcome.ratingCount;
    b.latencySumMs += outcome.latencyMs;
    b.latencyHistogram[latencyBucket(outcome.latencyMs)]++;
    if (outcome.attribution.perUser === false) return;

    const userKey = `${experimentId}\u0000${outcome.userId}`;
    let u = this.users.get(userKey);
    if (!u) {
      u = { experimentId, userId: outcome.userId, arm, recommendations: 0, conversions: 0, watchMinutes: 0 };
      this.users.set(userKey, u);
    }
    u.recommendations++;
    if (outcome.converted) u.conversions++;
    u.watchMinutes += outcome.watchMinutes;
  }

  get pending(): number {
    return this.buckets.size + this.users.size;
  }

  /** Hands over what accumulated and starts afresh. */
  drain(): { buckets: OutcomeBucket[]; users: UserOutcome[] } {
    const out = { buckets: [...this.buckets.values()], users: [...this.users.values()] };
    this.buckets = new Map();
    this.users = new Map();
    return out;
  }

  /** Puts a failed flush back (merged with anything added meanwhile). */
  restore(drained: { buckets: OutcomeBucket[]; users: UserOutcome[] }): void {
    for (const b of drained.buckets) {
      const key = `${b.experimentId}\u0000${b.arm}\u0000${b.modelVersion}\u0000${b.bucketStart.getTime()}`;
      const cur = this.buckets.get(key);
      if (!cur) this.buckets.set(key, b);
      else {
        cur.recommendations += b.recommendations;
        cur.conversions += b.conversions;
        cur.errors += b.errors;
        cur.watchMinutes += b.watchMinutes;
        cur.watchMinutesSquares += b.watchMinutesSquares;
        cur.ratingSum += b.ratingSum;
        cur.ratingCount += b.ratingCount;
        cur.latencySumMs += b.latencySumMs;
        b.latencyHistogram.forEach((c, i) => (cur.latencyHistogram[i] += c));
      }
    }
    for (const u of drained.users) {
      const key = `${u.experimentId}\u0000${u.userId}`;
      const cur = this.users.get(key);
      if (!cur) this.users.set(key, u);
      else {
        cur.recommendations += u.recommendations;
        cur.conversions += u.conversions;
        cur.watchMinutes += u.watchMinutes;
      }
    }
  }
}
