import { accountLine, LogTimeFormatter, ratingLine, recommendationLine, watchLine } from '@lib/movielog';
import { GENRES } from '../catalog/genres';
import type { LineSink } from '../output/line-sink';
import type { RecommendationResponse, Recommender } from '../output/http-recommender';
import { AliasTable, Rng } from '../random';
import { World } from '../world';
import { AttackPlan, fakeProfile } from './attack';
import { EventQueue } from './event-queue';

export interface SimulationOptions {
  /** Simulated duration in ms from the world's start. */
  readonly durationMs: number;
  readonly ratingScaleMax?: number;
  /** The service under test; without it users browse on their own. */
  readonly recommender?: Recommender;
  readonly attack?: AttackPlan;
  /** Pace output so simulated time follows wall-clock time (× speed). */
  readonly realtime?: boolean;
  readonly speed?: number;
  /** Upper bound on lines per wall-clock second (paces output); 0 = unpaced. */
  readonly maxLinesPerSecond?: number;
  /** Lines per sink.write call. */
  readonly batchLines?: number;
  /**
   * Simulate only the users with index % count === index (each shard draws its own random stream).
   * Shards of one world can run in parallel (worker threads) and be merged by time.
   */
  readonly shard?: { readonly index: number; readonly count: number };
  onProgress?(progress: SimulationProgress): void;
  /** Observes every followed recommendation (closed-loop bookkeeping for tests and reports). */
  onRecommendationFollowed?(
    userId: number,
    movieId: string,
    rank: number,
    requestTime: number,
    watchTime: number,
  ): void;
}

export interface SimulationProgress {
  readonly simTime: number;
  readonly fraction: number;
  readonly lines: number;
}

export interface SimulationStats {
  lines: number;
  watchLines: number;
  rateLines: number;
  requestLines: number;
  accountLines: number;
  sessions: number;
  watches: number;
  abandonedWatches: number;
  recommendationRequests: number;
  watchesFromRecommendations: number;
  fakeRatings: number;
}

/** Counters of a simulation that has not produced anything yet. */
export function emptySimulationStats(): SimulationStats {
  return {
    lines: 0,
    watchLines: 0,
    rateLines: 0,
    requestLines: 0,
    accountLines: 0,
    sessions: 0,
    watches: 0,
    abandonedWatches: 0,
    recommendationRequests: 0,
    watchesFromRecommendations: 0,
    fakeRatings: 0,
  };
}

enum Step {
  Choose,
  Watch,
  Rate,
  Account,
  FakeRating,
}

interface Session {
  step: Step;
  user: number;
  movie: number;
  minute: number;
  stopMinute: number;
  like: number;
  completed: boolean;
  queue: Array<[number, number]> | null;
}

const MINUTE = 60_000;
const HISTORY = 8;
/** Browsing candidates examined per choice, and the strength of taste in the choice. */
const BROWSE_CANDIDATES = 24;
const CHOICE_TEMPERATURE = 3.2;
/** Salience of a recommended item that was examined (it is right in front of the user). */
const RECOMMENDATION_SALIENCE = 1.0;

/**
 * Discrete-event simulation of the platform: sessions arrive as a Poisson
 * process (superposition of per-user rates, thinned by a diurnal curve), and
 * each session is a small state machine (ask for recommendations → choose →
 * watch minute by minute → maybe rate → maybe choose again). Events leave in
 * time order through a heap, so memory is bounded by concurrent sessions.
 */
