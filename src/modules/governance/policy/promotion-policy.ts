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
  /** The candidate's like-for-like comparison with a champion (its `holdout-comparison` gate), null when none. */
  readonly comparison?: HoldoutComparisonResult | null;
  readonly override: { readonly requested: boolean; readonly justification: string };
}

export interface PolicyDecision {
  readonly allow: boolean;
  readonly reasons: readonly string[];
  readonly overridden: boolean;
  /** sha256(promotion.wasm ‖ data.json): the exact rules and thresholds that decided. */
  readonly policyVersion: string;
}

/** The gate whose result is the like-for-like offline comparison with the champion (quality.rego reads it). */
export const HOLDOUT_COMPARISON_GATE = 'holdout-comparison';

/**
 * The like-for-like comparison as recorded under gates['holdout-comparison']
 * (besides status and reasons) and as the policy reads it under `comparison`:
 * both figures measured on one holdout, named by its hash.
 */
export interface HoldoutComparisonResult {
  readonly [measurement: string]: unknown;
  readonly championId: string;
  readonly candidate: Record<string, number>;
  readonly champion: Record<string, number>;
  /** The champion's figure as registered (its own holdout), for the report: not what the policy compares. */
  readonly championRegistered: Record<string, unknown>;
  readonly split: string;
  readonly splitHash: string;
  readonly snapshotId: string;
  readonly holdoutRows: number;
  readonly holdoutUsers: number;
  readonly method: string;
}
