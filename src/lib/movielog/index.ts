/**
 * The `movielog` stream contract: how a line is written, how it is read, and
 * which user's history it changes. Framework-free (no NestJS, storage or
 * events); this file is the library's only public surface. See README.md.
 */
export {
  accountLine,
  formatAccountLine,
  formatLogTime,
  formatRatingLine,
  formatRecommendationLine,
  formatWatchLine,
  LogTimeFormatter,
  ratingLine,
  recommendationHashOf,
  recommendationLine,
  recommendationLineHash,
  watchLine,
} from './log-line.format';
export type { RecommendationLineFields } from './log-line.format';
export {
  classifyFailure,
  DEFAULT_MAX_LINE_BYTES,
  FAILURE_REASONS,
  LINE_TYPES,
  parseLogLine,
  parseLogTime,
  REJECTION_REASONS,
} from './log-line.parser';
export type {
  AccountLine,
  FailureReason,
  LineType,
  LogLine,
  ParseOptions,
  ParseResult,
  RatingLine,
  RecommendationFailure,
  RecommendationLine,
  Rejection,
  RejectionReason,
  WatchLine,
} from './log-line.parser';
export { HISTORY_CHANGE_MAX_USERS, historyChangeMessages, usersInHistoryChange } from './history-change';
