import { InteractionDataset } from '@lib/dataset';
import { ModelVersion } from '../registry/model-version';
import { SnapshotRef } from './snapshot-ref';

/** What a gate is evaluated on: the freshly registered model and the snapshot it was trained on. */
export interface GateInput {
  readonly model: ModelVersion;
  readonly snapshot: SnapshotRef;
  readonly data: InteractionDataset;
}

/**
 * A gate's verdict is three-valued. `undecided` means the gate could not
 * decide (too few samples in a window, accounts awaiting a human review, no
 * group large enough to measure): the policy denies it like a failure unless
 * an admin overrides with a justification that names the gate.
 */
export const GATE_STATUSES = ['passed', 'failed', 'undecided'] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

/** What an evaluator returns: its verdict, why, and the measurements behind it. */
export interface GateEvaluation {
  status: GateStatus;
  /** Why it failed or could not decide, in words an operator can act on (empty when passed). */
  reasons: string[];
  [measurement: string]: unknown;
}

/**
 * A gate result as stored on the model under gates.<gate> (and read by the
 * policy, the compliance report and the admin API). `passed` is
 * `status === 'passed'`, kept for readers of results recorded before gates
 * were three-valued; `status` is authoritative.
 */
export interface GateResult extends GateEvaluation {
  passed: boolean;
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

/** A gate result that cannot be stored (thrown by normalizeGateResult). */
export class InvalidGateResultError extends Error {}

const isStatus = (value: unknown): value is GateStatus => GATE_STATUSES.includes(value as GateStatus);

/**
 * The stored shape of a gate result, from an evaluator's `{status, reasons}`
 * or from an older/operator-written `{passed, reason?}` (passed → `passed`,
 * otherwise `failed`). A result with neither a known status nor a boolean
 * `passed`, or whose `passed` contradicts its status, is refused: a result
 * that could be read two ways is no evidence.
 */
export function normalizeGateResult(raw: unknown): GateResult {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidGateResultError('a gate result must be an object');
  }
  const { status, passed, reasons, reason, ...measurements } = raw as Record<string, unknown>;
  if (status !== undefined && !isStatus(status)) {
    throw new InvalidGateResultError(
      `a gate result's status must be one of ${GATE_STATUSES.join(', ')} (got ${JSON.stringify(status)})`,
    );
  }
  if (passed !== undefined && typeof passed !== 'boolean') {
    throw new InvalidGateResultError('a gate result\'s "passed" must be a boolean');
  }
  if (status === undefined && passed === undefined) {
    throw new InvalidGateResultError(`a gate result needs a "status" (${GATE_STATUSES.join(', ')})`);
  }
  const verdict: GateStatus = isStatus(status) ? status : passed ? 'passed' : 'failed';
  if (passed !== undefined && passed !== (verdict === 'passed')) {
    throw new InvalidGateResultError(`a gate result with status ${verdict} cannot say passed: ${String(passed)}`);
  }
  if (reasons !== undefined && !(Array.isArray(reasons) && reasons.every((r) => typeof r === 'string'))) {
    throw new InvalidGateResultError('a gate result\'s "reasons" must be a list of strings');
  }
  if (reason !== undefined && typeof reason !== 'string') {
    throw new InvalidGateResultError('a gate result\'s "reason" must be a string');
  }
  const why = [...((reasons as string[] | undefined) ?? [])];
  if (typeof reason === 'string' && !why.includes(reason)) why.push(reason);
  return { ...measurements, status: verdict, passed: verdict === 'passed', reasons: why };
}

/** The status of a stored result, including results recorded before gates were three-valued. */
export function gateStatusOf(result: unknown): GateStatus | 'missing' {
  if (!result || typeof result !== 'object') return 'missing';
  const { status, passed } = result as { status?: unknown; passed?: unknown };
  if (isStatus(status)) return status;
  return passed === true ? 'passed' : 'failed';
}

/** One gate at a glance: what the compliance report and the admin API show first. */
export interface GateSummary {
  readonly gate: string;
  readonly status: GateStatus | 'missing';
  readonly reasons: readonly string[];
  /** What the gate could not decide: features (drift), dimensions (fairness), with samples where recorded. */
  readonly undecided: readonly {
    readonly name: string;
    readonly samples?: { readonly reference: number; readonly recent: number };
    readonly reason?: string;
  }[];
}

/**
 * Summarizes stored gate results for the named gates (missing ones included).
 * Undecided parts are read from `features` entries with `decided: false`
 * (each with its samples) and from an `undecided` list of names.
 */
export function summarizeGates(gates: Record<string, unknown>, names: readonly string[]): GateSummary[] {
  return names.map((gate) => {
    const result = gates[gate] as
      | {
          reasons?: unknown;
          reason?: unknown;
          undecided?: unknown;
          features?: Record<string, { decided?: unknown; samples?: unknown; reason?: unknown }>;
        }
      | undefined;
    const status = gateStatusOf(result);
    if (!result || status === 'missing') return { gate, status, reasons: [], undecided: [] };
    const reasons = Array.isArray(result.reasons)
      ? result.reasons.filter((r): r is string => typeof r === 'string')
      : typeof result.reason === 'string'
        ? [result.reason]
        : [];
    const undecided = new Map<string, GateSummary['undecided'][number]>();
    if (result.features && typeof result.features === 'object') {
      for (const [name, f] of Object.entries(result.features)) {
        if (f?.decided !== false) continue;
        const samples = f.samples as { reference?: unknown; recent?: unknown } | undefined;
        undecided.set(name, {
          name,
          ...(typeof samples?.reference === 'number' && typeof samples.recent === 'number'
            ? { samples: { reference: samples.reference, recent: samples.recent } }
            : {}),
          ...(typeof f.reason === 'string' ? { reason: f.reason } : {}),
        });
      }
    }
    if (Array.isArray(result.undecided)) {
      for (const name of result.undecided) {
        if (typeof name !== 'string' || undecided.has(name)) continue;
        const reason = reasons.find((r) => r.startsWith(`${name}:`));
        undecided.set(name, { name, ...(reason ? { reason } : {}) });
      }
    }
    return { gate, status, reasons, undecided: [...undecided.values()] };
  });
}

/**
 * The sentence an override's justification needs when it sets aside
 * undecided gates (the policy requires the justification to name each):
 * "Undecided gates set aside: drift (served_popularity: …); poisoning (…)."
 * Empty when no named gate is undecided.
 */
export function undecidedGatesSentence(gates: Record<string, unknown>, names: readonly string[]): string {
  const undecided = summarizeGates(gates, names).filter((g) => g.status === 'undecided');
  if (undecided.length === 0) return '';
  return `Undecided gates set aside: ${undecided
    .map((g) => `${g.gate} (${g.reasons.join('; ') || 'no reason recorded'})`)
    .join('; ')}.`;
}
