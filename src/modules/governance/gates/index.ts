/** The promotion-gate contract: what a gate-owning module implements and registers. */
export type { GateEvaluation, GateEvaluator, GateInput, GateResult, GateStatus, GateSummary } from './gate-evaluator';
export {
  GATE_STATUSES,
  gateStatusOf,
  InvalidGateResultError,
  normalizeGateResult,
  summarizeGates,
  undecidedGatesSentence,
} from './gate-evaluator';
export { GateRegistry, POLICY_GATES } from './gate-registry';
export { GatesModule } from './gates.module';
export type { SnapshotRef } from './snapshot-ref';
