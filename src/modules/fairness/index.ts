// Public surface of modules/fairness: what other modules may import. Everything else is internal.
export { auditScorer, auditSplit } from './audit/offline-audit';
export { auditServedLists } from './audit/online-audit';
export { trainRecipeScorer } from './audit/recipe-scorer';
export { readOnlineTraffic } from './fairness-audit.service';
export { FairnessModule } from './fairness.module';
export { entropyBits, gini, topShare } from './indicators/exposure';
export { writeFairnessReport, writeOnlineFairnessReport } from './report/fairness-report';
export { barChart, lineChart } from './report/svg-charts';
export { type FeedbackCycle, writeFeedbackStudyReport } from './report/feedback-report';
export { RerankStage } from './reranking/rerank.stage';
export { type RerankMode, ServingReranker } from './reranking/rerankers';
