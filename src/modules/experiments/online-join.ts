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

/** Distinct movie ids a join interns; beyond it, new ids on served lists cannot be credited (see recommendation()). */
const MAX_MOVIE_CODES = 1 << 21;
const NONE = -1;
const CLOSED = 1;
const CONVERTED = 2;

/**
 * Open responses as columns of typed arrays, one row per response in arrival
 * order (a ring indexed by sequence number). At full scale the join holds
 * hundreds of thousands of responses for up to 30 minutes; as objects (a Set
 * of movie-id strings, a key string and a line per response) they were ~2 KB
 * each of long-lived heap that every young-generation collection had to copy
 * and promote, which paused the request thread. In typed arrays they are
 * ~170 bytes each, outside the garbage collector's view.
 */
class ResponseRows {
  readonly userId: Float64Array;
  readonly at: Float64Array;
  readonly latencyMs: Float64Array;
  readonly status: Int32Array;
  readonly attribution: Int32Array;
  /** Sequence number of the same user's next older open response, or NONE. */
  readonly previous: Float64Array;
  readonly itemCount: Int32Array;
  /** `stride` movie codes per row. */
  readonly items: Int32Array;
  /** Per item position: a conversion of that movie was credited to this response. */
  readonly credited: Uint8Array;
  readonly watchMinutes: Float64Array;
  readonly ratingSum: Float64Array;
  readonly ratingCount: Float64Array;
  readonly flags: Uint8Array;

  constructor(
    readonly capacity: number,
    readonly stride: number,
  ) {
    this.userId = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
    this.latencyMs = new Float64Array(capacity);
    this.status = new Int32Array(capacity);
    this.attribution = new Int32Array(capacity);
    this.previous = new Float64Array(capacity);
    this.itemCount = new Int32Array(capacity);
    this.items = new Int32Array(capacity * stride);
    this.credited = new Uint8Array(capacity * stride);
    this.watchMinutes = new Float64Array(capacity);
    this.ratingSum = new Float64Array(capacity);
    this.ratingCount = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  /** Copies row `from` of `source` into row `to` of this table. */
  copyRow(source: ResponseRows, from: number, to: number): void {
    this.userId[to] = source.userId[from];
    this.at[to] = source.at[from];
    this.latencyMs[to] = source.latencyMs[from];
    this.status[to] = source.status[from];
    this.attribution[to] = source.attribution[from];
    this.previous[to] = source.previous[from];
    this.itemCount[to] = source.itemCount[from];
    const n = source.itemCount[from];
    this.items.set(source.items.subarray(from * source.stride, from * source.stride + n), to * this.stride);
    this.credited.set(source.credited.subarray(from * source.stride, from * source.stride + n), to * this.stride);
    this.watchMinutes[to] = source.watchMinutes[from];
    this.ratingSum[to] = source.ratingSum[from];
    this.ratingCount[to] = source.ratingCount[from];
    this.flags[to] = source.flags[from];
  }
}

export class OnlineJoin {
  /** user → sequence number of their newest open response; Map order = least recently active first. */
  private readonly users = new Map<number, number>();
  private readonly movieCodes = new Map<string, number>();
  private readonly attributions: Attribution[] = [];
  private readonly attributionCodes = new Map<string, number>();
  private rows = new ResponseRows(1024, 20);
  /** Rows [head, tail) are in the ring; rows before head have left it. Rows inside may be closed already. */
  private head = 0;
  private tail = 0;
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
    const newest = this.touch(line.userId);
    const codes = this.codesOf(line.items);
    for (let seq = newest ?? NONE; seq !== NONE; seq = this.rows.previous[this.row(seq)]) {
      const r = this.row(seq);
      if (Math.abs(this.rows.at[r] - line.at) <= this.options.duplicateToleranceMs && this.sameItems(r, codes))
        return false;
    }
    const seq = this.append(line, codes, this.attributionCode(attribution), newest ?? NONE);
    this.users.set(line.userId, seq);
    this.openCount++;
    this.sink.served(attribution, line);
    for (let chain = this.oldestFirst(seq); chain.length > this.options.maxPerUser; chain.shift()) {
      this.close(chain[0]);
      this.unlink(chain[0]);
    }
    while (this.users.size > this.options.maxUsers) {
      const [user, newestOfUser] = this.users.entries().next().value as [number, number];
      this.users.delete(user);
      for (const s of this.oldestFirst(newestOfUser)) this.close(s);
    }
    return true;
  }

