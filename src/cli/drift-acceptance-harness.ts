/**
 * Drift acceptance: the simulator runs the same world (same seed) twice, once
 * with stable tastes (`--drift 0`) and once with the taste-drift scenario. The
 * first `snapshotDays` simulated days are the "training snapshot" (its last day
 * is the reference window), the last day is the "recent window"; both are compared with the drift service's own math
 * (profileDataset / profileRecentWindow / compareProfiles). Writes
 * reports/drift/acceptance.json. The no-drift run must pass, the drift run must not.
 *
 * The simulator's lines are parsed with ingestion's parser and aggregated the
 * way the store aggregates them (watches: one aggregate per user and movie;
 * ratings: the latest rating per user and movie), without a database.
 */
import { parseLogLine, ParseOptions } from '@lib/movielog';
import type { InteractionDataset } from '@lib/dataset';
import {
  addCount,
  compareProfiles,
  DEFAULT_DRIFT_THRESHOLDS,
  DriftComparison,
  DriftThresholds,
  profileDataset,
  profileRecentWindow,
  RecentWindow,
} from '@modules/monitoring';
import type { LineSink } from '@world/output/line-sink';
import { Simulation } from '@world/simulator/engine';
import { createWorld } from '@world/world';

const DAY = 86_400_000;

export interface DriftScenario {
  readonly seed: number;
  readonly users: number;
  readonly movies: number;
  readonly days: number;
  /** The training snapshot holds days [0, snapshotDays); the recent window is the last day. */
  readonly snapshotDays: number;
  /** Taste drift per 30 simulated days (the simulator's --drift). */
  readonly drift: number;
  readonly activity?: number;
  readonly thresholds?: DriftThresholds;
}

interface PairState {
  maxMinute: number;
  watchedAt: number;
  rating: number;
  ratedAt: number;
}

/** Aggregates one time window of stream lines like the store does. */
class WindowAggregator {
  readonly pairs = new Map<string, PairState>();
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  accept(at: number, userId: number, movieId: string, minute: number | null, rating: number | null): void {
    if (at < this.start || at >= this.end) return;
    const key = `${userId}\t${movieId}`;
    let pair = this.pairs.get(key);
    if (!pair) {
      pair = { maxMinute: -1, watchedAt: 0, rating: 0, ratedAt: 0 };
      this.pairs.set(key, pair);
    }
    if (minute !== null) {
      pair.maxMinute = Math.max(pair.maxMinute, minute);
      pair.watchedAt = Math.max(pair.watchedAt, at);
    }
    if (rating !== null && at >= pair.ratedAt) {
      pair.rating = rating;
      pair.ratedAt = at;
    }
  }
}

export interface ScenarioResult {
  readonly scenario: DriftScenario;
  readonly lines: number;
  readonly comparison: DriftComparison;
}

export async function runDriftScenario(scenario: DriftScenario): Promise<ScenarioResult> {
  const world = createWorld({
    seed: scenario.seed,
    users: scenario.users,
    movies: scenario.movies,
    drift: scenario.drift,
    activity: scenario.activity ?? 0.5,
  });
  const start = world.options.start;
  const reference = new WindowAggregator(start, start + scenario.snapshotDays * DAY);
  const recent = new WindowAggregator(start + (scenario.days - 1) * DAY, start + scenario.days * DAY);
  const parse: ParseOptions = {
    ratingScaleMax: 5,
    maxLineBytes: 8192,
    now: start + (scenario.days + 1) * DAY,
    maxFutureSkewMs: 0,
  };
  let lines = 0;
  const sink: LineSink = {
    write(batch) {
      for (const raw of batch) {
        lines++;
        const line = parseLogLine(raw, parse);
        if (line.type === 'watch') {
          reference.accept(line.at, line.userId, line.movieId, line.minute, null);
          recent.accept(line.at, line.userId, line.movieId, line.minute, null);
        } else if (line.type === 'rating') {
          reference.accept(line.at, line.userId, line.movieId, null, line.rating);
          recent.accept(line.at, line.userId, line.movieId, null, line.rating);
        }
      }
    },
    async close() {},
  };
  await new Simulation(world, sink, { durationMs: scenario.days * DAY }).run();

  const genresOf = new Map(world.catalog.movies.map((m) => [m.id, m.genres.map((g) => g.name)]));
  const dataset = toDataset(reference, genresOf, `sim-seed${scenario.seed}-drift${scenario.drift}`);
  const ref = profileDataset(dataset, DAY);
  const cur = profileRecentWindow(toRecentWindow(recent, genresOf), ref);
  return { scenario, lines, comparison: compareProfiles(ref, cur, scenario.thresholds ?? DEFAULT_DRIFT_THRESHOLDS) };
}

