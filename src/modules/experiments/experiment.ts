/** An arm of an A/B test: a traffic share routed to a registry model version. */
export interface ExperimentArm {
  readonly name: string;
  readonly modelVersion: string;
  readonly share: number;
}

export type ExperimentKind = 'ab' | 'canary';
export type ExperimentStatus = 'draft' | 'running' | 'stopped' | 'concluded' | 'rolled_back' | 'promoted';

export interface ExperimentSettings {
  /** Significance level of the tests (two-sided). */
  readonly alpha: number;
  readonly power: number;
  /** Absolute conversion difference the power calculation targets. */
  readonly minimumDetectableEffect: number;
  /** Baseline conversion assumed by the power calculation until data says otherwise. */
  readonly baselineConversion: number;
  /** Mixing SD τ of the mSPRT over the conversion difference (Johari et al. 2017). */
  readonly sequentialTau: number;
  /** Canary only: traffic shares, in order; the last is normally 1. */
  readonly canarySteps?: readonly number[];
  readonly guardrails?: CanaryGuardrails;
}

export interface CanaryGuardrails {
  /** Users a step needs in the candidate arm before it can advance. */
  readonly minUsersPerStep: number;
  /** Minimum time on a step (ms) before advancing. */
  readonly minStepMs: number;
  readonly maxErrorRate: number;
  readonly maxLatencyP99Ms: number;
  /** Candidate responses (all steps) needed before the last step asks for promotion (the policy's min_requests). */
  readonly minRequestsToPromote: number;
}

export const DEFAULT_SETTINGS: ExperimentSettings = {
  alpha: 0.05,
  power: 0.8,
  minimumDetectableEffect: 0.02,
  baselineConversion: 0.1,
  sequentialTau: 0.05,
};

export const DEFAULT_CANARY_STEPS = [0.05, 0.25, 0.5, 1] as const;

export const DEFAULT_GUARDRAILS: CanaryGuardrails = {
  minUsersPerStep: 200,
  minStepMs: 5 * 60_000,
  maxErrorRate: 0.01,
  maxLatencyP99Ms: 600,
  minRequestsToPromote: 500,
};

/** One interim analysis: kept so the sequential p-value can take its running minimum. */
export interface ExperimentLook {
  readonly at: string;
  readonly difference: number;
  readonly variance: number;
}

export interface Experiment {
  readonly id: string;
  readonly kind: ExperimentKind;
  readonly slot: string;
  readonly status: ExperimentStatus;
  readonly salt: string;
  /** A/B: the arms. Canary: [control (production), candidate]. */
  readonly arms: readonly ExperimentArm[];
  readonly settings: ExperimentSettings;
  readonly canaryStep: number | null;
  readonly canaryShare: number | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly stoppedAt: Date | null;
  readonly concludedAt: Date | null;
  readonly conclusion: Record<string, unknown> | null;
  readonly looks: readonly ExperimentLook[];
}

export const experimentSubject = (id: string): string => `experiment:${id}`;
