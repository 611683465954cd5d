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
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AuditKind, AuditService } from '../governance/audit/audit.service';
import { ModelRegistryService } from '../governance/registry/model-registry.service';
import { PromotionGate } from '../governance/registry/promotion-gate.service';
import {
  CanaryGuardrails,
  DEFAULT_CANARY_STEPS,
  DEFAULT_GUARDRAILS,
  DEFAULT_SETTINGS,
  Experiment,
  ExperimentSettings,
  experimentSubject,
} from './experiment';
import { LiveModels } from '../serving/live-models';
import { ExperimentsMetrics } from './experiments.metrics';
import { ExperimentsRepository } from './experiments.repository';
import { ExperimentsService } from './experiments.service';
import { RecommendationOutcome } from './online-join';
import { OnlineTelemetryService } from './online-telemetry.service';
import { emptyHistogram, histogramQuantile, latencyBucket } from './outcome-buckets';
import { alwaysValidPValue, proportionLook, SequentialLook } from './stats';

export interface StartCanaryInput {
  readonly candidate: string;
  readonly id?: string;
  readonly steps?: readonly number[];
  readonly guardrails?: Partial<CanaryGuardrails>;
  readonly settings?: Partial<ExperimentSettings>;
}

/** What the guardrails read for one arm. */
interface ArmStats {
  /** user → [responses, conversions] while in this arm. */
  readonly users: Map<number, [number, number]>;
  responses: number;
  errors: number;
  latency: number[];
}

interface CanaryState {
  /** Since the canary started (users stay in the candidate as shares grow). */
  readonly total: { control: ArmStats; candidate: ArmStats };
  /** Since the current step started (wall clock and stream clock at the start). */
  step: { control: ArmStats; candidate: ArmStats; startedAt: number; startedStream: number | null };
  readonly looks: SequentialLook[];
  /**
   * The primary metric of both arms in the last finished step that had a control: one window, one assignment,
   * so neither time of day nor how long users have been in an arm tilts the comparison.
   */
  compared: ArmComparison | null;
}

interface ArmComparison {
  readonly share: number;
  readonly candidateRate: number;
  readonly controlRate: number;
  readonly candidateUsers: number;
  readonly controlUsers: number;
  /** Standard error of candidateRate − controlRate (Welch: per-user rates, unequal variances); null if unknown. */
  readonly differenceStdError: number | null;
}

export interface GuardrailReport {
  readonly step: number;
  readonly share: number;
  /** Users and the share of them who converted, per arm, in the current step (what the conversion guardrail compares). */
  readonly candidateUsers: number;
  readonly controlUsers: number;
  readonly candidateConversion: number;
  readonly controlConversion: number;
  /** The primary metric over the whole canary: conversions per response, averaged over the arm's users. */
  readonly candidateConversionRate: number;
  readonly controlConversionRate: number;
  readonly sequentialPValue: number;
  readonly errorRate: number;
  readonly latencyP95Ms: number;
  readonly latencyP99Ms: number;
  readonly broken: readonly string[];
  readonly readyToAdvance: boolean;
}

export type CanaryDecision = 'hold' | 'advance' | 'rollback' | 'promote';

const CANARY_ACTOR = 'service:canary';
/** The role whose authority the canary controller uses at the promotion gate. */
const CANARY_ROLE = 'release-manager';
/** Responses the candidate needs in a step before error rate and latency are judged. */
const MIN_RESPONSES_FOR_RATES = 50;
/**
 * Users each arm needs in a step before the conversion test looks: the mSPRT's normal approximation is wrong for
 * a handful of users (right after a step starts, 0 of 2 against 14 of 17 gave p = 0.0001).
 */
const MIN_USERS_FOR_CONVERSION_TEST = 30;