export class Simulation {
  readonly stats: SimulationStats = emptySimulationStats();
  private readonly rng: Rng;
  private readonly inShard: (user: number) => boolean;
  private readonly queue = new EventQueue();
  private readonly sessions: Session[] = [];
  private readonly free: number[] = [];
  private readonly clock = new LogTimeFormatter();
  private readonly history: Int32Array;
  private readonly historyNext: Uint8Array;
  private readonly popularity: AliasTable;
  private readonly byGenre: Array<{ table: AliasTable; movies: Int32Array } | null>;
  private readonly arrivals: AliasTable | null;
  private readonly totalRate: number;
  private readonly scale: number;
  private readonly start: number;
  private readonly end: number;
  private readonly popularMovies: number[];
  private readonly affinity = new Float64Array(GENRES.length);
  private readonly candidates = new Int32Array(256);
  private readonly candidateScores = new Float64Array(256);
  private readonly candidateRank = new Int32Array(256);
  private buffer: string[] = [];
  private bufferTimes: number[] = [];
  /** Time of the event being processed (every line carries it). */
  private now = 0;
  private pacingStartedAt = 0;
  private lastProgressAt = 0;

  constructor(
    private readonly world: World,
    private readonly sink: LineSink,
    private readonly options: SimulationOptions,
  ) {
    const { catalog, population, taste } = world;
    const shard = options.shard ?? { index: 0, count: 1 };
    this.inShard = (u: number): boolean => shard.count === 1 || u % shard.count === shard.index;
    this.rng =
      shard.count === 1
        ? Rng.for(world.options.seed, 'simulation')
        : Rng.for(world.options.seed, 'simulation', shard.index, shard.count);
    this.scale = options.ratingScaleMax ?? 5;
    this.start = world.options.start;
    this.end = this.start + options.durationMs;
    this.history = new Int32Array(population.size * HISTORY).fill(-1);
    this.historyNext = new Uint8Array(population.size);
    this.popularity = new AliasTable(catalog.traits.appeal);
    this.byGenre = GENRES.map((_, g) => {
      const movies: number[] = [];
      for (let m = 0; m < catalog.movies.length; m++) if (catalog.traits.genreMask[m] & (1 << g)) movies.push(m);
      if (movies.length === 0) return null;
      return { table: new AliasTable(movies.map((m) => catalog.traits.appeal[m])), movies: Int32Array.from(movies) };
    });
    let total = 0;
    let activity: ArrayLike<number> = taste.activity;
    if (shard.count > 1) {
      const own = new Float64Array(population.size);
      for (let u = shard.index; u < population.size; u += shard.count) own[u] = taste.activity[u];
      activity = own;
    }
    for (let u = 0; u < population.size; u++) total += activity[u];
    this.totalRate = total / 86_400_000; // sessions per ms
    this.arrivals = total > 0 ? new AliasTable(activity) : null;
    this.popularMovies = Array.from({ length: catalog.movies.length }, (_, i) => i)
      .sort((a, b) => catalog.traits.appeal[b] - catalog.traits.appeal[a] || a - b)
      .slice(0, 100);
  }

  async run(): Promise<SimulationStats> {
    const { population } = this.world;
    this.pacingStartedAt = Date.now();
    // Accounts created during the window.
    for (let u = 0; u < population.realUsers; u++) {
      if (!this.inShard(u)) continue;
      const t = population.createdAt[u];
      if (t >= this.start && t < this.end) this.schedule(t, this.newSession(Step.Account, u));
    }
    const attack = this.options.attack;
    if (attack) {
      const span = attack.end - attack.start;
      for (const f of attack.fakes) {
        if (!this.inShard(f)) continue;
        const t = attack.start + this.rng.float() * span;
        if (t < this.end) this.schedule(t, this.newSession(Step.Account, f));
      }
    }

    let nextArrival = this.drawArrival(this.start);
    for (;;) {
      const heapTime = this.queue.peekTime();
      const t = Math.min(nextArrival, heapTime);
      if (t >= this.end) break;
      if (this.options.realtime || this.options.maxLinesPerSecond) await this.pace(t);
      if (nextArrival <= heapTime) {
        const user = this.arrivals!.sample(this.rng);
        this.now = t;
        if (population.createdAt[user] <= t) {
          this.stats.sessions++;
          const pending = this.choose(this.newSession(Step.Choose, user), t);
          if (pending) await pending;
        }
        nextArrival = this.drawArrival(t);
      } else {
        const slot = this.queue.pop();
        this.now = t;
        // Only recommendation requests wait (HTTP); everything else stays synchronous, which keeps
        // ~40M events free of a promise and a microtask each.
        const pending = this.step(slot, t);
        if (pending) await pending;
      }
      if (this.buffer.length >= (this.options.batchLines ?? 4096)) {
        await this.flush();
        this.report(t);
      }
    }
    await this.flush();
    this.report(this.end, true);
    return this.stats;
  }