  watch(userId: number, movieId: string, minute: number, at: number): void {
    this.advance(at);
    const newest = this.users.get(userId);
    const code = this.movieCodes.get(movieId);
    if (newest === undefined || code === undefined) return;
    const rows = this.rows;
    for (
      let seq = this.listing(newest, code, at);
      seq !== NONE;
      seq = this.listing(rows.previous[this.row(seq)], code, at)
    ) {
      const r = this.row(seq);
      const slot = r * rows.stride + this.positionOf(r, code);
      const attribution = this.attributions[rows.attribution[r]];
      if (rows.credited[slot] === 0) {
        // Only a movie's first minute converts; a later minute of an uncredited movie may belong to an older response.
        if (minute !== 0) continue;
        rows.credited[slot] = 1;
        if ((rows.flags[r] & CONVERTED) === 0) {
          rows.flags[r] |= CONVERTED;
          this.sink.converted(attribution);
        }
      }
      rows.watchMinutes[r]++;
      this.sink.watchMinute(attribution);
      return;
    }
  }

  rating(userId: number, movieId: string, rating: number, at: number): void {
    this.advance(at);
    const newest = this.users.get(userId);
    const code = this.movieCodes.get(movieId);
    if (newest === undefined || code === undefined) return;
    const seq = this.listing(newest, code, at);
    if (seq === NONE) return;
    const r = this.row(seq);
    this.rows.ratingSum[r] += rating;
    this.rows.ratingCount[r]++;
  }

  /**
   * From `seq` towards older responses of the same user: the first one whose
   * window holds `at` and whose list has movie `code`, or NONE.
   */
  private listing(seq: number, code: number, at: number): number {
    const rows = this.rows;
    for (; seq !== NONE; seq = rows.previous[this.row(seq)]) {
      const r = this.row(seq);
      if (at >= rows.at[r] && at - rows.at[r] <= this.options.windowMs && this.positionOf(r, code) >= 0) return seq;
    }
    return NONE;
  }

  /**
   * Moves event time forward to `at` (never back) and finalises every response
   * whose window closed before it. Call with wall-clock-derived time when the
   * stream is idle so windows still close.
   */
  advance(at: number): void {
    if (at > this.watermarkMs) this.watermarkMs = at;
    const horizon = this.watermarkMs - this.options.windowMs;
    while (this.head < this.tail) {
      const r = this.row(this.head);
      const closed = (this.rows.flags[r] & CLOSED) !== 0;
      if (!closed && this.rows.at[r] >= horizon) break;
      const seq = this.head++;
      if (!closed) {
        this.close(seq);
        this.unlink(seq);
      }
    }
  }

  /** Finalises everything open (end of an experiment, shutdown, tests). */
  finaliseAll(): void {
    for (const newest of this.users.values()) for (const seq of this.oldestFirst(newest)) this.close(seq);
    this.users.clear();
    this.head = this.tail;
  }

  private row(seq: number): number {
    return seq % this.rows.capacity;
  }

  private touch(userId: number): number | undefined {
    const newest = this.users.get(userId);
    if (newest !== undefined) {
      this.users.delete(userId);
      this.users.set(userId, newest);
    }
    return newest;
  }

  /** A user's open responses from `newest`, oldest first. */
  private oldestFirst(newest: number): number[] {
    const out: number[] = [];
    for (let seq = newest; seq !== NONE; seq = this.rows.previous[this.row(seq)]) out.push(seq);
    return out.reverse();
  }

  /** Takes a closed response out of its user's chain. */
  private unlink(seq: number): void {
    const rows = this.rows;
    const r = this.row(seq);
    const user = rows.userId[r];
    const older = rows.previous[r];
    const newest = this.users.get(user);
    if (newest === seq) {
      // Setting an existing key keeps its place in the Map's recency order.
      if (older === NONE) this.users.delete(user);
      else this.users.set(user, older);
      return;
    }
    for (let s = newest ?? NONE; s !== NONE; s = rows.previous[this.row(s)]) {
      const sr = this.row(s);
      if (rows.previous[sr] === seq) {
        rows.previous[sr] = older;
        break;
      }
    }
  }

