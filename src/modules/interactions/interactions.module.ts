import { Module } from '@nestjs/common';
import { ActivityWindowRepository } from './activity-window.repository';
import { ActivityWriteRepository } from './activity-write.repository';
import { CatalogRepository } from './catalog.repository';
import { InteractionPairsRepository } from './interaction-pairs.repository';
import { RecommendationLogRepository } from './recommendation-log.repository';
import { UserHistoryRepository } from './user-history.repository';

const REPOSITORIES = [
  ActivityWriteRepository,
  RecommendationLogRepository,
  CatalogRepository,
  UserHistoryRepository,
  ActivityWindowRepository,
  InteractionPairsRepository,
];

/**
 * The owner of the activity data: watch_aggregate, rating_event, rating,
 * recommendation_log, and the users and movies they refer to (app_user,
 * movie). Every statement on those tables is in this module's repositories;
 * other modules import this module and call them (see README.md). Needs the
 * global StorageModule.
 */
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class InteractionsModule {}
