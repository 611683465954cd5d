import { InteractionDataset } from '../datasets/interaction-dataset';
import { ModelVersion } from '../governance/registry/model-version';
import { SnapshotRef } from './snapshot-source';

/**
 * A promotion gate computed for a freshly registered model (drift, fairness,
 * poisoning). Modules that own a gate provide one under GATE_EVALUATORS; a
 * gate nobody evaluates stays missing, and the policy then denies with
 * "<gate> gate has not been evaluated" — never a silent pass.
 */
export interface GateEvaluator {
  readonly gate: 'drift' | 'fairness' | 'poisoning';
  evaluate(input: {
    readonly model: ModelVersion;
    readonly snapshot: SnapshotRef;
    readonly data: InteractionDataset;
  }): Promise<{ passed: boolean; [measurement: string]: unknown }>;
}

export const GATE_EVALUATORS = Symbol('GATE_EVALUATORS');
