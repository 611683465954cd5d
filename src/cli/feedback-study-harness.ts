/**
 * Feedback-loop study on the behaviour simulator (issue 10). In compressed
 * time, each cycle retrains a model on everything its arm has logged so far
 * (data its own recommendations shaped), then simulated users choose for one
 * cycle with those recommendations. Three arms share the world, the warm-up
 * history and the random numbers of every cycle (common random numbers):
 *   control   — users browse without recommendations;
 *   loop      — the model's top 20 (serving's logic: exclude seen, popularity for unknown users);
 *   mitigated — the same plus the serving re-rank stage (SERVING_RERANK);
 *   frozen    — the model of cycle 1 served unchanged (never retrained): the difference
 *               between loop and frozen is what retraining on self-shaped data does.
 *
 * The service side sees only behaviour (watch/rate lines turned into an
 * InteractionDataset); the world's hidden tastes are read only to measure
 * how far observed behaviour is from them.
 */
import { InteractionDataset, MovieProfile, UserProfile } from '@lib/dataset';
import {
  trainRecipeScorer,
  entropyBits,
  gini,
  topShare,
  type FeedbackCycle,
  RerankMode,
  ServingReranker,
} from '@modules/fairness';
import { Scorer } from '@lib/artifacts';
import { GENRES } from '@world/catalog/genres';
import type { RecommendationResponse, Recommender } from '@world/output/http-recommender';
import type { LineSink } from '@world/output/line-sink';
import { Simulation, SimulationStats } from '@world/simulator/engine';
import { OCCUPATIONS } from '@world/users/population';
import { createWorld, World } from '@world/world';

const DAY_MS = 86_400_000;
/** Serving's list length and candidate count (src/modules/serving/recommendation.service.ts). */
const LIST_LENGTH = 20;
const CANDIDATES = 40;

export type ArmName = 'control' | 'loop' | 'mitigated' | 'frozen';
export const ARMS: readonly ArmName[] = ['control', 'loop', 'mitigated', 'frozen'];

export interface FeedbackStudyOptions {
  readonly cycles: number;
  readonly users: number;
  readonly movies: number;
  readonly seed: number;
  /** Simulated days per retraining cycle. */
  readonly cycleDays?: number;
  /** Days of recommendation-free history before the first model. */
  readonly warmupDays?: number;
  /** Mean sessions per user per day. */
  readonly activity?: number;
  readonly modelType?: string;
  readonly modelParams?: Record<string, unknown>;
  readonly mitigation?: { readonly mode: Exclude<RerankMode, 'none'>; readonly strength: number };
  onCycle?(arm: ArmName, metrics: CycleMetrics): void;
}

/** A cycle's report figures (FeedbackCycle) and the counts behind them. */
export interface CycleMetrics extends FeedbackCycle {
  readonly sessions: number;
  readonly watches: number;
  readonly recommendationRequests: number;
  readonly tasteUsers: number;
  /** Rows the cycle's model was trained on (0 for control). */
  readonly trainingRows: number;
}

export interface FeedbackStudyResult {
  readonly options: Omit<Required<FeedbackStudyOptions>, 'onCycle'>;
  readonly arms: Record<ArmName, CycleMetrics[]>;
}

/** The store's view of one arm: (user, movie) rows as ingestion would aggregate them. */
class ArmLog {
  readonly rowOf = new Map<number, number>();
  readonly user: number[] = [];
  readonly item: number[] = [];
  readonly minutes: number[] = [];
  readonly rating: number[] = [];
  readonly time: number[] = [];
  readonly seen: Set<string>[];

  constructor(readonly users: number) {
    this.seen = Array.from({ length: users }, () => new Set<string>());
  }

  clone(): ArmLog {
    const copy = new ArmLog(this.users);
    for (const [k, v] of this.rowOf) copy.rowOf.set(k, v);
    copy.user.push(...this.user);
    copy.item.push(...this.item);
    copy.minutes.push(...this.minutes);
    copy.rating.push(...this.rating);
    copy.time.push(...this.time);
    this.seen.forEach((s, u) => s.forEach((m) => copy.seen[u].add(m)));
    return copy;
  }

