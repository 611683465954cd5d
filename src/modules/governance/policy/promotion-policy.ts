/**
 * The promotion policy's input and output (documented in policies/README.md).
 * The Rego rules in policies/promotion/ read exactly this shape.
 */
export type LifecycleTarget = 'canary' | 'production' | 'retired' | 'rejected';

/** A gate result as the policy reads it (gates.rego): `status` is authoritative, `passed` is for older rows. */
export interface GateResult {
  readonly status?: 'passed' | 'failed' | 'undecided';
  readonly passed: boolean;
  readonly reasons?: readonly string[];
  readonly reason?: string;
  readonly [measurement: string]: unknown;
}

export interface CanaryTelemetry {
  readonly requests: number;
  readonly errorRate: number;
  readonly latencyP95Ms: number;
  /** Online quality of the canary, e.g. watch-through rate. */
  readonly onlineMetric: number;
  /** The same metric for the champion over the same window. */
  readonly championOnlineMetric?: number;
  /** Standard error of onlineMetric − championOnlineMetric; with it, the policy asks for evidence of a regression. */
  readonly onlineDifferenceStdError?: number;
  readonly [extra: string]: unknown;
}

export interface PolicyInput {
  readonly transition: { readonly from: string; readonly to: string; readonly slot: string };
  readonly actor: { readonly id: string; readonly role: string };
  readonly candidate: {
    readonly id: string;
    readonly modelType: string;
    readonly snapshotId: string;
    readonly metrics: Record<string, unknown>;
    readonly gates: Record<string, unknown>;
  };
  readonly champion: { readonly id: string; readonly metrics: Record<string, unknown> } | null;
  readonly canary: CanaryTelemetry | null;
  readonly override: { readonly requested: boolean; readonly justification: string };
}

export interface PolicyDecision {
  readonly allow: boolean;
  readonly reasons: readonly string[];
  readonly overridden: boolean;
  /** sha256(promotion.wasm ‖ data.json): the exact rules and thresholds that decided. */
  readonly policyVersion: string;
}
