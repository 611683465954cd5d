// The interactions module's public surface: the Nest module, its repositories and their types.
export { InteractionsModule } from './interactions.module';
export { ActivityWriteRepository } from './activity-write.repository';
export { RecommendationLogRepository } from './recommendation-log.repository';
export type { FailedRequestCount, LoggedRecommendation, ServedRecommendation } from './recommendation-log.repository';
export { CatalogRepository } from './catalog.repository';
export { UserHistoryRepository } from './user-history.repository';
export type { HistoryRange, StoredHistoryRow, StoredUserHistory } from './user-history.repository';
export { ActivityWindowRepository, ONLINE_TRAFFIC_TABLES } from './activity-window.repository';
export type { ActivityWindow, RaterActivitySink, ServedListRow, WatchStartRow } from './activity-window.repository';
export { InteractionPairsRepository } from './interaction-pairs.repository';
export type { PairRow } from './interaction-pairs.repository';
export type { ActivityBatch, FirstSeen, RatingRow, RecommendationRow, WatchRow } from './activity-batch';
export type { MovieRecord, UserRecord } from './catalog-records';
export { genreNames, releaseYear, userProfileOf } from './catalog-profiles';
export type { StoredMovieProfile, StoredUserProfile } from './catalog-profiles';
