/**
 * Parser for the `movielog` stream: one pure function from the raw bytes of a
 * record to either a typed line or a rejection with a reason from a fixed set.
 * It reads no clock and no configuration except what is passed in, so it is
 * tested alone and cannot disagree between the consumer and the tests.
 *
 * Line formats (`<time>` = `YYYY-MM-DDTHH:MM:SS[.fff]`, no zone = UTC):
 *   watch:          `<time>,<userid>,GET /data/m/<movieid>/<minute>.mpg`
 *   rating:         `<time>,<userid>,GET /rate/<movieid>=<rating>`
 *   recommendation: `<time>,<userid>,recommendation request <host>:<port>, status <code>, result: <ids>, <n> ms`
 *                   (a failed request: status 0 or non-2xx, an error text where the ids would be)
 *   account:        `<time>,<userid>,GET /create_account`
 */

export const REJECTION_REASONS = [
  'empty',
  'too_long',
  'invalid_utf8',
  'truncated',
  'unknown_format',
  'bad_timestamp',
  'future_timestamp',
  'bad_user_id',
  'bad_movie_id',
  'bad_minute',
  'bad_rating',
  'rating_out_of_range',
  'bad_status',
  'bad_latency',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/**
 * Why a recommendation request failed, from its status and error text: a
 * bounded set (the label of marquee_platform_failed_requests_total).
 *   timeout      the text says the call timed out (whatever the status, e.g. 0 or 504)
 *   connection   the text says the connection failed (refused, reset, unreachable, DNS)
 *   no_response  status 0 with another or no text
 *   server_error 5xx;  client_error 4xx;  other: any other non-2xx status
 */
export const FAILURE_REASONS = [
  'timeout',
  'connection',
  'no_response',
  'server_error',
  'client_error',
  'other',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface RecommendationFailure {
  readonly reason: FailureReason;
  /** The error text the line carried where the ids would be (control characters replaced, at most 500 characters). */
  readonly text: string;
}

export const LINE_TYPES = ['watch', 'rating', 'recommendation', 'account'] as const;
export type LineType = (typeof LINE_TYPES)[number];

interface LineBase {
  /** Epoch milliseconds (UTC). */
  readonly at: number;
  readonly userId: number;
}
export interface WatchLine extends LineBase {
  readonly type: 'watch';
  readonly movieId: string;
  readonly minute: number;
}
export interface RatingLine extends LineBase {
  readonly type: 'rating';
  readonly movieId: string;
  readonly rating: number;
}
export interface RecommendationLine extends LineBase {
  readonly type: 'recommendation';
  /** `host:port` of the server that answered. */
  readonly server: string;
  readonly status: number;
  /** Ranked movie ids; empty when the status is not 200 (the result then holds an error text). */
  readonly items: readonly string[];
  readonly latencyMs: number;
  /**
   * Set when the request failed: status 0 (the platform got no response, e.g.
   * it timed out) or any status outside 2xx. Null for a successful request.
   */
  readonly failure: RecommendationFailure | null;
}
export interface AccountLine extends LineBase {
  readonly type: 'account';
}
export type LogLine = WatchLine | RatingLine | RecommendationLine | AccountLine;

export interface Rejection {
  readonly type: 'rejected';
  readonly reason: RejectionReason;
  /** Human-readable; never contains more than a short excerpt of the input. */
  readonly detail: string;
}
export type ParseResult = LogLine | Rejection;

export interface ParseOptions {
  readonly ratingScaleMax: number;
  /** Lines longer than this many bytes are rejected before decoding. */
  readonly maxLineBytes: number;
  /** "Now" for the future check, epoch ms (passed in: the parser reads no clock). */
  readonly now: number;
  /** How far ahead of `now` a timestamp may be (clock skew between producers). */
  readonly maxFutureSkewMs: number;
}

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024;
/** Minutes beyond this are not a movie (about a week of footage); also keeps the value an int4. */
export const MAX_MINUTE = 10_000;
export const MAX_MOVIE_ID_LENGTH = 200;
/** int4, the column type of user ids and latencies. */
const MAX_INT4 = 2_147_483_647;

/**
 * Movie ids are URL slugs: lowercase letters, digits and `+` for spaces, plus
 * the few punctuation marks titles keep when URL-encoded (`%`, `.`, `'`, `&`,
 * `:`, `-`, `_`, `!`, `(`, `)`). Spaces, commas, double quotes, `<`, `;` and
 * control characters are rejected, which also keeps injection payloads out of
 * the store. A slug needs at least one letter or digit (`+` alone is no title).
 */
const MOVIE_ID = /^[a-z0-9+%.'&:_!()-]+$/;
const HAS_ALNUM = /[a-z0-9]/;
const USER_ID = /^\d{1,10}$/;
const INTEGER = /^-?\d{1,12}$/;
const RECOMMENDATION = /^recommendation request (\S+), status (\S*), result: (.*), (\S+?) ?ms$/s;
const SERVER = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/;

const WATCH_PREFIX = 'GET /data/m/';
const RATE_PREFIX = 'GET /rate/';
const ACCOUNT = 'GET /create_account';
const RECOMMENDATION_PREFIX = 'recommendation request';

// One decoder for the process: fatal mode throws on malformed UTF-8 instead of
// substituting U+FFFD, so a damaged line is dead-lettered, not stored mangled.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseLogLine(raw: Uint8Array | string, options: ParseOptions): ParseResult {
  let text: string;
  if (typeof raw === 'string') {
    if (Buffer.byteLength(raw, 'utf8') > options.maxLineBytes)
      return reject('too_long', `longer than ${options.maxLineBytes} bytes`);
    text = raw;
  } else {
    if (raw.length > options.maxLineBytes)
      return reject('too_long', `${raw.length} bytes, limit ${options.maxLineBytes}`);
    try {
      text = utf8.decode(raw);
      // eslint-disable-next-line no-restricted-syntax -- the decode error is the rejection reason
    } catch {
      return reject('invalid_utf8', 'not valid UTF-8');
    }
  }
  // Producers that write files may leave the line terminator on.
  if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
  if (text.length === 0) return reject('empty', 'empty line');

  const c1 = text.indexOf(',');
  const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
  if (c2 < 0) return reject('truncated', `expected <time>,<userid>,<request>: ${excerpt(text)}`);

  const at = parseLogTime(text.slice(0, c1));
  if (at === null) return reject('bad_timestamp', `unparseable time ${excerpt(text.slice(0, c1))}`);
  if (at > options.now + options.maxFutureSkewMs)
    return reject('future_timestamp', `${text.slice(0, c1)} is ahead of the clock`);

  const userText = text.slice(c1 + 1, c2);
  if (!USER_ID.test(userText) || Number(userText) > MAX_INT4)
    return reject('bad_user_id', `user id ${excerpt(userText)}`);
  const userId = Number(userText);

  const body = text.slice(c2 + 1);
  if (body.startsWith(WATCH_PREFIX)) return parseWatch(body.slice(WATCH_PREFIX.length), at, userId);
  if (body.startsWith(RATE_PREFIX)) return parseRating(body.slice(RATE_PREFIX.length), at, userId, options);
  if (body === ACCOUNT) return { type: 'account', at, userId };
  if (body.startsWith(RECOMMENDATION_PREFIX)) return parseRecommendation(body, at, userId);
  // A proper prefix of a known request means the line was cut short.
  if (body.length < ACCOUNT.length && (ACCOUNT.startsWith(body) || WATCH_PREFIX.startsWith(body)))
    return reject('truncated', `request cut short: ${excerpt(body)}`);
  if (RECOMMENDATION_PREFIX.startsWith(body)) return reject('truncated', `request cut short: ${excerpt(body)}`);
  return reject('unknown_format', `unknown request ${excerpt(body)}`);
}

function parseWatch(rest: string, at: number, userId: number): ParseResult {
  const slash = rest.lastIndexOf('/');
  if (slash < 0) return reject('truncated', `watch without minute: ${excerpt(rest)}`);
  const movieId = rest.slice(0, slash);
  const file = rest.slice(slash + 1);
  if (!file.endsWith('.mpg')) {
    // `…/12` or `…/12.mp` was cut; anything else after the slash is garbage.
    return /^-?\d*(\.m?p?)?$/.test(file)
      ? reject('truncated', `watch cut short: ${excerpt(rest)}`)
      : reject('bad_minute', `minute ${excerpt(file)}`);
  }
  const movieProblem = checkMovieId(movieId);
  if (movieProblem) return movieProblem;
  const minuteText = file.slice(0, -4);
  if (!INTEGER.test(minuteText)) return reject('bad_minute', `minute ${excerpt(minuteText)}`);
  const minute = Number(minuteText);
  if (minute < 0 || minute > MAX_MINUTE) return reject('bad_minute', `minute ${minute} outside 0..${MAX_MINUTE}`);
  return { type: 'watch', at, userId, movieId, minute };
}

function parseRating(rest: string, at: number, userId: number, options: ParseOptions): ParseResult {
  const eq = rest.lastIndexOf('=');
  if (eq < 0) return reject('truncated', `rating without value: ${excerpt(rest)}`);
  const movieId = rest.slice(0, eq);
  const movieProblem = checkMovieId(movieId);
  if (movieProblem) return movieProblem;
  const valueText = rest.slice(eq + 1);
  if (valueText.length === 0) return reject('truncated', `rating without value: ${excerpt(rest)}`);
  if (!INTEGER.test(valueText)) return reject('bad_rating', `rating ${excerpt(valueText)} is not an integer`);
  const rating = Number(valueText);
  if (rating < 1 || rating > options.ratingScaleMax)
    return reject('rating_out_of_range', `rating ${rating} outside 1..${options.ratingScaleMax}`);
  return { type: 'rating', at, userId, movieId, rating };
}

function parseRecommendation(body: string, at: number, userId: number): ParseResult {
  const m = RECOMMENDATION.exec(body);
  if (!m) {
    // Everything up to the latency is there but the tail is missing: cut short.
    return /, \S*$/.test(body) || !/ ?ms$/.test(body)
      ? reject('truncated', `recommendation cut short: ${excerpt(body)}`)
      : reject('unknown_format', `recommendation ${excerpt(body)}`);
  }
  const [, server, statusText, result, latencyText] = m;
  if (!SERVER.test(server)) return reject('unknown_format', `server ${excerpt(server)} is not host:port`);
  // Three digits, or 0: what the platform writes when its call got no HTTP response.
  if (!/^(?:\d{3}|0)$/.test(statusText)) return reject('bad_status', `status ${excerpt(statusText)}`);
  if (!/^\d{1,10}$/.test(latencyText) || Number(latencyText) > MAX_INT4)
    return reject('bad_latency', `latency ${excerpt(latencyText)}`);
  const status = Number(statusText);
  let items: string[] = [];
  // A failed request carries an error text (or nothing) where the ids would be.
  if (status === 200 && result.trim().length > 0) {
    items = result.split(',').map((item) => item.trim());
    for (const item of items) {
      const problem = checkMovieId(item);
      if (problem) return problem;
    }
  }
  const failure = status >= 200 && status < 300 ? null : classifyFailure(status, result);
  return { type: 'recommendation', at, userId, server, status, items, latencyMs: Number(latencyText), failure };
}

const MAX_ERROR_TEXT = 500;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
const TIMEOUT_TEXT = /timed?[ _-]?out|timeout|deadline exceeded|ETIMEDOUT|ESOCKETTIMEDOUT/i;
const CONNECTION_TEXT =
  /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|connection (?:refused|reset|closed)|socket hang up|unreachable/i;

/** The failure of a request with a non-2xx status (0 included) and its result text. */
export function classifyFailure(status: number, resultText: string): RecommendationFailure {
  const text = resultText.trim().replace(CONTROL, '?').slice(0, MAX_ERROR_TEXT);
  const reason: FailureReason = TIMEOUT_TEXT.test(text)
    ? 'timeout'
    : CONNECTION_TEXT.test(text)
      ? 'connection'
      : status === 0
        ? 'no_response'
        : status >= 500 && status < 600
          ? 'server_error'
          : status >= 400 && status < 500
            ? 'client_error'
            : 'other';
  return { reason, text };
}

function checkMovieId(id: string): Rejection | null {
  if (id.length === 0) return reject('bad_movie_id', 'empty movie id');
  if (id.length > MAX_MOVIE_ID_LENGTH) return reject('bad_movie_id', `movie id of ${id.length} characters`);
  if (!MOVIE_ID.test(id) || !HAS_ALNUM.test(id)) return reject('bad_movie_id', `movie id ${excerpt(id)}`);
  return null;
}

/** `YYYY-MM-DDTHH:MM:SS[.f…]` as UTC epoch ms; null unless it names a real calendar instant. */
export function parseLogTime(text: string): number | null {
  // Hot path (every line): no regex, and consecutive lines mostly share their
  // second, so the calendar arithmetic for the `YYYY-MM-DDTHH:MM:SS` prefix is
  // cached; only the fraction is parsed per line.
  const length = text.length;
  if (length !== 19 && (length < 21 || length > 26 || text.charCodeAt(19) !== 46) /* . */) return null;
  const prefix = length === 19 ? text : text.slice(0, 19);
  let second: number | null;
  if (prefix === lastPrefix) second = lastSecond;
  else {
    second = parseSecond(prefix);
    if (second === null) return null;
    lastPrefix = prefix;
    lastSecond = second;
  }
  if (length === 19) return second;
  // Fractions beyond milliseconds are truncated (the store keeps milliseconds).
  let millis = 0;
  for (let i = 20; i < length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    if (i < 23) millis = millis * 10 + d;
  }
  for (let i = length; i < 23; i++) millis *= 10;
  return second + millis;
}

let lastPrefix = '';
let lastSecond = 0;

function parseSecond(text: string): number | null {
  const digits = (from: number, to: number): number => {
    let value = 0;
    for (let i = from; i < to; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      value = value * 10 + d;
    }
    return value;
  };
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return null;
  const year = digits(0, 4);
  const month = digits(5, 7);
  const day = digits(8, 10);
  const hour = digits(11, 13);
  const minute = digits(14, 16);
  const second = digits(17, 19);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59)
    return null;
  if (second < 0 || second > 59) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  if (new Date(ms).getUTCDate() !== day) return null;
  return ms;
}

function reject(reason: RejectionReason, detail: string): Rejection {
  return { type: 'rejected', reason, detail };
}

/** A short, printable excerpt for details and logs (the raw bytes are kept elsewhere). */
function excerpt(text: string, max = 60): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(printable.length > max ? `${printable.slice(0, max)}…` : printable);
}
