import { hash } from 'node:crypto';

/**
 * The canonical text of `movielog` lines. The serving module writes its
 * recommendation lines with `formatRecommendationLine` so the stream and the
 * store agree byte for byte; the parser accepts these and the looser variants
 * other producers write (no milliseconds, `45ms` without a space).
 *
 * The behaviour simulator writes its lines with the builders below that take
 * an already formatted time (`LogTimeFormatter`): it formats millions of lines
 * a second and caches the per-second part of its clock. The simulator is the
 * outside world and shares no other code with the service; this format is the
 * stream contract between them, so it has one owner.
 */

/** `2026-11-26T06:48:45.123`: UTC, always with milliseconds, no zone suffix. */
export function formatLogTime(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return new Date(ms).toISOString().slice(0, 23);
}

/**
 * Formats epoch milliseconds as log times, caching the per-second prefix: the
 * simulator's clock moves forward through many lines within one second.
 * `seconds` gives `2026-11-26T06:48:45`, `millis` `2026-11-26T06:48:45.123`
 * (the same text as `formatLogTime`).
 */
export class LogTimeFormatter {
  private second = Number.NaN;
  private prefix = '';

  seconds(ms: number): string {
    const s = Math.floor(ms / 1000);
    if (s !== this.second) {
      this.second = s;
      this.prefix = new Date(s * 1000).toISOString().slice(0, 19);
    }
    return this.prefix;
  }

  millis(ms: number): string {
    const whole = Math.floor(ms);
    const frac = whole - Math.floor(whole / 1000) * 1000;
    return `${this.seconds(whole)}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
  }
}

// The four line kinds over a time already formatted (`LogTimeFormatter`, `formatLogTime`).

export function watchLine(time: string, userId: number, movieId: string, minute: number): string {
  return `${time},${userId},GET /data/m/${movieId}/${minute}.mpg`;
}

export function ratingLine(time: string, userId: number, movieId: string, rating: number): string {
  return `${time},${userId},GET /rate/${movieId}=${rating}`;
}

export function accountLine(time: string, userId: number): string {
  return `${time},${userId},GET /create_account`;
}

/**
 * `result` is written as given: the ranked ids joined by commas, or what a
 * failed request shows instead (an error text, or nothing). `latencyMs` too.
 */
export function recommendationLine(
  time: string,
  userId: number,
  server: string,
  status: number,
  result: string,
  latencyMs: number,
): string {
  return `${time},${userId},recommendation request ${server}, status ${status}, result: ${result}, ${latencyMs} ms`;
}

export function formatWatchLine(line: { at: Date | number; userId: number; movieId: string; minute: number }): string {
  return watchLine(formatLogTime(line.at), line.userId, line.movieId, line.minute);
}

export function formatRatingLine(line: { at: Date | number; userId: number; movieId: string; rating: number }): string {
  return ratingLine(formatLogTime(line.at), line.userId, line.movieId, line.rating);
}

export function formatAccountLine(line: { at: Date | number; userId: number }): string {
  return accountLine(formatLogTime(line.at), line.userId);
}

export interface RecommendationLineFields {
  readonly at: Date | number;
  readonly userId: number;
  /** `host:port` of the answering server (PUBLIC_ADDRESS). */
  readonly server: string;
  readonly status: number;
  /** Ranked movie ids (ignored unless status is 200). */
  readonly items: readonly string[];
  readonly latencyMs: number;
  /** What a failed request shows where the ids would be. */
  readonly errorText?: string;
}

export function formatRecommendationLine(line: RecommendationLineFields): string {
  const result = line.status === 200 ? line.items.join(',') : (line.errorText ?? '');
  return recommendationLine(
    formatLogTime(line.at),
    line.userId,
    line.server,
    line.status,
    result,
    Math.round(line.latencyMs),
  );
}

/**
 * Identity of a recommendation response, shared by the two ways one reaches
 * `recommendation_log`: served (written by the serving module, with request id
 * and model version) and read back from the stream (no request id).
 *
 * Rule: sha256 (hex) of the canonical line WITHOUT the server address:
 *   `<time with ms>,<userid>,recommendation request, status <code>, result: <ids or empty>, <latency> ms`
 * The server is left out because the serving side records a response before
 * (and independently of) the address it is published under. Error texts are
 * left out (a failed response keeps no items), so a response is its time to
 * the millisecond, user, status, ranked ids and latency. Exact duplicate lines
 * and replays therefore hash alike and are stored once.
 */
export function recommendationLineHash(line: {
  at: Date | number;
  userId: number;
  status: number;
  items: readonly string[];
  latencyMs: number;
}): string {
  const items = line.status === 200 ? line.items.join(',') : '';
  return recommendationHashOf(formatLogTime(line.at), line.userId, line.status, items, Math.round(line.latencyMs));
}

/**
 * recommendationLineHash over parts already formatted for the line itself
 * (`time` as formatLogTime, `items` empty unless status 200, `latencyMs`
 * rounded), so a writer that formats the line does not format it twice.
 */
export function recommendationHashOf(
  time: string,
  userId: number,
  status: number,
  items: string,
  latencyMs: number,
): string {
  // One-shot hash (node >= 20.12): no Hash object per line.
  return hash(
    'sha256',
    `${time},${userId},recommendation request, status ${status}, result: ${items}, ${latencyMs} ms`,
  );
}
