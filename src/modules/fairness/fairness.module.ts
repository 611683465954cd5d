import { Module } from '@nestjs/common';
import { FairnessAuditService } from './fairness-audit.service';
import { FairnessGateEvaluator } from './fairness-gate.evaluator';
import { FairnessMetrics } from './fairness.metrics';
import { FairnessRepository } from './fairness.repository';

/**
 * Fairness audits and the 'fairness' promotion gate. The releases module
 * imports this module and lists FairnessGateEvaluator in its GATE_EVALUATORS
 * array. Needs the global ConfigModule, MetricsModule and StorageModule (online audits).
 */
@Module({
  providers: [FairnessMetrics, FairnessRepository, FairnessAuditService, FairnessGateEvaluator],
  exports: [FairnessAuditService, FairnessGateEvaluator, FairnessMetrics],
})
export class FairnessModule {}
