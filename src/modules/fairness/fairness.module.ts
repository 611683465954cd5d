import { Module, OnModuleInit } from '@nestjs/common';
import { GateRegistry, GatesModule } from '@modules/governance';
import { InteractionsModule } from '@modules/interactions';
import { FairnessAuditService } from './fairness-audit.service';
import { FairnessGateEvaluator } from './fairness-gate.evaluator';
import { FairnessMetrics } from './fairness.metrics';

/**
 * Fairness audits and the 'fairness' promotion gate, which this module
 * registers with governance's GateRegistry. Imports only the gate contract
 * (GatesModule), not all of governance. Needs the global ConfigModule and
 * MetricsModule; online audits read live traffic through the interactions module.
 */
@Module({
  imports: [GatesModule, InteractionsModule],
  providers: [FairnessMetrics, FairnessAuditService, FairnessGateEvaluator],
  exports: [FairnessAuditService, FairnessMetrics],
})
export class FairnessModule implements OnModuleInit {
  constructor(
    private readonly gates: GateRegistry,
    private readonly fairnessGate: FairnessGateEvaluator,
  ) {}

  onModuleInit(): void {
    this.gates.register(this.fairnessGate);
  }
}