const emptyArm = (): ArmStats => ({ users: new Map(), responses: 0, errors: 0, latency: emptyHistogram() });

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
 * The per-step statistics live in memory: after a restart the current step
 * starts measuring again (the persisted minute buckets keep the history).
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
    private readonly live: LiveModels,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.experiments.enabled) return;
    this.unsubscribe = this.telemetry.onOutcome((o) => this.observe(o));
    this.timer = setInterval(() => void this.evaluateAll(), this.config.experiments.canaryTickMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
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
    if (steps.length === 0 || steps.some((s, i) => !(s > 0 && s <= 1) || (i > 0 && s <= steps[i - 1])))
      throw new BadRequestException('steps must be increasing shares in (0, 1]');
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
    this.metrics.canaryShare.set({ experiment: id }, steps[0]);
    await this.experiments.reload();
    return started;
  }

  /** Evaluates every running canary now (the timer calls this; so can an operator or a test). */
  async evaluateAll(): Promise<{ id: string; decision: CanaryDecision; report: GuardrailReport }[]> {
    // eslint-disable-next-line no-restricted-syntax -- the canary helper (issue 21, item 5) fixes this one
    if (this.evaluating) await this.evaluating.catch(() => undefined);
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
    const guard = e.settings.guardrails ?? DEFAULT_GUARDRAILS;
    const share = e.canaryShare ?? 0;
    // The conversion guardrail compares the arms within the current step: the same window and a fixed assignment,
    // so both arms' users had the same time to convert (over the whole canary, the users a step moved into the
    // candidate joined it late and had less time, which favours the control).
    const { control, candidate } = state.step;
    const [cUsers, cConv] = userConversions(control);
    const [tUsers, tConv] = userConversions(candidate);
    const looks = [...state.looks];
    if (cUsers >= MIN_USERS_FOR_CONVERSION_TEST && tUsers >= MIN_USERS_FOR_CONVERSION_TEST)
      looks.push(proportionLook(cConv, cUsers, tConv, tUsers));
    const sequentialPValue = alwaysValidPValue(looks, e.settings.sequentialTau);
    const steps = e.settings.canarySteps ?? DEFAULT_CANARY_STEPS;
    // One sequential test per step: α is split across the steps, so the canary's false-alarm rate stays ≤ α.
    const alpha = e.settings.alpha / steps.length;
    const candidateConversion = tUsers ? tConv / tUsers : 0;
    const controlConversion = cUsers ? cConv / cUsers : 0;
    const step = state.step.candidate;
    const errorRate = step.responses ? step.errors / step.responses : 0;
    const latencyP95Ms = histogramQuantile(step.latency, 0.95);
    const latencyP99Ms = histogramQuantile(step.latency, 0.99);
    const broken: string[] = [];
    if (sequentialPValue < alpha && candidateConversion < controlConversion)
      broken.push(
        `conversion significantly worse: candidate ${(candidateConversion * 100).toFixed(1)}% of ${tUsers} users vs ` +
          `control ${(controlConversion * 100).toFixed(1)}% of ${cUsers} in this step (always-valid p=${sequentialPValue.toPrecision(3)} < ${alpha.toPrecision(3)})`,
      );
    if (step.responses >= MIN_RESPONSES_FOR_RATES && errorRate > guard.maxErrorRate)
      broken.push(`error rate ${(errorRate * 100).toFixed(2)}% above ${(guard.maxErrorRate * 100).toFixed(2)}%`);
    if (step.responses >= MIN_RESPONSES_FOR_RATES && latencyP99Ms > guard.maxLatencyP99Ms)
      broken.push(`p99 latency ${latencyP99Ms} ms above ${guard.maxLatencyP99Ms} ms`);
    const stepUsers = state.step.candidate.users.size;
    const lastStep = (e.canaryStep ?? 0) >= steps.length - 1;
    // The last step holds until the candidate has the traffic the promotion policy asks for (not a failure).
    const readyToAdvance =
      broken.length === 0 &&
      stepUsers >= guard.minUsersPerStep &&
      this.stepElapsedMs(state) >= guard.minStepMs &&
      (!lastStep || candidate.responses >= (guard.minRequestsToPromote ?? DEFAULT_GUARDRAILS.minRequestsToPromote));
    return {
      step: e.canaryStep ?? 0,
      share,
      candidateUsers: tUsers,
      controlUsers: cUsers,
      candidateConversion,
      controlConversion,
      candidateConversionRate: meanUserRate(state.total.candidate),
      controlConversionRate: meanUserRate(state.total.control),
      sequentialPValue,
      errorRate,
      latencyP95Ms,
      latencyP99Ms,
      broken,
      readyToAdvance,
    };
  }

  private async evaluate(e: Experiment): Promise<{ decision: CanaryDecision; report: GuardrailReport }> {
    await this.telemetry.flush();
    const state = this.stateOf(e.id);
    const report = this.report(e);
    const { control, candidate } = state.step;
    const [cUsers, cConv] = userConversions(control);
    const [tUsers, tConv] = userConversions(candidate);
    if (cUsers >= MIN_USERS_FOR_CONVERSION_TEST && tUsers >= MIN_USERS_FOR_CONVERSION_TEST)
      state.looks.push(proportionLook(cConv, cUsers, tConv, tUsers));
    if (report.broken.length > 0) {
      await this.rollback(e, report, report.broken, CANARY_ACTOR);
      return { decision: 'rollback', report };
    }
    // Until the candidate loads, production answers its share and the step measures nothing: a candidate that
    // cannot load (a tampered or missing artifact) would hold the canary open for ever.
    const loadFailure = this.live.loadFailure(e.arms[1].modelVersion);
    if (loadFailure !== undefined) {
      const reasons = [`candidate model could not be loaded: ${loadFailure}`];
      const unloadable: GuardrailReport = { ...report, broken: reasons, readyToAdvance: false };
      await this.rollback(e, unloadable, reasons, CANARY_ACTOR);
      return { decision: 'rollback', report: unloadable };
    }
    if (!report.readyToAdvance) return { decision: 'hold', report };
    const steps = e.settings.canarySteps ?? DEFAULT_CANARY_STEPS;
    const next = (e.canaryStep ?? 0) + 1;
    if (next < steps.length) {
      const advanced = await this.experiments.transition(
        e,
        { canaryStep: next, canaryShare: steps[next] },
        CANARY_ACTOR,
        {
          action: 'canary.advance',
          from: steps[next - 1],
          to: steps[next],
          guardrails: report,
        },
      );
      if (state.step.control.users.size > 0 && state.step.candidate.users.size > 0)
        state.compared = compareArms(steps[next - 1], state.step.candidate, state.step.control);
      state.step = this.freshStep();
      state.looks.length = 0;
      this.experiments.replaceRunning(advanced);
      this.metrics.canaryShare.set({ experiment: e.id }, steps[next]);
      this.metrics.decisions.inc({ kind: 'canary', decision: 'advance' });
      return { decision: 'advance', report };
    }
    return { decision: await this.promote(e, report), report };
  }

  private async promote(e: Experiment, report: GuardrailReport): Promise<CanaryDecision> {
    const candidate = e.arms[1].modelVersion;
    const total = this.stateOf(e.id).total.candidate;
    const compared = this.stateOf(e.id).compared;
    const telemetry = {
      requests: total.responses,
      errorRate: total.responses ? total.errors / total.responses : 0,
      latencyP95Ms: histogramQuantile(total.latency, 0.95),
      // The primary metric (conversions per response per user), both arms measured in the same step: over the
      // whole canary the candidate's responses come mostly from the later steps (another time of day, users who
      // joined late), and "converted at least once" grows with time in the arm.
      onlineMetric: compared?.candidateRate ?? report.candidateConversionRate,
      championOnlineMetric: compared?.controlRate ?? report.controlConversionRate,
      // With it, the policy denies only a regression the canary has shown (policies/promotion/canary.rego).
      ...(compared?.differenceStdError != null ? { onlineDifferenceStdError: compared.differenceStdError } : {}),
      comparedInStep: compared,
      sequentialPValue: report.sequentialPValue,
      experimentId: e.id,
    };
    const { decision } = await this.gate.requestTransition({
      modelId: candidate,
      to: 'production',
      actor: CANARY_ACTOR,
      role: CANARY_ROLE,
      justification: `canary ${e.id} passed every step`,
      canaryTelemetry: telemetry,
    });
    if (!decision.allowed) {
      await this.rollback(
        e,
        report,
        decision.reasons.map((r) => `promotion denied: ${r}`),
        CANARY_ACTOR,
      );
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
    // eslint-disable-next-line no-restricted-syntax -- the canary helper (issue 21, item 5) fixes this one
    void this.experiments.reload().catch(() => undefined);
  }

  private observe(o: RecommendationOutcome): void {
    const id = o.attribution.experimentId;
    if (!id) return;
    const e = this.experiments.runningExperiments.find((x) => x.id === id);
    if (!e || e.kind !== 'canary') return;
    const state = this.stateOf(id);
    const arm = o.attribution.arm === 'candidate' ? 'candidate' : 'control';
    for (const stats of [state.total[arm], state.step[arm]]) {
      const u = stats.users.get(o.userId) ?? [0, 0];
      u[0]++;
      if (o.converted) u[1]++;
      stats.users.set(o.userId, u);
      stats.responses++;
      if (o.status !== 200) stats.errors++;
      stats.latency[latencyBucket(o.latencyMs)]++;
    }
  }

  private stateOf(id: string): CanaryState {
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = this.freshState()));
    return s;
  }

  private freshState(): CanaryState {
    return {
      total: { control: emptyArm(), candidate: emptyArm() },
      step: this.freshStep(),
      looks: [],
      compared: null,
    };
  }

  private freshStep(): CanaryState['step'] {
    return {
      control: emptyArm(),
      candidate: emptyArm(),
      startedAt: Date.now(),
      startedStream: this.telemetry.streamTime(),
    };
  }

  /**
   * How long the current step has lasted: the longer of wall-clock time and
   * stream (event) time. With a live feed they agree; with a replayed or
   * simulated feed in compressed time, a step lasts `minStepMs` of the users' time.
   */
  private stepElapsedMs(state: CanaryState): number {
    const wall = Date.now() - state.step.startedAt;
    const now = this.telemetry.streamTime();
    const start = state.step.startedStream;
    return now !== null && start !== null ? Math.max(wall, now - start) : wall;
  }
}