  private drawArrival(after: number): number {
    if (!this.arrivals || this.totalRate <= 0) return Infinity;
    // Thinning (Lewis & Shedler 1979) against a diurnal intensity peaking in the evening.
    const peak = 1.6;
    let t = after;
    for (;;) {
      t += this.rng.exponential(1 / (this.totalRate * peak));
      if (t >= this.end) return Infinity;
      if (this.rng.float() * peak < diurnal(t)) return t;
    }
  }

  private step(slot: number, t: number): Promise<void> | void {
    const s = this.sessions[slot];
    switch (s.step) {
      case Step.Choose:
        return this.choose(slot, t);
      case Step.Watch:
        return this.watchMinute(slot, t);
      case Step.Rate: {
        this.emit(
          ratingLine(this.clock.seconds(t), this.world.population.ids[s.user], this.movieId(s.movie), this.rating(s)),
        );
        this.stats.rateLines++;
        return this.afterWatch(slot, t);
      }
      case Step.Account: {
        this.emit(accountLine(this.clock.seconds(t), this.world.population.ids[s.user]));
        this.stats.accountLines++;
        if (this.world.population.isFake(s.user)) {
          s.step = Step.FakeRating;
          s.queue = fakeProfile(this.world, this.options.attack!, s.user, this.scale, this.popularMovies);
          this.schedule(t + 15_000 + this.rng.float() * 60_000, slot);
        } else {
          // A new user starts browsing shortly after signing up.
          this.stats.sessions++;
          s.step = Step.Choose;
          this.schedule(t + 30_000 + this.rng.float() * 300_000, slot);
        }
        return;
      }
      case Step.FakeRating: {
        const next = s.queue!.shift();
        if (!next) return this.release(slot);
        this.emit(ratingLine(this.clock.seconds(t), this.world.population.ids[s.user], this.movieId(next[0]), next[1]));
        this.stats.rateLines++;
        this.stats.fakeRatings++;
        if (s.queue!.length === 0) return this.release(slot);
        this.schedule(t + 3_000 + this.rng.float() * 20_000, slot);
        return;
      }
    }
  }

  /** The user looks at recommendations (if the platform has a recommender) and browses, then picks or leaves. */
  private choose(slot: number, t: number): Promise<void> | void {
    const recommender = this.options.recommender;
    if (!recommender) return this.decide(slot, t, null);
    const userId = this.world.population.ids[this.sessions[slot].user];
    return recommender.recommend(userId).then((response) => this.decide(slot, t, response));
  }

