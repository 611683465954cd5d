import { ModelState } from './lifecycle';

/** A registered model version (the model_version row). */
export interface ModelVersion {
  readonly id: string;
  readonly slot: string;
  readonly modelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly snapshotId: string;
  readonly snapshotHash: string;
  readonly codeVersion: { readonly commit: string; readonly dirty: boolean };
  readonly artifactDir: string;
  /** sha256 of the artifact's manifest.json, which itself pins model.bin and ids.json. */
  readonly artifactSha256: string;
  readonly trainingRunId: string | null;
  readonly metrics: Record<string, unknown>;
  /** Gate results by gate name: fairness, drift, poisoning (each `{ passed, … }`). */
  readonly gates: Record<string, unknown>;
  readonly state: ModelState;
  readonly trainedBy: string;
  readonly trainedAt: Date;
  readonly registeredBy: string;
  readonly registeredAt: Date;
  readonly stateChangedAt: Date;
  /** Last time it entered production (null if never). */
  readonly promotedAt: Date | null;
}

/** A recorded policy evaluation of a requested transition (the promotion_decision row). */
export interface PromotionDecisionRecord {
  readonly id: string;
  readonly modelId: string;
  readonly slot: string;
  readonly fromState: string;
  readonly toState: string;
  readonly actor: string;
  readonly role: string;
  readonly allowed: boolean;
  readonly overridden: boolean;
  readonly justification: string | null;
  readonly reasons: readonly string[];
  readonly policyVersion: string;
  readonly input: unknown;
  readonly decidedAt: Date;
}
