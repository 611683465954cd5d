import { InteractionDataset } from '@lib/dataset';
import { ModelVersion } from '../registry/model-version';
import { SnapshotRef } from './snapshot-ref';

/** What a gate is evaluated on: the freshly registered model and the snapshot it was trained on. */
export interface GateInput {
  readonly model: ModelVersion;
  readonly snapshot: SnapshotRef;
  readonly data: InteractionDataset;
}

/** A gate's verdict with its measurements, recorded on the model under gates.<gate> (the policy reads it). */
export interface GateEvaluation {
  passed: boolean;
  [measurement: string]: unknown;
}

/**
 * A promotion gate computed for a freshly registered model (drift, fairness,
 * poisoning, or any gate a module adds). The module that owns a gate registers
 * its evaluator with the GateRegistry; a gate nobody evaluates stays missing,
 * and the policy then denies with "<gate> gate has not been evaluated" —
 * never a silent pass. `gate` is an open name: a new gate is a new class, not
 * an edit to a union.
 */
export interface GateEvaluator {
  readonly gate: string;
  evaluate(input: GateInput): Promise<GateEvaluation>;
}