  private decide(slot: number, t: number, response: RecommendationResponse | null): void {
    const s = this.sessions[slot];
    const { taste, population, catalog } = this.world;
    const u = s.user;
    const minor = population.isMinor(u);
    let n = 0;
    let ready = t;
    const recommender = this.options.recommender;
    if (recommender && response) {
      const userId = population.ids[u];
      this.stats.recommendationRequests++;
      this.stats.requestLines++;
      this.emit(
        recommendationLine(
          this.clock.millis(t),
          userId,
          recommender.address,
          response.status,
          response.items.join(','),
          response.latencyMs,
        ),
      );
      ready = t + response.latencyMs;
      for (let r = 0; r < response.items.length && n < 128; r++) {
        const m = catalog.indexById.get(response.items[r]);
        // Attention falls with rank (position bias; Joachims et al. 2005).
        if (m === undefined || this.rng.float() > 0.95 / (1 + 0.15 * r)) continue;
        if (!this.watchable(u, m, t, minor)) continue;
        this.candidates[n] = m;
        this.candidateRank[n] = r;
        this.candidateScores[n] = CHOICE_TEMPERATURE * taste.utility(u, m, t) + RECOMMENDATION_SALIENCE;
        n++;
      }
    }
    // Browsing: popular titles and titles from genres the user likes.
    taste.genreAffinity(u, this.affinity);
    let maxA = -Infinity;
    for (let g = 0; g < this.affinity.length; g++) if (this.affinity[g] > maxA) maxA = this.affinity[g];
    for (let g = 0; g < this.affinity.length; g++)
      this.affinity[g] = this.byGenre[g] ? Math.exp(2.5 * (this.affinity[g] - maxA)) : 0;
    for (let b = 0; b < BROWSE_CANDIDATES; b++) {
      let m: number;
      if (this.rng.float() < 0.5) m = this.popularity.sample(this.rng);
      else {
        const pool = this.byGenre[this.rng.weighted(this.affinity)]!;
        m = pool.movies[pool.table.sample(this.rng)];
      }
      if (!this.watchable(u, m, t, minor)) continue;
      this.candidates[n] = m;
      this.candidateRank[n] = -1;
      this.candidateScores[n] = CHOICE_TEMPERATURE * taste.utility(u, m, t);
      n++;
    }
    // Softmax choice with an outside option (leave without watching).
    let max = CHOICE_TEMPERATURE * taste.userThreshold[u];
    for (let i = 0; i < n; i++) if (this.candidateScores[i] > max) max = this.candidateScores[i];
    let total = Math.exp(CHOICE_TEMPERATURE * taste.userThreshold[u] - max) * 3;
    for (let i = 0; i < n; i++) total += Math.exp(this.candidateScores[i] - max);
    let x = this.rng.float() * total;
    let chosen = -1;
    for (let i = 0; i < n; i++) {
      x -= Math.exp(this.candidateScores[i] - max);
      if (x < 0) {
        chosen = i;
        break;
      }
    }
    if (chosen < 0) {
      // Nothing appealed: sometimes browse again, otherwise leave.
      if (this.rng.float() < 0.3) {
        s.step = Step.Choose;
        this.schedule(ready + 30_000 + this.rng.float() * 90_000, slot);
      } else this.release(slot);
      return;
    }
    const m = this.candidates[chosen];
    const watchStart = ready + 5_000 + this.rng.float() * 85_000;
    if (this.candidateRank[chosen] >= 0) {
      this.stats.watchesFromRecommendations++;
      this.options.onRecommendationFollowed?.(
        population.ids[u],
        this.movieId(m),
        this.candidateRank[chosen],
        t,
        watchStart,
      );
    }
    this.startWatching(slot, m, watchStart);
  }

  private startWatching(slot: number, m: number, at: number): void {
    const s = this.sessions[slot];
    const { taste, catalog } = this.world;
    const runtime = catalog.traits.runtime[m];
    // Enjoyment of this viewing: expected utility plus the surprise of actually watching it.
    s.like = taste.utility(s.user, m, at) + 0.45 * this.rng.normal() - taste.userThreshold[s.user];
    s.movie = m;
    s.minute = 0;
    if (s.like > 0) {
      // Liked: watched to the end, sometimes skipping the credits.
      s.completed = true;
      s.stopMinute =
        this.rng.float() < 0.3 ? Math.max(1, Math.round(runtime * (0.9 + 0.1 * this.rng.float()))) : runtime;
    } else {
      // Disliked: stops early; the worse the fit, the earlier.
      s.completed = false;
      const frac = 0.02 + 0.35 * this.rng.float() * Math.exp(1.5 * s.like);
      s.stopMinute = Math.max(1, Math.min(runtime - 1, Math.round(runtime * frac)));
    }
    s.step = Step.Watch;
    this.stats.watches++;
    if (!s.completed) this.stats.abandonedWatches++;
    const h = s.user * HISTORY + this.historyNext[s.user];
    this.history[h] = m;
    this.historyNext[s.user] = (this.historyNext[s.user] + 1) % HISTORY;
    this.schedule(at, slot);
  }

