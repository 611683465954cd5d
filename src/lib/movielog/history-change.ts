import { ParseResult } from './log-line.parser';

/**
 * Which user's history does a line change? Watch and rating lines do (they
 * add to what a user has seen and must not be recommended again); account and
 * recommendation lines do not. Serving asks this of every record on the
 * stream to drop that user's cached history, so there are two answers:
 *
 * - `userWhoseHistoryChangedIn(parsed)`: the answer from the full parser.
 * - `userWhoseHistoryChanged(text)`: the same answer from the raw line at a
 *   fraction of the cost (two `indexOf`s and a prefix test instead of
 *   decoding, validating and allocating a typed line), for the request thread.
 *
 * For every line the parser accepts the two agree (property test in
 * log-line.parser.spec.ts, over the parser's corpus). A line the parser
 * rejects may still name a user here: a spurious invalidation costs one
 * history reload, while a missed one would serve a stale history.
 */
export function userWhoseHistoryChangedIn(line: ParseResult): number | null {
  return line.type === 'watch' || line.type === 'rating' ? line.userId : null;
}

/**
 * The user id of a watch or rating line (the lines that change what to
 * exclude), else null. `line` is the record decoded as latin1: one byte per
 * character, and the fields read here are ASCII in every accepted line.
 */
export function userWhoseHistoryChanged(line: string): number | null {
  const first = line.indexOf(',');
  const second = first < 0 ? -1 : line.indexOf(',', first + 1);
  if (second < 0) return null;
  const request = line.slice(second + 1, second + 13);
  if (!request.startsWith('GET /data/m/') && !request.startsWith('GET /rate/')) return null;
  const userId = Number(line.slice(first + 1, second));
  return Number.isSafeInteger(userId) && userId >= 0 ? userId : null;
}
