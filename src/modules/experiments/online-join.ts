/**
 * Streaming join of served recommendations with the watches and ratings that
 * follow them: the online-quality measurement of experiments and canaries.
 * Pure and synchronous (no clock, no I/O): the service feeds it parsed stream
 * lines and a watermark, and receives outcomes through a sink.
 *
 * State is bounded: per user only the latest `maxPerUser` responses still
 * inside the conversion window, and at most `maxUsers` users (least recently
 * active evicted first). A response leaves the state when its window closes
 * (by event time), when it is pushed out, or when its user is evicted; in
 * every case its outcome is finalised exactly once. Each watch or rating is
 * checked against that user's few open responses only, so the cost per event
 * is O(maxPerUser · list length), independent of history size.
 *
 * Definitions (documented in the module README):
 *  - conversion: a watch line with minute 0 of a recommended movie within
 *    `windowMs` after the response; credited to the user's most recent open
 *    response that lists the movie, at most once per response;
 *  - watch minutes: every watch line (one per minute) of a converted movie
 *    while the response is still open;
 *  - rating: ratings of a recommended movie within the window.
 */

export interface ServedLine {
  readonly userId: number;
  /** Event time, epoch ms. */
  readonly at: number;
  readonly status: number;
  readonly items: readonly string[];
  readonly latencyMs: number;
}

/** Which experiment arm and model version a response counts for. */
export interface Attribution {
  readonly experimentId: string | null;
  readonly arm: string;
  readonly modelVersion: string;
  /** False when the arm a user is in can change (canary steps): no per-user outcome row is kept. */
  readonly perUser?: boolean;
}

export interface RecommendationOutcome {
  readonly attribution: Attribution;
  readonly userId: number;
  readonly at: number;
  readonly status: number;
  readonly latencyMs: number;
  readonly converted: boolean;
  readonly watchMinutes: number;
  readonly ratingSum: number;
  readonly ratingCount: number;
}

export interface JoinSink {
  /** A response entered the join (counted at once: requests, errors, latency). */
  served(attribution: Attribution, line: ServedLine): void;
  /** The first conversion of a response. */
  converted(attribution: Attribution): void;
  /** One watched minute credited to a response. */
  watchMinute(attribution: Attribution): void;
  /** The response's window closed (or it was evicted): its final outcome. */
  finalised(outcome: RecommendationOutcome): void;
}

export interface OnlineJoinOptions {
  readonly windowMs: number;
  readonly maxPerUser: number;
  readonly maxUsers: number;
  /** Identical lists for the same user within this many ms are one response (served log + platform log). */
  readonly duplicateToleranceMs: number;
}

export const DEFAULT_JOIN_OPTIONS: OnlineJoinOptions = {
  windowMs: 30 * 60_000,
  maxPerUser: 5,
  maxUsers: 200_000,
  duplicateToleranceMs: 5_000,
};

interface OpenResponse {
  readonly attribution: Attribution;
  readonly line: ServedLine;
  readonly items: ReadonlySet<string>;
  readonly key: string;
  converted: boolean;
  readonly convertedMovies: Set<string>;
  watchMinutes: number;
  ratingSum: number;
  ratingCount: number;
  closed: boolean;
}

export class OnlineJoin {
  /** user → open responses, oldest first; Map order = least recently active first. */
  private readonly users = new Map<number, OpenResponse[]>();
  /** Every open response in arrival order, for expiry by event time. */
  private queue: OpenResponse[] = [];
  private queueHead = 0;
  private watermarkMs = -Infinity;
  private openCount = 0;

  constructor(
    private readonly sink: JoinSink,
    private readonly options: OnlineJoinOptions = DEFAULT_JOIN_OPTIONS,
  ) {}

  get watermark(): number {
    return this.watermarkMs;
  }

  get openResponses(): number {
    return this.openCount;
  }

  get trackedUsers(): number {
    return this.users.size;
  }