  /**
   * Movie codes of a served list. Served lists come from the service's own
   * catalog, so the table stays the catalog's size; past MAX_MOVIE_CODES (a
   * flood of invented ids on the topic) new ids get NONE and are never credited.
   */
  private codesOf(items: readonly string[]): number[] {
    const codes = new Array<number>(items.length);
    for (let i = 0; i < items.length; i++) {
      let code = this.movieCodes.get(items[i]);
      if (code === undefined) {
        if (this.movieCodes.size >= MAX_MOVIE_CODES) code = NONE;
        else this.movieCodes.set(ownCopy(items[i]), (code = this.movieCodes.size));
      }
      codes[i] = code;
    }
    return codes;
  }

  private attributionCode(attribution: Attribution): number {
    const key = `${attribution.experimentId ?? ''}\u0000${attribution.arm}\u0000${attribution.modelVersion}\u0000${attribution.perUser ?? ''}`;
    let code = this.attributionCodes.get(key);
    if (code === undefined) {
      code = this.attributions.length;
      this.attributions.push(attribution);
      this.attributionCodes.set(key, code);
    }
    return code;
  }

  private sameItems(r: number, codes: readonly number[]): boolean {
    const rows = this.rows;
    if (rows.itemCount[r] !== codes.length) return false;
    const base = r * rows.stride;
    for (let i = 0; i < codes.length; i++) if (rows.items[base + i] !== codes[i]) return false;
    return true;
  }

  /** First position of `code` in row r's list, or -1. */
  private positionOf(r: number, code: number): number {
    const rows = this.rows;
    const base = r * rows.stride;
    const n = rows.itemCount[r];
    for (let i = 0; i < n; i++) if (rows.items[base + i] === code) return i;
    return -1;
  }

  private append(line: ServedLine, codes: readonly number[], attribution: number, previous: number): number {
    if (this.tail - this.head === this.rows.capacity || codes.length > this.rows.stride)
      this.resize(
        this.tail - this.head === this.rows.capacity ? this.rows.capacity * 2 : this.rows.capacity,
        Math.max(this.rows.stride, codes.length),
      );
    const seq = this.tail++;
    const rows = this.rows;
    const r = this.row(seq);
    rows.userId[r] = line.userId;
    rows.at[r] = line.at;
    rows.latencyMs[r] = line.latencyMs;
    rows.status[r] = line.status;
    rows.attribution[r] = attribution;
    rows.previous[r] = previous;
    rows.itemCount[r] = codes.length;
    const base = r * rows.stride;
    for (let i = 0; i < codes.length; i++) {
      rows.items[base + i] = codes[i];
      rows.credited[base + i] = 0;
    }
    rows.watchMinutes[r] = 0;
    rows.ratingSum[r] = 0;
    rows.ratingCount[r] = 0;
    rows.flags[r] = 0;
    return seq;
  }

  private resize(capacity: number, stride: number): void {
    const next = new ResponseRows(capacity, stride);
    for (let seq = this.head; seq < this.tail; seq++) next.copyRow(this.rows, this.row(seq), seq % capacity);
    this.rows = next;
  }

  private close(seq: number): void {
    const rows = this.rows;
    const r = this.row(seq);
    if ((rows.flags[r] & CLOSED) !== 0) return;
    rows.flags[r] |= CLOSED;
    this.openCount--;
    this.sink.finalised({
      attribution: this.attributions[rows.attribution[r]],
      userId: rows.userId[r],
      at: rows.at[r],
      status: rows.status[r],
      latencyMs: rows.latencyMs[r],
      converted: (rows.flags[r] & CONVERTED) !== 0,
      watchMinutes: rows.watchMinutes[r],
      ratingSum: rows.ratingSum[r],
      ratingCount: rows.ratingCount[r],
    });
  }
}

/**
 * A flat copy of a string. Ids parsed from a log line are slices of it: kept
 * as map keys they would hold every first line in memory, and each lookup
 * compares through the slice (measured: twice as slow as flat keys).
 */
function ownCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
