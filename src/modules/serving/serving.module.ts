import { Module } from '@nestjs/common';
import { RerankStage } from '@modules/fairness';
import { GovernanceModule } from '@modules/governance';
import { InteractionsModule } from '@modules/interactions';
import { CatalogFacts } from './catalog-facts.service';
import { LiveModels } from './live-models';
import { HistoryIndexService } from './history-index.service';
import { ModelLoaderService } from './model-loader.service';
import { RecommendController } from './recommend.controller';
import { RecommendFastPath } from './recommend.fast-path';
import { RecommendationService } from './recommendation.service';
import { ServingRouter } from './serving-router';
import { ServingMetrics } from './serving.metrics';
import { ResponseLogWriter } from './response-log.writer';

@Module({
  imports: [GovernanceModule, InteractionsModule],
  controllers: [RecommendController],
  providers: [
    LiveModels,
    ServingMetrics,
    ServingRouter,
    ModelLoaderService,
    CatalogFacts,
    ResponseLogWriter,
    HistoryIndexService,
    RecommendationService,
    RecommendFastPath,
    RerankStage,
  ],
  exports: [ServingRouter, ModelLoaderService, LiveModels, RecommendationService],
})
export class ServingModule {}
