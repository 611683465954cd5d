import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { SqlConnection } from '@modules/storage';
import { AuditKind, AuditService } from '../audit/audit.service';
import { InvalidGateResultError, normalizeGateResult } from '../gates/gate-evaluator';
import { GovernanceMetrics } from '../governance-metrics';
import {
  CanaryTelemetry,
  HOLDOUT_COMPARISON_GATE,
  HoldoutComparisonResult,
  PolicyInput,
} from '../policy/promotion-policy';
import { PromotionPolicyService } from '../policy/promotion-policy.service';
import { canTransition, InvalidTransitionError, isModelState, ModelState, TransitionTarget } from './lifecycle';
import { ModelVersion, PromotionDecisionRecord } from './model-version';
import { ModelVersionRepository } from './model-version.repository';
import { modelSubject } from './model-registry.service';

export interface TransitionRequest {
  readonly modelId: string;
  readonly to: TransitionTarget;
  /** Who asks (API key name or service name) and the role they act in. */
  readonly actor: string;
  readonly role: string;
  readonly justification?: string;
  readonly override?: boolean;
  /** Online telemetry of the canary; needed for canary → production. */
  readonly canaryTelemetry?: CanaryTelemetry;
  /** Gate results computed just now; stored on the model before the policy runs. */
  readonly gates?: Record<string, { status?: string; passed?: boolean; [measurement: string]: unknown }>;
}

export interface TransitionOutcome {
  readonly decision: PromotionDecisionRecord;
  /** The model after the decision (its new state when allowed). */
  readonly model: ModelVersion;
  /** The production model this promotion retired, if any. */
  readonly retired: ModelVersion | null;
}

export interface RollbackOutcome {
  readonly slot: string;
  readonly rolledBack: ModelVersion;
  readonly restored: ModelVersion;
}

/**
 * The only way a model changes lifecycle state. Every request is evaluated
 * by the promotion policy; the decision (allowed or not) and the transition
 * are recorded and audited in one transaction.
 */
@Injectable()
export class PromotionGate {
  constructor(
    private readonly repository: ModelVersionRepository,
    private readonly policy: PromotionPolicyService,
    private readonly audit: AuditService,
    private readonly metrics: GovernanceMetrics,
  ) {}

  /**
   * Throws NotFound for an unknown model, Conflict (409) for a transition the
   * lifecycle does not allow; a policy denial is returned as a decision with
   * `allowed: false` and every reason.
   */
  async requestTransition(request: TransitionRequest): Promise<TransitionOutcome> {
    if (!isModelState(request.to) || (request.to as string) === 'candidate') {
      throw new BadRequestException(`unknown target state ${String(request.to)}`);
    }
    let gates: Record<string, unknown> | undefined;
    try {
      gates = request.gates
        ? Object.fromEntries(Object.entries(request.gates).map(([g, r]) => [g, normalizeGateResult(r)]))
        : undefined;
    } catch (error) {
      if (error instanceof InvalidGateResultError) throw new BadRequestException(error.message);
      throw error;
    }
    const outcome = await this.repository.transaction(async (tx) => {
      const before = await this.repository.findById(request.modelId, tx);
      if (!before) throw new NotFoundException(`model ${request.modelId} is not registered`);
      await this.repository.lockSlot(before.slot, tx);
      const model = (await this.repository.findById(request.modelId, tx, true))!;
      if (!canTransition(model.state, request.to)) {
        throw new ConflictException(new InvalidTransitionError(model.id, model.state, request.to).message);
      }
      if (gates && Object.keys(gates).length > 0) {
        await this.repository.mergeGates(model.id, gates, tx);
        await this.audit.append(
          {
            actor: request.actor,
            kind: AuditKind.GateRecorded,
            subject: modelSubject(model.id),
            payload: { gates },
          },
          tx,
        );
      }
      const [champion] = (await this.repository.findInState(model.slot, 'production', tx)).filter(
        (m) => m.id !== model.id,
      );
      const input = this.policyInput(request, { ...model, gates: { ...model.gates, ...gates } }, champion);
      const verdict = await this.policy.evaluate(input);
      const decision = await this.repository.insertDecision(
        {
          modelId: model.id,
          slot: model.slot,
          fromState: model.state,
          toState: request.to,
          actor: request.actor,
          role: request.role,
          allowed: verdict.allow,
          overridden: verdict.overridden,
          justification: request.justification?.trim() || null,
          reasons: verdict.reasons,
          policyVersion: verdict.policyVersion,
          input,
        },
        tx,
      );
      const transition = { from: model.state, to: request.to, slot: model.slot };
      await this.audit.append(
        {
          actor: request.actor,
          kind: AuditKind.PolicyDecision,
          subject: modelSubject(model.id),
          payload: {
            decisionId: decision.id,
            transition,
            role: request.role,
            allowed: verdict.allow,
            overridden: verdict.overridden,
            overrideRequested: request.override === true,
            reasons: verdict.reasons,
            policyVersion: verdict.policyVersion,
            // The like-for-like offline comparison the quality rule used (null: registered figures compared).
            comparison: input.comparison
              ? {
                  championId: input.comparison.championId,
                  candidate: input.comparison.candidate,
                  champion: input.comparison.champion,
                  splitHash: input.comparison.splitHash,
                }
              : null,
          },
        },
        tx,
      );
      if (verdict.overridden) {
        await this.audit.append(
          {
            actor: request.actor,
            kind: AuditKind.PolicyOverride,
            subject: modelSubject(model.id),
            payload: {
              decisionId: decision.id,
              transition,
              role: request.role,
              justification: decision.justification,
              overriddenReasons: verdict.reasons,
              policyVersion: verdict.policyVersion,
            },
          },
          tx,
        );
      }
      let retired: ModelVersion | null = null;
      if (verdict.allow) {
        if (request.to === 'production' && champion) {
          await this.changeState(champion, 'retired', request.actor, tx, {
            decisionId: decision.id,
            cause: `replaced by ${model.id}`,
          });
          retired = await this.repository.findById(champion.id, tx);
        }
        await this.changeState(model, request.to, request.actor, tx, {
          decisionId: decision.id,
          policyVersion: verdict.policyVersion,
          overridden: verdict.overridden,
        });
      }
      return { decision, model: (await this.repository.findById(model.id, tx))!, retired };
    });
    this.metrics.policyDecisions.inc({
      transition: `${outcome.decision.fromState}->${outcome.decision.toState}`,
      allowed: String(outcome.decision.allowed),
    });
    return outcome;
  }

