// Public surface of modules/governance: what other modules may import. Everything else is internal.
export { AccessControlService } from './access/access-control.service';
export { AdminAuthGuard } from './access/admin-auth.guard';
export { ApiKeyService } from './access/api-key.service';
export { CallerAccess, type CallerVerdict } from './access/caller-access.service';
export { CurrentPrincipal, RequirePermission } from './access/require-permission';
export { type Principal, ROLES } from './access/roles';
export { parseInput } from './admin/admin-dto';
export { type ChainAnchor, type ChainVerification } from './audit/audit-chain';
export { type AnchorSink, type ExternalAnchor, FileAnchorSink } from './audit/audit-anchor';
export { type AnchoredVerification, AuditAnchorService } from './audit/audit-anchor.service';
export { AuditModule } from './audit/audit.module';
export { AuditKind, type AuditRecordView, AuditService } from './audit/audit.service';
export {
  GATE_STATUSES,
  type GateEvaluation,
  type GateEvaluator,
  type GateInput,
  GateRegistry,
  POLICY_GATES,
  type GateResult,
  GatesModule,
  type GateStatus,
  gateStatusOf,
  type GateSummary,
  normalizeGateResult,
  summarizeGates,
  undecidedGatesSentence,
  type SnapshotRef,
} from './gates';
export { governanceCliContext, GovernanceCliModule } from './governance-cli.module';
export { GovernanceModule } from './governance.module';
export { allowedTargets } from './registry/lifecycle';
export { LineageService, type ModelLineage } from './registry/lineage.service';
export { HOLDOUT_COMPARISON_GATE, type HoldoutComparisonResult } from './policy/promotion-policy';
export { ModelRegistryService, modelSubject } from './registry/model-registry.service';
export { type ModelVersion } from './registry/model-version';
export { PromotionGate, type TransitionOutcome } from './registry/promotion-gate.service';
export { RegistryModule } from './registry/registry.module';
export {
  renderHtml as renderComplianceHtml,
  renderMarkdown as renderComplianceMarkdown,
} from './reports/compliance-report';
export { ComplianceReportService, DEFAULT_REPORTS_DIR } from './reports/compliance-report.service';
export { ReportsModule } from './reports/reports.module';