  row(u: number, m: number, movies: number, t: number): number {
    const key = u * movies + m;
    let r = this.rowOf.get(key);
    if (r === undefined) {
      r = this.user.length;
      this.rowOf.set(key, r);
      this.user.push(u);
      this.item.push(m);
      this.minutes.push(0);
      this.rating.push(0);
      this.time.push(t);
    }
    return r;
  }
}

/** Counters of one arm in one cycle. */
class CycleTally {
  readonly watchesByMovie: Float64Array;
  readonly exposure: Float64Array;
  readonly genresByUser = new Map<number, Float64Array>();
  lists = 0;
  constructor(movies: number) {
    this.watchesByMovie = new Float64Array(movies);
    this.exposure = new Float64Array(movies);
  }
}

/** Parses the world's stream lines into the arm's log (what ingestion would store) and the cycle's tally. */
class StudySink implements LineSink {
  tally: CycleTally;
  constructor(
    private readonly world: World,
    private readonly log: ArmLog,
  ) {
    this.tally = new CycleTally(world.catalog.movies.length);
  }

  write(lines: readonly string[]): void {
    const { catalog, population } = this.world;
    const nM = catalog.movies.length;
    for (const line of lines) {
      const a = line.indexOf(',');
      const b = line.indexOf(',', a + 1);
      if (line.startsWith('GET /data/m/', b + 1)) {
        const slash = line.lastIndexOf('/');
        const m = catalog.indexById.get(line.slice(b + 13, slash));
        const u = population.indexOf(Number(line.slice(a + 1, b)));
        if (m === undefined || u < 0) continue;
        const minute = Number(line.slice(slash + 1, line.length - 4));
        const t = minute === 0 ? Date.parse(`${line.slice(0, a)}Z`) : 0;
        const r = this.log.row(u, m, nM, t);
        if (minute + 1 > this.log.minutes[r]) this.log.minutes[r] = minute + 1;
        if (minute === 0) {
          this.log.time[r] = t;
          this.log.seen[u].add(catalog.movies[m].id);
          this.countWatch(u, m);
        }
      } else if (line.startsWith('GET /rate/', b + 1)) {
        const eq = line.lastIndexOf('=');
        const m = catalog.indexById.get(line.slice(b + 11, eq));
        const u = population.indexOf(Number(line.slice(a + 1, b)));
        if (m === undefined || u < 0) continue;
        const t = Date.parse(`${line.slice(0, a)}Z`);
        const r = this.log.row(u, m, nM, t);
        this.log.rating[r] = Number(line.slice(eq + 1));
        this.log.time[r] = Math.max(this.log.time[r], t);
        this.log.seen[u].add(catalog.movies[m].id);
      }
    }
  }

  private countWatch(u: number, m: number): void {
    this.tally.watchesByMovie[m]++;
    let mix = this.tally.genresByUser.get(u);
    if (!mix) this.tally.genresByUser.set(u, (mix = new Float64Array(GENRES.length)));
    const mask = this.world.catalog.traits.genreMask[m];
    let count = 0;
    for (let g = 0; g < GENRES.length; g++) if (mask & (1 << g)) count++;
    for (let g = 0; g < GENRES.length; g++) if (mask & (1 << g)) mix[g] += 1 / Math.max(1, count);
  }

  async close(): Promise<void> {}
}

/** Serving's answer path in-process: model → popularity for unknown users → re-rank stage → top 20. */
class InProcessRecommender implements Recommender {
  readonly address = 'in-process:0';
  constructor(
    private readonly world: World,
    private readonly log: ArmLog,
    private readonly model: Scorer,
    private readonly coldStart: Scorer,
    private readonly reranker: ServingReranker | null,
    private readonly tally: () => CycleTally,
    private readonly clock: () => number,
  ) {}