function toDataset(
  window: WindowAggregator,
  genresOf: ReadonlyMap<string, readonly string[]>,
  snapshotId: string,
): InteractionDataset {
  const userIdx = new Map<number, number>();
  const movieIdx = new Map<string, number>();
  const n = window.pairs.size;
  const userIndex = new Int32Array(n);
  const itemIndex = new Int32Array(n);
  const watchMinutes = new Float32Array(n);
  const rating = new Float32Array(n);
  const timestamp = new Float64Array(n);
  let i = 0;
  for (const [key, pair] of window.pairs) {
    const [user, movie] = key.split('\t');
    const u = Number(user);
    if (!userIdx.has(u)) userIdx.set(u, userIdx.size);
    if (!movieIdx.has(movie)) movieIdx.set(movie, movieIdx.size);
    userIndex[i] = userIdx.get(u) as number;
    itemIndex[i] = movieIdx.get(movie) as number;
    watchMinutes[i] = pair.maxMinute + 1;
    rating[i] = pair.rating;
    timestamp[i] = Math.max(pair.watchedAt, pair.ratedAt);
    i++;
  }
  return {
    snapshotId,
    contentHash: snapshotId,
    users: [...userIdx.keys()].map((id) => ({ id, age: null, gender: null, occupation: null })),
    movies: [...movieIdx.keys()].map((id) => ({
      id,
      genres: genresOf.get(id) ?? [],
      year: null,
      language: null,
      adult: false,
      runtime: null,
    })),
    userIndex,
    itemIndex,
    watchMinutes,
    rating,
    timestamp,
    ratingScaleMax: 5,
  };
}

function toRecentWindow(window: WindowAggregator, genresOf: ReadonlyMap<string, readonly string[]>): RecentWindow {
  const userActivity = new Map<number, number>();
  const movieWatches = new Map<string, number>();
  const genres = new Map<string, number>();
  const ratings = new Map<number, number>();
  for (const [key, pair] of window.pairs) {
    const [user, movie] = key.split('\t');
    addCount(userActivity, Number(user));
    if (pair.maxMinute >= 0) {
      addCount(movieWatches, movie);
      for (const g of genresOf.get(movie) ?? []) addCount(genres, g);
    }
    if (pair.rating > 0) addCount(ratings, pair.rating);
  }
  return {
    windowStart: window.start,
    windowEnd: window.end,
    userActivity,
    movieWatches,
    genres,
    ratings,
    servedItems: new Map(),
  };
}

/** A compact, JSON-friendly summary of one comparison. */
export function summarise(result: ScenarioResult): Record<string, unknown> {
  return {
    scenario: result.scenario,
    lines: result.lines,
    passed: result.comparison.passed,
    reasons: result.comparison.reasons,
    features: Object.fromEntries(
      result.comparison.features.map((f) => [
        f.feature,
        {
          psi: f.psi === undefined ? undefined : round(f.psi),
          ks: f.ks === undefined ? undefined : round(f.ks),
          share: f.share === undefined ? undefined : round(f.share),
          referenceSamples: f.referenceSamples,
          recentSamples: f.recentSamples,
          insufficient: f.insufficient,
          drifted: f.drifted,
        },
      ]),
    ),
  };
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;
