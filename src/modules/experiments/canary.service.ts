import { randomBytes } from 'node:crypto';
import {
  BadRequestException,
  BeforeApplicationShutdown,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { AuditKind, AuditService, ModelRegistryService, PromotionGate } from '@modules/governance';
import {
  CanaryDecision,
  canaryPlan,
  CanaryState,
  decideStep,
  freshState,
  GuardrailReport,
  guardrailReport,
  promotionDeniedReasons,
  promotionTelemetry,
  recordOutcome,
  restoreCanaryState,
  startNextStep,
  storeCanaryState,
  stepElapsedMs,
  stepLook,
  validCanarySteps,
} from './canary-decision';
import {
  CanaryGuardrails,
  DEFAULT_CANARY_STEPS,
  DEFAULT_GUARDRAILS,
  DEFAULT_SETTINGS,
  Experiment,
  ExperimentSettings,
  experimentSubject,
} from './experiment';
import { ExperimentsMetrics } from './experiments.metrics';
import { ExperimentsRepository } from './experiments.repository';
import { ExperimentsService } from './experiments.service';
import { RecommendationOutcome } from './online-join';
import { OnlineTelemetryService } from './online-telemetry.service';

export interface StartCanaryInput {
  readonly candidate: string;
  readonly id?: string;
  readonly steps?: readonly number[];
  readonly guardrails?: Partial<CanaryGuardrails>;
  readonly settings?: Partial<ExperimentSettings>;
}

const CANARY_ACTOR = 'service:canary';
/** The role whose authority the canary controller uses at the promotion gate. */
const CANARY_ROLE = 'release-manager';

/**
 * Canary releases: the candidate gets a growing share of traffic
 * (CANARY steps, default 5% → 25% → 50% → 100%), judged every tick from the
 * streaming join's outcomes. Guardrails: conversion not significantly worse
 * than the control (always-valid mSPRT p-value, so evaluating every tick does
 * not inflate false alarms), error rate and p99 latency within bounds. Every
 * advance and rollback is an `experiment.decision` in the audit trail; the
 * rollback rejects the candidate through the PromotionGate, and the final step
 * asks the gate for canary → production with the measured canaryTelemetry.
 *
 * The decisions themselves are pure functions in canary-decision.ts; this
 * class feeds them the outcomes and the clocks and carries them out.
 *
 * The per-step statistics are saved in the store (`canary_state`) on every
 * tick, every advance and at shutdown; a restarted controller resumes the
 * current step with the counts saved last (outcomes finalised after the last
 * save and before a hard kill are lost, as the open responses of the
 * streaming join are).
 */
@Injectable()
export class CanaryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CanaryService.name);
  private readonly states = new Map<string, CanaryState>();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private evaluating: Promise<unknown> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly experiments: ExperimentsService,
    private readonly repository: ExperimentsRepository,
    private readonly telemetry: OnlineTelemetryService,
    private readonly registry: ModelRegistryService,
    private readonly gate: PromotionGate,
    private readonly audit: AuditService,
    private readonly metrics: ExperimentsMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.experiments.enabled) return;
    // Resume each running canary's step with the counts it had (before any new outcome is counted).
    await this.restoreStates();
    this.unsubscribe = this.telemetry.onOutcome((o) => this.observe(o));
    this.timer = setInterval(() => void this.evaluateAll(), this.config.experiments.canaryTickMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.evaluating?.catch((error: unknown) =>
      this.logger.warn(`canary evaluation failed during shutdown: ${(error as Error).message}`),
    );
    await this.persistAll();
  }

  /** Loads the saved controller state of every running canary (a state saved at another step is not reused). */
  private async restoreStates(): Promise<void> {
    try {
      for (const { experimentId, step, state } of await this.repository.runningCanaryStates()) {
        const restored = restoreCanaryState(state);
        const e = await this.experiments.get(experimentId).catch((error: unknown) => {
          this.logger.warn(`canary ${experimentId}: not resumed: ${(error as Error).message}`);
          return null;
        });
        if (!restored || !e || (e.canaryStep ?? 0) !== step) continue;
        this.states.set(experimentId, restored);
        this.logger.log(
          `canary ${experimentId}: resumed step ${step} with ${restored.step.candidate.users.size} candidate and ` +
            `${restored.step.control.users.size} control users`,
        );
      }
    } catch (error) {
      // A store outage at start-up: the steps measure again from zero, as before persistence (logged, not fatal).
      this.logger.error(`could not restore canary states: ${(error as Error).message}`);
    }
  }

  /** Saves the controller state of a canary at its current step (each tick, each advance, at shutdown). */
  private async persist(e: Experiment): Promise<void> {
    const state = this.states.get(e.id);
    if (state) await this.repository.saveCanaryState(e.id, e.canaryStep ?? 0, storeCanaryState(state));
  }

  private async persistAll(): Promise<void> {
    for (const e of this.experiments.runningExperiments.filter((x) => x.kind === 'canary')) {
      try {
        await this.persist(e);
      } catch (error) {
        this.logger.warn(`could not save canary ${e.id} state: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Starts a canary of `candidate` against the slot's production model. A
   * candidate still in state `candidate` is first moved to `canary` through the
   * promotion gate with the caller's role (denied → 403 with the reasons).
   */
  async start(input: StartCanaryInput, actor: string, role: string): Promise<Experiment> {
    const slot = this.config.serving.slot;
    const { production } = await this.registry.serving(slot);
    if (!production) throw new ConflictException(`slot ${slot} has no production model to compare against`);
    let candidate = await this.registry.get(input.candidate);
    if (candidate.id === production.id) throw new BadRequestException('the candidate is the production model');
    if (candidate.state === 'candidate') {
      const { decision, model } = await this.gate.requestTransition({
        modelId: candidate.id,
        to: 'canary',
        actor,
        role,
        justification: 'canary release',
      });
      if (!decision.allowed)
        throw new ForbiddenException({ message: 'policy denied the canary', reasons: decision.reasons });
      candidate = model;
    }
    if (candidate.state !== 'canary')
      throw new ConflictException(`model ${candidate.id} is ${candidate.state}, not canary`);
    const steps = input.steps ?? DEFAULT_CANARY_STEPS;
    if (!validCanarySteps(steps)) throw new BadRequestException('steps must be increasing shares in (0, 1]');
    const settings: ExperimentSettings = {
      ...DEFAULT_SETTINGS,
      ...input.settings,
      canarySteps: steps,
      guardrails: { ...DEFAULT_GUARDRAILS, ...input.guardrails },
    };
    const id = input.id ?? `canary-${candidate.id}-${randomBytes(3).toString('hex')}`;
    const experiment = await this.repository.transaction(async (tx) => {
      const created = await this.repository.insert(
        {
          id,
          kind: 'canary',
          slot,
          status: 'draft',
          salt: id,
          arms: [
            { name: 'control', modelVersion: production.id, share: 1 - steps[0] },
            { name: 'candidate', modelVersion: candidate.id, share: steps[0] },
          ],
          settings,
          canaryStep: 0,
          canaryShare: steps[0],
          createdBy: actor,
        },
        tx,
      );
      await this.audit.append(
        {
          actor,
          kind: AuditKind.ExperimentDecision,
          subject: experimentSubject(id),
          payload: {
            kind: 'canary',
            action: 'create',
            candidate: candidate.id,
            control: production.id,
            steps,
            settings,
          },
        },
        tx,
      );
      return created;
    });
    const started = await this.experiments.transition(experiment, { status: 'running', startedAt: new Date() }, actor, {
      action: 'canary.start',
      share: steps[0],
    });
    this.states.set(id, this.freshState());
    await this.persist(started);
    this.metrics.canaryShare.set({ experiment: id }, steps[0]);
    await this.experiments.reload();
    return started;
  }

  /** Evaluates every running canary now (the timer calls this; so can an operator or a test). */
  async evaluateAll(): Promise<{ id: string; decision: CanaryDecision; report: GuardrailReport }[]> {
    // A tick or an operator waits for the evaluation under way; that evaluation's own caller also receives its error.
    if (this.evaluating)
      await this.evaluating.catch((error: unknown) =>
        this.logger.warn(`earlier canary evaluation failed: ${(error as Error).message}`),
      );
    const work = (async () => {
      const out: { id: string; decision: CanaryDecision; report: GuardrailReport }[] = [];
      for (const e of this.experiments.runningExperiments.filter((x) => x.kind === 'canary')) {
        try {
          out.push({ id: e.id, ...(await this.evaluate(e)) });
        } catch (error) {
          this.logger.error(`canary ${e.id} evaluation failed: ${(error as Error).message}`);
        }
      }
      return out;
    })();
    this.evaluating = work;
    try {
      return await work;
    } finally {
      this.evaluating = null;
    }
  }

  /** Manual abort: the same rollback path as a broken guardrail. */
  async abort(id: string, actor: string, reason: string): Promise<Experiment> {
    const e = await this.experiments.get(id);
    if (e.kind !== 'canary' || e.status !== 'running') throw new ConflictException(`${id} is not a running canary`);
    return this.rollback(e, this.report(e), [reason], actor);
  }

  report(e: Experiment): GuardrailReport {
    const state = this.stateOf(e.id);
    return guardrailReport(canaryPlan(e), state, this.stepElapsedMs(state));
  }

  private async evaluate(e: Experiment): Promise<{ decision: CanaryDecision; report: GuardrailReport }> {
    await this.telemetry.flush();
    const state = this.stateOf(e.id);
    const plan = canaryPlan(e);
    const report = this.report(e);
    const look = stepLook(state.step);
    if (look) state.looks.push(look);
    // A candidate this pod cannot load rolls back only when that is confirmed (checksum or a majority of pods).
    const loadFailure = await this.experiments.confirmedLoadFailure(e, e.arms[1].modelVersion);
    const verdict = decideStep(plan, report, loadFailure?.reason);
    switch (verdict.decision) {
      case 'rollback':
        await this.rollback(e, verdict.report, verdict.reasons, CANARY_ACTOR);
        return { decision: 'rollback', report: verdict.report };
      case 'hold':
        await this.persist(e);
        return { decision: 'hold', report };
      case 'advance': {
        const advanced = await this.experiments.transition(
          e,
          { canaryStep: verdict.nextStep, canaryShare: verdict.to },
          CANARY_ACTOR,
          {
            action: 'canary.advance',
            from: verdict.from,
            to: verdict.to,
            guardrails: report,
          },
        );
        startNextStep(state, verdict.from, Date.now(), this.telemetry.streamTime());
        await this.persist(advanced);
        this.experiments.replaceRunning(advanced);
        this.metrics.canaryShare.set({ experiment: e.id }, verdict.to);
        this.metrics.decisions.inc({ kind: 'canary', decision: 'advance' });
        return { decision: 'advance', report };
      }
      case 'promote':
        return { decision: await this.promote(e, report), report };
    }
  }

  private async promote(e: Experiment, report: GuardrailReport): Promise<CanaryDecision> {
    const candidate = e.arms[1].modelVersion;
    const telemetry = promotionTelemetry(e.id, this.stateOf(e.id), report);
    const { decision } = await this.gate.requestTransition({
      modelId: candidate,
      to: 'production',
      actor: CANARY_ACTOR,
      role: CANARY_ROLE,
      justification: `canary ${e.id} passed every step`,
      canaryTelemetry: telemetry,
    });
    if (!decision.allowed) {
      await this.rollback(e, report, promotionDeniedReasons(decision.reasons), CANARY_ACTOR);
      return 'rollback';
    }
    const done = await this.experiments.transition(
      e,
      { status: 'promoted', concludedAt: new Date(), conclusion: { decision: 'promote', telemetry, report } },
      CANARY_ACTOR,
      { action: 'canary.promote', decisionId: decision.id, telemetry },
    );
    this.finish(done);
    this.metrics.decisions.inc({ kind: 'canary', decision: 'promote' });
    return 'promote';
  }

  /** Stops routing to the candidate at once, rejects it through the gate, and records why. */
  private async rollback(
    e: Experiment,
    report: GuardrailReport,
    reasons: readonly string[],
    actor: string,
  ): Promise<Experiment> {
    // Routing first: users stop seeing the candidate before the bookkeeping.
    this.experiments.replaceRunning({ ...e, status: 'rolled_back' });
    const candidate = e.arms[1].modelVersion;
    let gateDecision: { allowed: boolean; id: string; reasons: readonly string[] } | null = null;
    try {
      const { decision } = await this.gate.requestTransition({
        modelId: candidate,
        to: 'rejected',
        actor: CANARY_ACTOR,
        role: CANARY_ROLE,
        justification: `canary ${e.id} rolled back: ${reasons.join('; ')}`,
      });
      gateDecision = { allowed: decision.allowed, id: String(decision.id), reasons: decision.reasons };
    } catch (error) {
      this.logger.error(`could not reject ${candidate}: ${(error as Error).message}`);
    }
    const done = await this.experiments.transition(
      e,
      {
        status: 'rolled_back',
        stoppedAt: new Date(),
        concludedAt: new Date(),
        conclusion: { decision: 'rollback', reasons, report },
      },
      actor,
      { action: 'canary.rollback', candidate, reasons, guardrails: report, gateDecision },
    );
    this.logger.warn(`canary ${e.id} rolled back: ${reasons.join('; ')}`);
    this.finish(done);
    this.metrics.decisions.inc({ kind: 'canary', decision: 'rollback' });
    return done;
  }

  private finish(e: Experiment): void {
    this.experiments.replaceRunning(e);
    this.states.delete(e.id);
    this.metrics.canaryShare.set({ experiment: e.id }, 0);
    // Routing already left the finished canary (replaceRunning above); the reload only refreshes the rest.
    void this.experiments
      .reload()
      .catch((error: unknown) =>
        this.logger.warn(
          `could not reload running experiments after canary ${e.id} ended: ${(error as Error).message}`,
        ),
      );
  }

  private observe(o: RecommendationOutcome): void {
    const id = o.attribution.experimentId;
    if (!id) return;
    const e = this.experiments.runningExperiments.find((x) => x.id === id);
    if (!e || e.kind !== 'canary') return;
    recordOutcome(this.stateOf(id), o);
  }

  private stateOf(id: string): CanaryState {
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = this.freshState()));
    return s;
  }

  private freshState(): CanaryState {
    return freshState(Date.now(), this.telemetry.streamTime());
  }

  private stepElapsedMs(state: CanaryState): number {
    return stepElapsedMs(state.step, Date.now(), this.telemetry.streamTime());
  }
}