  recommend(userId: number): Promise<RecommendationResponse> {
    const { population, catalog } = this.world;
    const u = population.indexOf(userId);
    const exclude = u >= 0 ? this.log.seen[u] : new Set<string>();
    const profile =
      u >= 0
        ? {
            age: population.age[u],
            gender: population.gender[u] === 0 ? ('M' as const) : ('F' as const),
            occupation: OCCUPATIONS[population.occupation[u]],
          }
        : undefined;
    let items = this.model.recommend(userId, CANDIDATES, exclude, { profile });
    if (items.length === 0) items = this.coldStart.recommend(userId, CANDIDATES, exclude, { profile });
    if (this.reranker) items = this.reranker.apply(userId, items, this.clock());
    const shown = items.slice(0, LIST_LENGTH).map((i) => i.movieId);
    const tally = this.tally();
    tally.lists++;
    for (const id of shown) {
      const m = catalog.indexById.get(id);
      if (m !== undefined) tally.exposure[m]++;
    }
    // A constant latency keeps the simulation reproducible (wall-clock latency would leak into the event times).
    return Promise.resolve({ status: 200, items: shown, latencyMs: 40 });
  }
}

function datasetOf(world: World, log: ArmLog, label: string): InteractionDataset {
  const { population, catalog } = world;
  const users: UserProfile[] = Array.from({ length: population.size }, (_, u) => ({
    id: population.ids[u],
    age: population.age[u],
    gender: population.gender[u] === 0 ? 'M' : 'F',
    occupation: OCCUPATIONS[population.occupation[u]],
  }));
  const movies: MovieProfile[] = catalog.movies.map((m) => ({
    id: m.id,
    genres: m.genres.map((g) => g.name),
    year: m.release_date ? Number(m.release_date.slice(0, 4)) : null,
    language: m.original_language,
    adult: m.adult,
    runtime: m.runtime,
  }));
  return {
    snapshotId: label,
    contentHash: `${label}:${log.user.length}`,
    users,
    movies,
    userIndex: Int32Array.from(log.user),
    itemIndex: Int32Array.from(log.item),
    watchMinutes: Float32Array.from(log.minutes),
    rating: Float32Array.from(log.rating),
    timestamp: Float64Array.from(log.time),
    ratingScaleMax: 5,
  };
}

function measure(
  world: World,
  cycle: number,
  stats: SimulationStats,
  tally: CycleTally,
  recommended: boolean,
  trainingRows: number,
): CycleMetrics {
  const nM = world.catalog.movies.length;
  const genreTotals = new Float64Array(GENRES.length);
  const affinity = new Float64Array(GENRES.length);
  const hasMovies = new Uint8Array(GENRES.length);
  for (let m = 0; m < nM; m++)
    for (let g = 0; g < GENRES.length; g++) if (world.catalog.traits.genreMask[m] & (1 << g)) hasMovies[g] = 1;
  let alignment = 0;
  let aligned = 0;
  for (const u of tallyUsers(tally)) {
    const mix = tally.genresByUser.get(u) as Float64Array;
    let watched = 0;
    for (let g = 0; g < GENRES.length; g++) {
      genreTotals[g] += mix[g];
      watched += mix[g];
    }
    if (watched < 2) continue;
    // Hidden genre preference as the world's own genre-led browsing weighs it (softmax of 2.5 × affinity).
    world.taste.genreAffinity(u, affinity);
    let max = -Infinity;
    for (let g = 0; g < GENRES.length; g++) if (hasMovies[g] && affinity[g] > max) max = affinity[g];
    let dot = 0;
    let pp = 0;
    let qq = 0;
    for (let g = 0; g < GENRES.length; g++) {
      const p = hasMovies[g] ? Math.exp(2.5 * (affinity[g] - max)) : 0;
      dot += p * mix[g];
      pp += p * p;
      qq += mix[g] * mix[g];
    }
    alignment += dot / Math.sqrt(pp * qq);
    aligned++;
  }
  let covered = 0;
  let exposed = 0;
  for (let m = 0; m < nM; m++) {
    if (tally.watchesByMovie[m] > 0) covered++;
    if (tally.exposure[m] > 0) exposed++;
  }
  return {
    cycle,
    sessions: stats.sessions,
    watches: stats.watches,
    recommendationRequests: stats.recommendationRequests,
    conversion: recommended
      ? stats.recommendationRequests
        ? stats.watchesFromRecommendations / stats.recommendationRequests
        : 0
      : null,
    watchesPerSession: stats.sessions ? stats.watches / stats.sessions : 0,
    completionRate: stats.watches ? (stats.watches - stats.abandonedWatches) / stats.watches : 0,
    exposureGini: recommended ? gini(tally.exposure) : null,
    exposureTop10Share: recommended ? topShare(tally.exposure, 0.1) : null,
    exposureCoverage: recommended ? exposed / nM : null,
    watchGini: gini(tally.watchesByMovie),
    watchCoverage: covered / nM,
    genreEntropy: entropyBits(genreTotals),
    tasteAlignment: aligned ? alignment / aligned : 0,
    tasteUsers: aligned,
    trainingRows,
  };
}

