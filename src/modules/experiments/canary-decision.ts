import { CanaryGuardrails, DEFAULT_CANARY_STEPS, DEFAULT_GUARDRAILS, Experiment } from './experiment';
import { RecommendationOutcome } from './online-join';
import { emptyHistogram, histogramQuantile, latencyBucket } from './outcome-buckets';
import { alwaysValidPValue, proportionLook, sampleSummary, SequentialLook, welchStandardError } from '@lib/stats';

/**
 * The canary's decisions without I/O: from where the canary stands (its plan), what each arm measured and the
 * clock, whether it advances, holds, asks for promotion or rolls back, with the reasons and figures the audit
 * records. CanaryService feeds it outcomes and carries the decisions out (registry, gate, audit, timers).
 */

/** What the guardrails read for one arm. */
export interface ArmStats {
  /** user → [responses, conversions] while in this arm. */
  readonly users: Map<number, [number, number]>;
  responses: number;
  errors: number;
  latency: number[];
}

export interface CanaryStep {
  readonly control: ArmStats;
  readonly candidate: ArmStats;
  /** Wall clock and stream clock when the step started. */
  readonly startedAt: number;
  readonly startedStream: number | null;
}

export interface CanaryState {
  /** Since the canary started (users stay in the candidate as shares grow). */
  readonly total: { readonly control: ArmStats; readonly candidate: ArmStats };
  /** Since the current step started. */
  step: CanaryStep;
  readonly looks: SequentialLook[];
  /**
   * The primary metric of both arms in the last finished step that had a control: one window, one assignment,
   * so neither time of day nor how long users have been in an arm tilts the comparison.
   */
  compared: ArmComparison | null;
}

