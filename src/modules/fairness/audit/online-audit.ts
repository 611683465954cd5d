import { MovieProfile, UserProfile } from '@lib/dataset';
import { activityBands, ageBand, GroupedValue, GroupQuality, groupQuality } from '../indicators/group-quality';
import { PopularityBias, popularityBias } from '../indicators/popularity-bias';
import { ExposureReport, exposureReport } from './exposure-report';
import { FAIRNESS_DIMENSIONS, FairnessDimension } from './offline-audit';

/** One logged recommendation response (status 200), as ActivityWindowRepository.servedLists reads it. */
export interface ServedList {
  readonly userId: number;
  readonly at: number;
  readonly items: readonly string[];
}

/** A watch start (the first time the user was seen watching the movie) in or just after the window. */
export interface WatchStart {
  readonly userId: number;
  readonly movieId: string;
  readonly at: number;
}

export interface OnlineAuditOptions {
  /** A list converts when the user starts one of its movies within this many ms (default 24 h). */
  readonly attributionMs?: number;
  readonly seed?: number;
  readonly minGroupSize?: number;
}

export interface OnlineFairnessAudit {
  readonly lists: number;
  readonly users: number;
  /** Share of lists followed by a watch of one of their movies within the attribution window. */
  readonly conversion: number;
  /** Per-user conversion grouped by gender, age band, occupation, activity (lists received). */
  readonly conversionByGroup: Record<FairnessDimension, GroupQuality>;
  readonly exposure: ExposureReport;
  /** Popularity (share of watching users in the window) of what was shown vs. of what the users watched. */
  readonly popularityBias: PopularityBias;
}

/**
 * Fairness of live traffic from logged responses: item exposure over what
 * was actually served, and the online counterpart of per-group quality —
 * per-user conversion (lists followed by a watch of a listed movie) by group.
 */
export function auditServedLists(
  lists: readonly ServedList[],
  watches: readonly WatchStart[],
  users: ReadonlyMap<number, Omit<UserProfile, 'id'>>,
  movies: readonly MovieProfile[],
  opts: OnlineAuditOptions = {},
): OnlineFairnessAudit {
  const attribution = opts.attributionMs ?? 86_400_000;
  const index = new Map(movies.map((m, i) => [m.id, i]));
  const watchesOf = new Map<number, WatchStart[]>();
  const watchers = new Float64Array(movies.length);
  const watchingUsers = new Set<number>();
  for (const w of watches) {
    let list = watchesOf.get(w.userId);
    if (!list) watchesOf.set(w.userId, (list = []));
    list.push(w);
    const i = index.get(w.movieId);
    if (i !== undefined) watchers[i]++;
    watchingUsers.add(w.userId);
  }
  const popularity = watchers.map((c) => c / Math.max(1, watchingUsers.size));

  const perUser = new Map<number, { lists: number; converted: number; shown: number[] }>();
  let converted = 0;
  const indexed: number[][] = [];
  for (const list of lists) {
    const shown = list.items.map((id) => index.get(id) ?? -1).filter((i) => i >= 0);
    indexed.push(shown);
    const listed = new Set(list.items);
    const hit = (watchesOf.get(list.userId) ?? []).some(
      (w) => listed.has(w.movieId) && w.at >= list.at && w.at - list.at <= attribution,
    );
    if (hit) converted++;
    let u = perUser.get(list.userId);
    if (!u) perUser.set(list.userId, (u = { lists: 0, converted: 0, shown: [] }));
    u.lists++;
    if (hit) u.converted++;
    u.shown.push(...shown);
  }

  const ids = [...perUser.keys()].sort((a, b) => a - b);
  const activity = activityBands(ids.map((id) => perUser.get(id)!.lists));
  const values: Record<FairnessDimension, GroupedValue[]> = { gender: [], age: [], occupation: [], activity: [] };
  const bias: { recommended: number[]; history: number[] }[] = [];
  for (const id of ids) {
    const u = perUser.get(id)!;
    const profile = users.get(id);
    const value = u.converted / u.lists;
    const groups: Record<FairnessDimension, string> = {
      gender: profile?.gender ?? 'unknown',
      age: ageBand(profile?.age ?? null),
      occupation: profile?.occupation ?? 'unknown',
      activity: activity(u.lists),
    };
    for (const d of FAIRNESS_DIMENSIONS) values[d].push({ group: groups[d], value });
    const history = (watchesOf.get(id) ?? []).map((w) => index.get(w.movieId) ?? -1).filter((i) => i >= 0);
    bias.push({ recommended: u.shown, history });
  }
  const groupOpts = { seed: opts.seed ?? 1, minGroupSize: opts.minGroupSize };
  return {
    lists: lists.length,
    users: ids.length,
    conversion: lists.length ? converted / lists.length : 0,
    conversionByGroup: Object.fromEntries(
      FAIRNESS_DIMENSIONS.map((d) => [d, groupQuality(values[d], groupOpts)]),
    ) as Record<FairnessDimension, GroupQuality>,
    exposure: exposureReport(indexed, movies, popularity),
    popularityBias: popularityBias(bias, popularity),
  };
}
