import { createHash } from 'node:crypto';

/**
 * The canonical text of `movielog` lines. The serving module writes its
 * recommendation lines with `formatRecommendationLine` so the stream and the
 * store agree byte for byte; the parser accepts these and the looser variants
 * other producers write (no milliseconds, `45ms` without a space).
 *
 * The behaviour simulator deliberately keeps its own copy of these formats:
 * the outside world shares no code with the service.
 */

/** `2026-11-26T06:48:45.123`: UTC, always with milliseconds, no zone suffix. */
export function formatLogTime(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return new Date(ms).toISOString().slice(0, 23);
}

export function formatWatchLine(line: { at: Date | number; userId: number; movieId: string; minute: number }): string {
  return `${formatLogTime(line.at)},${line.userId},GET /data/m/${line.movieId}/${line.minute}.mpg`;
}

export function formatRatingLine(line: { at: Date | number; userId: number; movieId: string; rating: number }): string {
  return `${formatLogTime(line.at)},${line.userId},GET /rate/${line.movieId}=${line.rating}`;
}

export function formatAccountLine(line: { at: Date | number; userId: number }): string {
  return `${formatLogTime(line.at)},${line.userId},GET /create_account`;
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
  return (
    `${formatLogTime(line.at)},${line.userId},recommendation request ${line.server}, ` +
    `status ${line.status}, result: ${result}, ${Math.round(line.latencyMs)} ms`
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
  const canonical =
    `${formatLogTime(line.at)},${line.userId},recommendation request, ` +
    `status ${line.status}, result: ${items}, ${Math.round(line.latencyMs)} ms`;
  return createHash('sha256').update(canonical).digest('hex');
}
