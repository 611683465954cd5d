import { Module, OnModuleInit } from '@nestjs/common';
import { DatasetsModule } from '@modules/datasets';
import { GateRegistry, GovernanceModule } from '@modules/governance';
import { InteractionsModule } from '@modules/interactions';
import { AuditChainMonitor } from './audit-chain.monitor';
import { DriftGateEvaluator } from './drift/drift-gate.evaluator';
import { DriftService } from './drift/drift.service';
import { HttpMetricsHook } from './http-metrics.hook';
import { MonitoringMetrics } from './monitoring.metrics';

/**
 * Monitoring: generic HTTP metrics, the audit-chain health gauge, and data /
 * prediction drift (gauges, the `drift` promotion gate registered with
 * governance's GateRegistry, audit records when it blocks). Prometheus config,
 * alert rules and Grafana dashboards live in monitoring/ and grafana/ at the
 * repository root.
 */
@Module({
  imports: [GovernanceModule, DatasetsModule, InteractionsModule],
  providers: [MonitoringMetrics, HttpMetricsHook, AuditChainMonitor, DriftService, DriftGateEvaluator],
  exports: [DriftService, AuditChainMonitor],
})
export class MonitoringModule implements OnModuleInit {
  constructor(
    private readonly gates: GateRegistry,
    private readonly driftGate: DriftGateEvaluator,
  ) {}

  onModuleInit(): void {
    this.gates.register(this.driftGate);
  }
}
