import { Module } from '@nestjs/common';
import { InteractionsModule } from '../interactions';
import { FairnessAuditService } from './fairness-audit.service';
import { FairnessGateEvaluator } from './fairness-gate.evaluator';
import { FairnessMetrics } from './fairness.metrics';

/**
 * Fairness audits and the 'fairness' promotion gate. The releases module
 * imports this module and lists FairnessGateEvaluator in its GATE_EVALUATORS
 * array. Needs the global ConfigModule, MetricsModule and StorageModule; online
 * audits read live traffic through the interactions module.
 */
@Module({
  imports: [InteractionsModule],
  providers: [FairnessMetrics, FairnessAuditService, FairnessGateEvaluator],
  exports: [FairnessAuditService, FairnessGateEvaluator, FairnessMetrics],
})
export class FairnessModule {}