  /** Adds a response; returns false when it duplicates one already open. */
  recommendation(line: ServedLine, attribution: Attribution): boolean {
    this.advance(line.at);
    const key = line.items.join(',');
    const open = this.touch(line.userId);
    if (open?.some((r) => r.key === key && Math.abs(r.line.at - line.at) <= this.options.duplicateToleranceMs))
      return false;
    const response: OpenResponse = {
      attribution,
      line,
      items: new Set(line.status === 200 ? line.items : []),
      key,
      converted: false,
      convertedMovies: new Set(),
      watchMinutes: 0,
      ratingSum: 0,
      ratingCount: 0,
      closed: false,
    };
    const list = open ?? [];
    list.push(response);
    this.users.set(line.userId, list);
    this.queue.push(response);
    this.openCount++;
    this.sink.served(attribution, line);
    while (list.length > this.options.maxPerUser) this.close(list.shift()!);
    while (this.users.size > this.options.maxUsers) {
      const [oldest, responses] = this.users.entries().next().value as [number, OpenResponse[]];
      this.users.delete(oldest);
      for (const r of responses) this.close(r);
    }
    return true;
  }

  watch(userId: number, movieId: string, minute: number, at: number): void {
    this.advance(at);
    const open = this.users.get(userId);
    if (!open) return;
    for (let i = open.length - 1; i >= 0; i--) {
      const r = open[i];
      if (at < r.line.at || at - r.line.at > this.options.windowMs) continue;
      if (r.convertedMovies.has(movieId)) {
        r.watchMinutes++;
        this.sink.watchMinute(r.attribution);
        return;
      }
      if (minute === 0 && r.items.has(movieId)) {
        r.convertedMovies.add(movieId);
        if (!r.converted) {
          r.converted = true;
          this.sink.converted(r.attribution);
        }
        r.watchMinutes++;
        this.sink.watchMinute(r.attribution);
        return;
      }
    }
  }

  rating(userId: number, movieId: string, rating: number, at: number): void {
    this.advance(at);
    const open = this.users.get(userId);
    if (!open) return;
    for (let i = open.length - 1; i >= 0; i--) {
      const r = open[i];
      if (at < r.line.at || at - r.line.at > this.options.windowMs || !r.items.has(movieId)) continue;
      r.ratingSum += rating;
      r.ratingCount++;
      return;
    }
  }

  /**
   * Moves event time forward to `at` (never back) and finalises every response
   * whose window closed before it. Call with wall-clock-derived time when the
   * stream is idle so windows still close.
   */
  advance(at: number): void {
    if (at > this.watermarkMs) this.watermarkMs = at;
    const horizon = this.watermarkMs - this.options.windowMs;
    while (this.queueHead < this.queue.length) {
      const r = this.queue[this.queueHead];
      if (!r.closed && r.line.at >= horizon) break;
      this.queueHead++;
      if (!r.closed) {
        this.close(r);
        const list = this.users.get(r.line.userId);
        if (list) {
          const i = list.indexOf(r);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.users.delete(r.line.userId);
        }
      }
    }
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Finalises everything open (end of an experiment, shutdown, tests). */
  finaliseAll(): void {
    for (const list of this.users.values()) for (const r of list) this.close(r);
    this.users.clear();
    this.queue = [];
    this.queueHead = 0;
  }

  private touch(userId: number): OpenResponse[] | undefined {
    const list = this.users.get(userId);
    if (list) {
      this.users.delete(userId);
      this.users.set(userId, list);
    }
    return list;
  }

  private close(r: OpenResponse): void {
    if (r.closed) return;
    r.closed = true;
    this.openCount--;
    this.sink.finalised({
      attribution: r.attribution,
      userId: r.line.userId,
      at: r.line.at,
      status: r.line.status,
      latencyMs: r.line.latencyMs,
      converted: r.converted,
      watchMinutes: r.watchMinutes,
      ratingSum: r.ratingSum,
      ratingCount: r.ratingCount,
    });
  }
}