export interface ArmComparison {
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

/** Where a canary stands and what it is held to, read from its experiment. */
export interface CanaryPlan {
  readonly steps: readonly number[];
  /** Index of the current step in `steps`. */
  readonly step: number;
  readonly share: number;
  readonly guardrails: CanaryGuardrails;
  /** Significance level of the whole canary (split across the steps). */
  readonly alpha: number;
  /** Mixing SD τ of the mSPRT. */
  readonly sequentialTau: number;
}

/** What one tick decides. `promote` means "ask the promotion gate for production", which may still deny it. */
export type StepVerdict =
  | { readonly decision: 'hold'; readonly report: GuardrailReport }
  | { readonly decision: 'rollback'; readonly reasons: readonly string[]; readonly report: GuardrailReport }
  | { readonly decision: 'advance'; readonly from: number; readonly to: number; readonly nextStep: number }
  | { readonly decision: 'promote' };

/** The canaryTelemetry the promotion gate (and the audit) receives on the last step (a type, so it fits the gate's open record). */
export type PromotionTelemetry = {
  readonly requests: number;
  readonly errorRate: number;
  readonly latencyP95Ms: number;
  readonly onlineMetric: number;
  readonly championOnlineMetric: number;
  readonly onlineDifferenceStdError?: number;
  readonly comparedInStep: ArmComparison | null;
  readonly sequentialPValue: number;
  readonly experimentId: string;
};

/** Responses the candidate needs in a step before error rate and latency are judged. */
export const MIN_RESPONSES_FOR_RATES = 50;
/**
 * Users each arm needs in a step before the conversion test looks: the mSPRT's normal approximation is wrong for
 * a handful of users (right after a step starts, 0 of 2 against 14 of 17 gave p = 0.0001).
 */
export const MIN_USERS_FOR_CONVERSION_TEST = 30;

export const emptyArm = (): ArmStats => ({ users: new Map(), responses: 0, errors: 0, latency: emptyHistogram() });

export function freshStep(startedAt: number, startedStream: number | null): CanaryStep {
  return { control: emptyArm(), candidate: emptyArm(), startedAt, startedStream };
}

export function freshState(startedAt: number, startedStream: number | null): CanaryState {
  return {
    total: { control: emptyArm(), candidate: emptyArm() },
    step: freshStep(startedAt, startedStream),
    looks: [],
    compared: null,
  };
}

/** Steps must be increasing shares in (0, 1]. */
export function validCanarySteps(steps: readonly number[]): boolean {
  return !(steps.length === 0 || steps.some((s, i) => !(s > 0 && s <= 1) || (i > 0 && s <= steps[i - 1])));
}

export function canaryPlan(e: Experiment): CanaryPlan {
  return {
    steps: e.settings.canarySteps ?? DEFAULT_CANARY_STEPS,
    step: e.canaryStep ?? 0,
    share: e.canaryShare ?? 0,
    guardrails: e.settings.guardrails ?? DEFAULT_GUARDRAILS,
    alpha: e.settings.alpha,
    sequentialTau: e.settings.sequentialTau,
  };
}

/** Counts one finalised outcome in its arm, both over the whole canary and in the current step. */
export function recordOutcome(state: CanaryState, o: RecommendationOutcome): void {
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

/**
 * How long the current step has lasted: the longer of wall-clock time and
 * stream (event) time. With a live feed they agree; with a replayed or
 * simulated feed in compressed time, a step lasts `minStepMs` of the users' time.
 */
export function stepElapsedMs(step: CanaryStep, now: number, streamNow: number | null): number {
  const wall = now - step.startedAt;
  const start = step.startedStream;
  return streamNow !== null && start !== null ? Math.max(wall, streamNow - start) : wall;
}

/** The conversion test's look at the current step, once each arm has enough users for it (else null). */
export function stepLook(step: CanaryStep): SequentialLook | null {
  const [cUsers, cConv] = userConversions(step.control);
  const [tUsers, tConv] = userConversions(step.candidate);
  return cUsers >= MIN_USERS_FOR_CONVERSION_TEST && tUsers >= MIN_USERS_FOR_CONVERSION_TEST
    ? proportionLook(cConv, cUsers, tConv, tUsers)
    : null;
}

/**
 * The guardrails of the current step. Conversion: not significantly worse than the control (always-valid mSPRT
 * p-value over this step's looks, so judging every tick does not inflate false alarms); error rate and p99
 * latency within bounds once the candidate has served enough responses.
 */
export function guardrailReport(plan: CanaryPlan, state: CanaryState, elapsedMs: number): GuardrailReport {
  const guard = plan.guardrails;
  // The conversion guardrail compares the arms within the current step: the same window and a fixed assignment,
  // so both arms' users had the same time to convert (over the whole canary, the users a step moved into the
  // candidate joined it late and had less time, which favours the control).
  const { control, candidate } = state.step;
  const [cUsers, cConv] = userConversions(control);
  const [tUsers, tConv] = userConversions(candidate);
  const looks = [...state.looks];
  const look = stepLook(state.step);
  if (look) looks.push(look);
  const sequentialPValue = alwaysValidPValue(looks, plan.sequentialTau);
  // One sequential test per step: α is split across the steps, so the canary's false-alarm rate stays ≤ α.
  const alpha = plan.alpha / plan.steps.length;
  const candidateConversion = tUsers ? tConv / tUsers : 0;
  const controlConversion = cUsers ? cConv / cUsers : 0;
  const errorRate = candidate.responses ? candidate.errors / candidate.responses : 0;
  const latencyP95Ms = histogramQuantile(candidate.latency, 0.95);
  const latencyP99Ms = histogramQuantile(candidate.latency, 0.99);
  const broken: string[] = [];
  if (sequentialPValue < alpha && candidateConversion < controlConversion)
    broken.push(
      `conversion significantly worse: candidate ${(candidateConversion * 100).toFixed(1)}% of ${tUsers} users vs ` +
        `control ${(controlConversion * 100).toFixed(1)}% of ${cUsers} in this step (always-valid p=${sequentialPValue.toPrecision(3)} < ${alpha.toPrecision(3)})`,
    );
  if (candidate.responses >= MIN_RESPONSES_FOR_RATES && errorRate > guard.maxErrorRate)
    broken.push(`error rate ${(errorRate * 100).toFixed(2)}% above ${(guard.maxErrorRate * 100).toFixed(2)}%`);
  if (candidate.responses >= MIN_RESPONSES_FOR_RATES && latencyP99Ms > guard.maxLatencyP99Ms)
    broken.push(`p99 latency ${latencyP99Ms} ms above ${guard.maxLatencyP99Ms} ms`);
  const lastStep = plan.step >= plan.steps.length - 1;
  // The last step holds until the candidate has the traffic the promotion policy asks for (not a failure).
  // (It counts the candidate's responses in this step, as it always has.)
  const readyToAdvance =
    broken.length === 0 &&
    tUsers >= guard.minUsersPerStep &&
    elapsedMs >= guard.minStepMs &&
    (!lastStep || candidate.responses >= (guard.minRequestsToPromote ?? DEFAULT_GUARDRAILS.minRequestsToPromote));
  return {
    step: plan.step,
    share: plan.share,
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

/**
 * What this tick does. A broken guardrail rolls back first; then a candidate serving could not load rolls back
 * (until it loads, production answers its share and the step measures nothing, so a tampered or missing
 * artifact would hold the canary open for ever); a step not ready holds; otherwise the canary advances, or on
 * the last step asks for promotion.
 */
export function decideStep(plan: CanaryPlan, report: GuardrailReport, candidateLoadFailure?: string): StepVerdict {
  if (report.broken.length > 0) return { decision: 'rollback', reasons: report.broken, report };
  if (candidateLoadFailure !== undefined) {
    const reasons = [`candidate model could not be loaded: ${candidateLoadFailure}`];
    return { decision: 'rollback', reasons, report: { ...report, broken: reasons, readyToAdvance: false } };
  }
  if (!report.readyToAdvance) return { decision: 'hold', report };
  const next = plan.step + 1;
  if (next < plan.steps.length)
    return { decision: 'advance', from: plan.steps[next - 1], to: plan.steps[next], nextStep: next };
  return { decision: 'promote' };
}

/**
 * Ends the current step and starts the next: the finished step's arm comparison is kept for the promotion
 * (if both arms had users in it), and the next step measures, and tests, afresh.
 */
export function startNextStep(
  state: CanaryState,
  finishedShare: number,
  startedAt: number,
  startedStream: number | null,
): void {
  if (state.step.control.users.size > 0 && state.step.candidate.users.size > 0)
    state.compared = compareArms(finishedShare, state.step.candidate, state.step.control);
  state.step = freshStep(startedAt, startedStream);
  state.looks.length = 0;
}

/** What the last step sends the promotion gate as canaryTelemetry. */
export function promotionTelemetry(
  experimentId: string,
  state: CanaryState,
  report: GuardrailReport,
): PromotionTelemetry {
  const total = state.total.candidate;
  const compared = state.compared;
  return {
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
    experimentId,
  };
}

/** The rollback reasons when the promotion gate denies production. */
export function promotionDeniedReasons(gateReasons: readonly string[]): string[] {
  return gateReasons.map((r) => `promotion denied: ${r}`);
}

/** Both arms' mean per-user rates in one step, and the Welch standard error of their difference. */
export function compareArms(share: number, candidate: ArmStats, control: ArmStats): ArmComparison {
  const c = sampleSummary(userRates(candidate));
  const k = sampleSummary(userRates(control));
  // With a single user an arm has no variance estimate: the error is unknown, never 0.
  const differenceStdError = c.n > 1 && k.n > 1 ? welchStandardError(k, c) : null;
  return {
    share,
    candidateRate: c.n ? c.mean : 0,
    controlRate: k.n ? k.mean : 0,
    candidateUsers: c.n,
    controlUsers: k.n,
    differenceStdError,
  };
}

/** Conversions per response of each user in the arm, averaged over users (0 without users). */
export function meanUserRate(stats: ArmStats): number {
  const s = sampleSummary(userRates(stats));
  return s.n ? s.mean : 0;
}

/** Each user's conversions per response (the unit of analysis: users are what is randomised). */
function userRates(stats: ArmStats): number[] {
  const rates: number[] = [];
  for (const [responses, conversions] of stats.users.values()) rates.push(responses > 0 ? conversions / responses : 0);
  return rates;
}

/** Users in an arm and how many of them converted at least once. */
function userConversions(stats: ArmStats): [number, number] {
  let converted = 0;
  for (const [, c] of stats.users.values()) if (c > 0) converted++;
  return [stats.users.size, converted];
}

/** A CanaryState as JSON (Maps as entry lists), as the store keeps it. */
export interface StoredCanaryState {
  readonly version: 1;
  readonly total: { readonly control: StoredArm; readonly candidate: StoredArm };
  readonly step: {
    readonly control: StoredArm;
    readonly candidate: StoredArm;
    readonly startedAt: number;
    readonly startedStream: number | null;
  };
  readonly looks: readonly SequentialLook[];
  readonly compared: ArmComparison | null;
}

interface StoredArm {
  /** [userId, responses, conversions] per user. */
  readonly users: readonly (readonly [number, number, number])[];
  readonly responses: number;
  readonly errors: number;
  readonly latency: readonly number[];
}

const storeArm = (arm: ArmStats): StoredArm => ({
  users: [...arm.users].map(([id, [n, c]]) => [id, n, c] as const),
  responses: arm.responses,
  errors: arm.errors,
  latency: [...arm.latency],
});

const restoreArm = (arm: StoredArm): ArmStats => ({
  users: new Map(arm.users.map(([id, n, c]) => [id, [n, c] as [number, number]])),
  responses: arm.responses,
  errors: arm.errors,
  latency: [...arm.latency],
});

/** The state in the store's JSON shape (the inverse of restoreCanaryState). */
export function storeCanaryState(state: CanaryState): StoredCanaryState {
  return {
    version: 1,
    total: { control: storeArm(state.total.control), candidate: storeArm(state.total.candidate) },
    step: {
      control: storeArm(state.step.control),
      candidate: storeArm(state.step.candidate),
      startedAt: state.step.startedAt,
      startedStream: state.step.startedStream,
    },
    looks: [...state.looks],
    compared: state.compared,
  };
}

/** A stored state back in memory; null for a shape this code does not know (the step then starts afresh). */
export function restoreCanaryState(stored: unknown): CanaryState | null {
  const s = stored as Partial<StoredCanaryState> | null;
  if (!s || s.version !== 1 || !s.total || !s.step) return null;
  return {
    total: { control: restoreArm(s.total.control), candidate: restoreArm(s.total.candidate) },
    step: {
      control: restoreArm(s.step.control),
      candidate: restoreArm(s.step.candidate),
      startedAt: s.step.startedAt,
      startedStream: s.step.startedStream,
    },
    looks: [...(s.looks ?? [])],
    compared: s.compared ?? null,
  };
}