function tallyUsers(tally: CycleTally): number[] {
  return [...tally.genresByUser.keys()].sort((a, b) => a - b);
}

/** Runs the study; the same options (seed included) give the same result. */
export async function runFeedbackStudy(input: FeedbackStudyOptions): Promise<FeedbackStudyResult> {
  const options = {
    cycles: input.cycles,
    users: input.users,
    movies: input.movies,
    seed: input.seed,
    cycleDays: input.cycleDays ?? 2,
    warmupDays: input.warmupDays ?? 4,
    activity: input.activity ?? 1,
    modelType: input.modelType ?? 'als',
    modelParams: input.modelParams ?? { factors: 32, iterations: 8 },
    mitigation: input.mitigation ?? { mode: 'exposure' as const, strength: 0.5 },
  };
  const world = createWorld({
    seed: options.seed,
    users: options.users,
    movies: options.movies,
    activity: options.activity,
  });
  const start = world.options.start;
  /** The world as seen by one cycle's simulation: its clock starts later, its random stream is the cycle's. */
  const windowOf = (from: number, cycle: number): World => ({
    ...world,
    options: { ...world.options, start: from, seed: options.seed * 1_000 + cycle },
  });

  // Warm-up: recommendation-free behaviour, shared by the three arms.
  const warmLog = new ArmLog(world.population.size);
  const warmSink = new StudySink(world, warmLog);
  const warmStats = await new Simulation(windowOf(start, 0), warmSink, {
    durationMs: options.warmupDays * DAY_MS,
  }).run();
  const warm = measure(world, 0, warmStats, warmSink.tally, false, 0);
  const arms = {} as Record<ArmName, CycleMetrics[]>;
  const logs = {} as Record<ArmName, ArmLog>;
  const rerankers: Record<ArmName, ServingReranker | null> = {
    control: null,
    loop: null,
    frozen: null,
    mitigated: new ServingReranker({
      mode: options.mitigation.mode,
      strength: options.mitigation.strength,
      listLength: LIST_LENGTH,
    }),
  };
  for (const arm of ARMS) {
    arms[arm] = [warm];
    logs[arm] = warmLog.clone();
    input.onCycle?.(arm, warm);
  }

  let frozenModels: { model: Scorer; coldStart: Scorer } | null = null;
  for (let c = 1; c <= options.cycles; c++) {
    const from = start + (options.warmupDays + (c - 1) * options.cycleDays) * DAY_MS;
    for (const arm of ARMS) {
      const log = logs[arm];
      const sink = new StudySink(world, log);
      let recommender: Recommender | undefined;
      let rows = 0;
      if (arm !== 'control') {
        let models: { model: Scorer; coldStart: Scorer } | null = arm === 'frozen' ? frozenModels : null;
        if (!models) {
          const data = datasetOf(world, log, `feedback-${arm}-cycle-${c}`);
          rows = data.userIndex.length;
          const seed = options.seed + c;
          models = {
            model: await trainRecipeScorer(data, { modelType: options.modelType, params: options.modelParams, seed }),
            coldStart: await trainRecipeScorer(data, { modelType: 'popularity', params: {}, seed }),
          };
          if (arm === 'frozen') frozenModels = models;
        }
        const { model, coldStart } = models;
        // The exploration key's day is the cycle's first simulated day (one stable list per user and cycle).
        recommender = new InProcessRecommender(
          world,
          log,
          model,
          coldStart,
          rerankers[arm],
          () => sink.tally,
          () => from,
        );
      }
      const stats = await new Simulation(windowOf(from, c), sink, {
        durationMs: options.cycleDays * DAY_MS,
        recommender,
      }).run();
      const metrics = measure(world, c, stats, sink.tally, arm !== 'control', rows);
      arms[arm].push(metrics);
      input.onCycle?.(arm, metrics);
    }
  }
  return { options, arms };
}