/** Conversions per response of each user in the arm, averaged over users (0 without users). */
/** Both arms' mean per-user rates in one step, and the standard error of their difference. */
function compareArms(share: number, candidate: ArmStats, control: ArmStats): ArmComparison {
  const candidateRate = meanUserRate(candidate);
  const controlRate = meanUserRate(control);
  const n = candidate.users.size;
  const m = control.users.size;
  // With a single user an arm has no variance estimate: the error is unknown, never 0.
  const differenceStdError =
    n > 1 && m > 1
      ? Math.sqrt(userRateVariance(candidate, candidateRate) / n + userRateVariance(control, controlRate) / m)
      : null;
  return { share, candidateRate, controlRate, candidateUsers: n, controlUsers: m, differenceStdError };
}

/** Sample variance (n − 1) of the users' conversion rates. */
function userRateVariance(stats: ArmStats, mean: number): number {
  let sum = 0;
  for (const [responses, conversions] of stats.users.values()) {
    const rate = responses > 0 ? conversions / responses : 0;
    sum += (rate - mean) ** 2;
  }
  return stats.users.size > 1 ? sum / (stats.users.size - 1) : 0;
}

function meanUserRate(stats: ArmStats): number {
  let sum = 0;
  for (const [responses, conversions] of stats.users.values()) sum += responses > 0 ? conversions / responses : 0;
  return stats.users.size ? sum / stats.users.size : 0;
}

/** Users in an arm and how many of them converted at least once. */
function userConversions(stats: ArmStats): [number, number] {
  let converted = 0;
  for (const [, c] of stats.users.values()) if (c > 0) converted++;
  return [stats.users.size, converted];
}