  private watchMinute(slot: number, t: number): void {
    const s = this.sessions[slot];
    this.emit(watchLine(this.clock.seconds(t), this.world.population.ids[s.user], this.movieId(s.movie), s.minute));
    this.stats.watchLines++;
    s.minute++;
    if (s.minute < s.stopMinute) {
      this.schedule(t + MINUTE + (this.rng.float() - 0.5) * 400, slot);
      return;
    }
    const rateProbability = this.world.taste.rateProbability[s.user] * (s.completed ? 1 : 0.35);
    if (this.rng.float() < rateProbability) {
      s.step = Step.Rate;
      this.schedule(t + 20_000 + this.rng.float() * 160_000, slot);
    } else this.afterWatch(slot, t);
  }

  private afterWatch(slot: number, t: number): void {
    if (this.rng.float() < 0.35) {
      this.sessions[slot].step = Step.Choose;
      this.schedule(t + 30_000 + this.rng.float() * 270_000, slot);
    } else this.release(slot);
  }

  private rating(s: Session): number {
    // Ratings follow enjoyment; ~3.5 on average on a 1–5 scale, like MovieLens.
    const r5 = 2.8 + 1.0 * s.like + 0.55 * this.rng.normal();
    return Math.max(1, Math.min(this.scale, Math.round(1 + ((r5 - 1) * (this.scale - 1)) / 4)));
  }

  private watchable(u: number, m: number, t: number, minor: boolean): boolean {
    const traits = this.world.catalog.traits;
    if (traits.availableFrom[m] > t) return false;
    if (minor && traits.adult[m]) return false;
    const base = u * HISTORY;
    for (let k = 0; k < HISTORY; k++) if (this.history[base + k] === m) return false;
    return true;
  }

  private movieId(m: number): string {
    return this.world.catalog.movies[m].id;
  }

  private newSession(step: Step, user: number): number {
    const slot = this.free.pop();
    if (slot !== undefined) {
      const s = this.sessions[slot];
      s.step = step;
      s.user = user;
      s.queue = null;
      return slot;
    }
    this.sessions.push({ step, user, movie: -1, minute: 0, stopMinute: 0, like: 0, completed: false, queue: null });
    return this.sessions.length - 1;
  }

  private release(slot: number): void {
    this.sessions[slot].queue = null;
    this.free.push(slot);
  }

  private schedule(t: number, slot: number): void {
    this.queue.push(t, slot);
  }

  private emit(line: string): void {
    this.buffer.push(line);
    this.bufferTimes.push(this.now);
    this.stats.lines++;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    const times = this.bufferTimes;
    this.buffer = [];
    this.bufferTimes = [];
    await this.sink.write(lines, times);
  }

  private report(t: number, force = false): void {
    if (!this.options.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastProgressAt < 500) return;
    this.lastProgressAt = now;
    this.options.onProgress({
      simTime: t,
      fraction: Math.min(1, (t - this.start) / (this.end - this.start)),
      lines: this.stats.lines,
    });
  }

  private async pace(t: number): Promise<void> {
    let waitMs = 0;
    if (this.options.realtime) {
      const due = this.pacingStartedAt + (t - this.start) / (this.options.speed ?? 1);
      waitMs = Math.max(waitMs, due - Date.now());
    }
    const rate = this.options.maxLinesPerSecond ?? 0;
    if (rate > 0) {
      const due = this.pacingStartedAt + (this.stats.lines / rate) * 1000;
      waitMs = Math.max(waitMs, due - Date.now());
    }
    if (waitMs > 5) {
      await this.flush();
      this.report(t);
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 1000)));
    }
    this.report(t);
  }
}

/** Relative session intensity by hour of day (UTC as local time): low at night, peak around 20:00. */
function diurnal(t: number): number {
  const hour = (t / 3_600_000) % 24;
  return 1 + 0.6 * Math.cos(((hour - 20) / 24) * 2 * Math.PI);
}