  /**
   * Emergency rollback of a slot: the production model is retired and the
   * model that was in production before it comes back. Not policy-gated (that
   * model was approved when it was promoted), but restricted by RBAC and audited.
   * Repeated rollbacks walk further back in the slot's history.
   */
  async rollback(slot: string, actor: string, reason?: string): Promise<RollbackOutcome> {
    return this.repository.transaction(async (tx) => {
      await this.repository.lockSlot(slot, tx);
      const [current] = await this.repository.findInState(slot, 'production', tx);
      if (!current) throw new ConflictException(`slot ${slot} has no production model to roll back`);
      const previous = await this.repository.findPreviousProduction(slot, current.promotedAt ?? new Date(), tx);
      if (!previous) throw new ConflictException(`slot ${slot} has no previous production model to return to`);
      const cause = { rollback: true, slot, reason: reason ?? null };
      await this.changeState(current, 'retired', actor, tx, { ...cause, replacedBy: previous.id });
      // promoted_at is kept, so that the next rollback goes further back instead of toggling.
      await this.repository.setState(previous.id, 'production', { promoted: false }, tx);
      await this.audit.append(
        {
          actor,
          kind: AuditKind.ModelTransition,
          subject: modelSubject(previous.id),
          payload: { from: previous.state, to: 'production', ...cause, replaces: current.id },
        },
        tx,
      );
      await this.audit.append(
        {
          actor,
          kind: AuditKind.ModelRolledBack,
          subject: `slot:${slot}`,
          payload: { rolledBack: current.id, restored: previous.id, reason: reason ?? null },
        },
        tx,
      );
      return {
        slot,
        rolledBack: (await this.repository.findById(current.id, tx))!,
        restored: (await this.repository.findById(previous.id, tx))!,
      };
    });
  }

  private async changeState(
    model: ModelVersion,
    to: ModelState,
    actor: string,
    tx: SqlConnection,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.repository.setState(model.id, to, { promoted: to === 'production' }, tx);
    await this.audit.append(
      {
        actor,
        kind: AuditKind.ModelTransition,
        subject: modelSubject(model.id),
        payload: { from: model.state, to, slot: model.slot, ...details },
      },
      tx,
    );
  }

  private policyInput(request: TransitionRequest, model: ModelVersion, champion?: ModelVersion): PolicyInput {
    return {
      transition: { from: model.state, to: request.to, slot: model.slot },
      actor: { id: request.actor, role: request.role },
      candidate: {
        id: model.id,
        modelType: model.modelType,
        snapshotId: model.snapshotId,
        metrics: model.metrics,
        gates: model.gates,
      },
      champion: champion ? { id: champion.id, metrics: champion.metrics } : null,
      canary: request.canaryTelemetry ?? null,
      comparison: holdoutComparison(model.gates[HOLDOUT_COMPARISON_GATE]),
      override: { requested: request.override === true, justification: request.justification ?? '' },
    };
  }
}

/** The like-for-like comparison the policy reads: a measured `holdout-comparison` gate with both figures. */
function holdoutComparison(result: unknown): HoldoutComparisonResult | null {
  const r = result as (Partial<HoldoutComparisonResult> & { status?: unknown }) | undefined;
  if (!r || r.status !== 'passed' || typeof r.championId !== 'string' || !r.candidate || !r.champion) return null;
  const { status: _status, passed: _passed, reasons: _reasons, ...comparison } = r as Record<string, unknown>;
  return comparison as HoldoutComparisonResult;
}
