import {
  ArmStats,
  CanaryPlan,
  canaryPlan,
  CanaryState,
  compareArms,
  decideStep,
  emptyArm,
  freshState,
  GuardrailReport,
  guardrailReport,
  meanUserRate,
  MIN_RESPONSES_FOR_RATES,
  MIN_USERS_FOR_CONVERSION_TEST,
  promotionDeniedReasons,
  promotionTelemetry,
  recordOutcome,
  startNextStep,
  stepElapsedMs,
  stepLook,
  validCanarySteps,
} from './canary-decision';
import { DEFAULT_CANARY_STEPS, DEFAULT_GUARDRAILS, DEFAULT_SETTINGS, Experiment } from './experiment';
import { RecommendationOutcome } from './online-join';
import { alwaysValidPValue, proportionLook } from '@lib/stats';

const T0 = 1_700_000_000_000;

const plan = (over: Partial<CanaryPlan> = {}): CanaryPlan => ({
  steps: [0.05, 0.25, 0.5, 1],
  step: 0,
  share: 0.05,
  guardrails: { ...DEFAULT_GUARDRAILS, minUsersPerStep: 40, minStepMs: 60_000, minRequestsToPromote: 100 },
  alpha: 0.05,
  sequentialTau: 0.05,
  ...over,
});

/**
 * Fills an arm with `users` users (ids from `firstId`), `responses` responses each, the first `converted` of them
 * converting once; every response 200 and 20 ms unless told otherwise.
 */
function fill(
  arm: ArmStats,
  users: number,
  converted: number,
  { responses = 1, firstId = 1, errors = 0, latencyBucket = 1 } = {},
): void {
  for (let i = 0; i < users; i++) arm.users.set(firstId + i, [responses, i < converted ? 1 : 0]);
  arm.responses += users * responses;
  arm.errors += errors;
  arm.latency[latencyBucket] += users * responses;
}

/** A state whose current step (and whole canary) hold the given arms. */
function stateWith(candidate: [number, number], control: [number, number], opts: Parameters<typeof fill>[3] = {}) {
  const state = freshState(T0, null);
  fill(state.step.candidate, ...candidate, { ...opts, firstId: 1 });
  fill(state.step.control, ...control, { ...opts, firstId: 10_001, errors: 0, latencyBucket: 1 });
  fill(state.total.candidate, ...candidate, { ...opts, firstId: 1 });
  fill(state.total.control, ...control, { ...opts, firstId: 10_001, errors: 0, latencyBucket: 1 });
  return state;
}

const outcome = (arm: string, userId: number, over: Partial<RecommendationOutcome> = {}): RecommendationOutcome => ({
  attribution: { experimentId: 'canary-1', arm, modelVersion: arm === 'candidate' ? 'v2' : 'v1', perUser: false },
  userId,
  at: T0,
  status: 200,
  latencyMs: 20,
  converted: false,
  watchMinutes: 0,
  ratingSum: 0,
  ratingCount: 0,
  ...over,
});

describe('canary plan', () => {
  it('reads the experiment, with the defaults where a canary left them out', () => {
    const e = {
      settings: { ...DEFAULT_SETTINGS, alpha: 0.1 },
      canaryStep: null,
      canaryShare: null,
    } as unknown as Experiment;
    expect(canaryPlan(e)).toEqual({
      steps: DEFAULT_CANARY_STEPS,
      step: 0,
      share: 0,
      guardrails: DEFAULT_GUARDRAILS,
      alpha: 0.1,
      sequentialTau: DEFAULT_SETTINGS.sequentialTau,
    });
  });

  it('accepts only increasing shares in (0, 1]', () => {
    expect(validCanarySteps([0.05, 0.25, 0.5, 1])).toBe(true);
    expect(validCanarySteps([1])).toBe(true);
    expect(validCanarySteps([])).toBe(false);
    expect(validCanarySteps([0.5, 0.5])).toBe(false);
    expect(validCanarySteps([0.5, 0.25])).toBe(false);
    expect(validCanarySteps([0, 1])).toBe(false);
    expect(validCanarySteps([0.5, 1.5])).toBe(false);
  });
});

describe('measuring', () => {
  it('counts an outcome in its arm over the whole canary and in the step; unknown arms count as control', () => {
    const state = freshState(T0, null);
    recordOutcome(state, outcome('candidate', 7, { converted: true, latencyMs: 120 }));
    recordOutcome(state, outcome('candidate', 7, { status: 500 }));
    recordOutcome(state, outcome('treatment', 8));
    for (const arms of [state.total, state.step]) {
      expect(arms.candidate.users.get(7)).toEqual([2, 1]);
      expect(arms.candidate.responses).toBe(2);
      expect(arms.candidate.errors).toBe(1);
      expect(arms.candidate.latency.reduce((s, c) => s + c, 0)).toBe(2);
      expect(arms.control.users.get(8)).toEqual([1, 0]);
    }
  });

  it('a step lasts the longer of wall-clock and stream time (stream time only when both ends are known)', () => {
    const wallOnly = freshState(T0, null).step;
    expect(stepElapsedMs(wallOnly, T0 + 5_000, 1_000_000)).toBe(5_000);
    const streamed = freshState(T0, 2_000_000).step;
    expect(stepElapsedMs(streamed, T0 + 5_000, 2_600_000)).toBe(600_000);
    expect(stepElapsedMs(streamed, T0 + 5_000, 2_001_000)).toBe(5_000);
    expect(stepElapsedMs(streamed, T0 + 5_000, null)).toBe(5_000);
  });

  it('the mean per-user rate averages each user’s conversions per response (0 without users)', () => {
    const arm = emptyArm();
    expect(meanUserRate(arm)).toBe(0);
    arm.users.set(1, [4, 1]).set(2, [2, 2]).set(3, [0, 0]);
    expect(meanUserRate(arm)).toBeCloseTo((0.25 + 1 + 0) / 3, 15);
  });
});

describe('guardrails and the step decision', () => {
  it('advances a clean step with enough users and time, from this share to the next', () => {
    const state = stateWith([50, 10], [200, 40]);
    const report = guardrailReport(plan(), state, 60_000);
    expect(report).toMatchObject({
      step: 0,
      share: 0.05,
      candidateUsers: 50,
      controlUsers: 200,
      candidateConversion: 0.2,
      controlConversion: 0.2,
      candidateConversionRate: 0.2,
      controlConversionRate: 0.2,
      errorRate: 0,
      broken: [],
      readyToAdvance: true,
    });
    expect(decideStep(plan(), report)).toEqual({ decision: 'advance', from: 0.05, to: 0.25, nextStep: 1 });
    expect(decideStep(plan({ step: 2, share: 0.5 }), report)).toEqual({
      decision: 'advance',
      from: 0.5,
      to: 1,
      nextStep: 3,
    });
  });

  it('holds while the candidate has too few users in the step', () => {
    const report = guardrailReport(plan(), stateWith([39, 8], [200, 40]), 3_600_000);
    expect(report.broken).toEqual([]);
    expect(report.readyToAdvance).toBe(false);
    expect(decideStep(plan(), report)).toEqual({ decision: 'hold', report });
  });

  it('holds until the step has lasted minStepMs', () => {
    const state = stateWith([50, 10], [200, 40]);
    expect(guardrailReport(plan(), state, 59_999).readyToAdvance).toBe(false);
    expect(guardrailReport(plan(), state, 60_000).readyToAdvance).toBe(true);
  });

  it('rolls back when the always-valid test finds conversion significantly worse (α split over the steps)', () => {
    const state = stateWith([60, 3], [60, 30]);
    const report = guardrailReport(plan(), state, 0);
    const p = alwaysValidPValue([proportionLook(30, 60, 3, 60)], 0.05);
    expect(report.sequentialPValue).toBe(p);
    expect(p).toBeLessThan(0.05 / 4);
    expect(report.broken).toEqual([
      `conversion significantly worse: candidate 5.0% of 60 users vs control 50.0% of 60 in this step ` +
        `(always-valid p=${p.toPrecision(3)} < 0.0125)`,
    ]);
    expect(report.readyToAdvance).toBe(false);
    expect(decideStep(plan(), report)).toEqual({ decision: 'rollback', reasons: report.broken, report });
  });

  it('does not judge conversion on a handful of users, nor a candidate that converts better', () => {
    const few = MIN_USERS_FOR_CONVERSION_TEST - 1;
    const tooFew = stateWith([few, 0], [few, few]);
    expect(stepLook(tooFew.step)).toBeNull();
    expect(guardrailReport(plan(), tooFew, 0)).toMatchObject({ sequentialPValue: 1, broken: [] });

    const better = stateWith([60, 30], [60, 3]);
    const report = guardrailReport(plan(), better, 0);
    expect(report.sequentialPValue).toBeLessThan(0.0125);
    expect(report.broken).toEqual([]);
  });

  it('keeps the step’s earlier looks (running minimum) and compares with α / number of steps', () => {
    const state = stateWith([40, 6], [40, 12]);
    const now = stepLook(state.step)!;
    expect(now).toEqual(proportionLook(12, 40, 6, 40));
    const alone = guardrailReport(plan(), state, 0).sequentialPValue;
    state.looks.push({ difference: -0.4, variance: 0.004 });
    const withEarlier = guardrailReport(plan(), state, 0);
    expect(withEarlier.sequentialPValue).toBe(
      alwaysValidPValue([{ difference: -0.4, variance: 0.004 }, now], plan().sequentialTau),
    );
    expect(withEarlier.sequentialPValue).toBeLessThan(alone);
    // Fewer steps, a larger share of α each.
    expect(withEarlier.broken[0]).toContain('< 0.0125');
    expect(guardrailReport(plan({ steps: [0.5, 1] }), state, 0).broken[0]).toContain('< 0.0250');
  });

  it('judges error rate and p99 latency once the candidate served enough responses in the step', () => {
    const below = MIN_RESPONSES_FOR_RATES - 1;
    const quiet = stateWith([below, 10], [200, 40], { errors: 5, latencyBucket: 11 });
    expect(guardrailReport(plan(), quiet, 60_000).broken).toEqual([]);

    const loud = stateWith([MIN_RESPONSES_FOR_RATES, 10], [200, 40], { errors: 5, latencyBucket: 11 });
    const report = guardrailReport(plan(), loud, 60_000);
    expect(report.errorRate).toBe(0.1);
    expect(report.latencyP99Ms).toBe(2000);
    expect(report.broken).toEqual(['error rate 10.00% above 1.00%', 'p99 latency 2000 ms above 600 ms']);
    expect(decideStep(plan(), report)).toEqual({ decision: 'rollback', reasons: report.broken, report });
  });

  it('rolls back a candidate serving could not load, naming the load error in the report it records', () => {
    const report = guardrailReport(plan(), stateWith([0, 0], [200, 40]), 600_000);
    expect(decideStep(plan(), report, 'manifest hash differs')).toEqual({
      decision: 'rollback',
      reasons: ['candidate model could not be loaded: manifest hash differs'],
      report: {
        ...report,
        broken: ['candidate model could not be loaded: manifest hash differs'],
        readyToAdvance: false,
      },
    });
  });

  it('a broken guardrail wins over a load failure', () => {
    const report = guardrailReport(plan(), stateWith([60, 3], [60, 30]), 0);
    expect(decideStep(plan(), report, 'missing file')).toEqual({
      decision: 'rollback',
      reasons: report.broken,
      report,
    });
  });

  it('the final step holds until the candidate served minRequestsToPromote responses in it, then asks to promote', () => {
    const last = plan({ step: 3, share: 1 });
    const short = guardrailReport(last, stateWith([99, 20], [0, 0]), 60_000);
    expect(short).toMatchObject({ broken: [], readyToAdvance: false });
    expect(decideStep(last, short)).toEqual({ decision: 'hold', report: short });

    const enough = guardrailReport(last, stateWith([100, 20], [0, 0]), 60_000);
    expect(enough.readyToAdvance).toBe(true);
    expect(decideStep(last, enough)).toEqual({ decision: 'promote' });
  });
});

describe('between steps and at promotion', () => {
  /** Candidate users convert 1, ½ and 0 of their responses; control users ⅕ and ⅖. */
  function knownStep(state: CanaryState): void {
    state.step.candidate.users.set(1, [1, 1]).set(2, [2, 1]).set(3, [3, 0]);
    state.step.control.users.set(4, [5, 1]).set(5, [5, 2]);
  }
  // Rates: candidate mean ½, variance ((½)² + 0 + (½)²) / 2 = ¼; control mean 0.3, variance (0.1² + 0.1²) / 1 = 0.02.
  const knownStdError = Math.sqrt(0.25 / 3 + 0.02 / 2);

  it('compares the arms by their mean per-user rates with the Welch standard error of the difference', () => {
    const state = freshState(T0, null);
    knownStep(state);
    const compared = compareArms(0.25, state.step.candidate, state.step.control);
    expect(compared.share).toBe(0.25);
    expect(compared.candidateRate).toBeCloseTo(0.5, 15);
    expect(compared.controlRate).toBeCloseTo(0.3, 15);
    expect(compared.candidateUsers).toBe(3);
    expect(compared.controlUsers).toBe(2);
    expect(compared.differenceStdError).toBeCloseTo(knownStdError, 12);
  });

  it('with a single user in an arm the standard error is unknown, never 0', () => {
    const one = emptyArm();
    one.users.set(1, [2, 1]);
    const two = emptyArm();
    two.users.set(2, [1, 0]).set(3, [1, 1]);
    expect(compareArms(0.5, one, two).differenceStdError).toBeNull();
    expect(compareArms(0.5, two, one).differenceStdError).toBeNull();
  });

  it('advancing keeps the finished step’s comparison and starts the next step afresh', () => {
    const state = freshState(T0, 1_000);
    knownStep(state);
    state.looks.push({ difference: 0, variance: 1 });
    startNextStep(state, 0.25, T0 + 90_000, 91_000);
    expect(state.compared).toMatchObject({ share: 0.25, candidateUsers: 3, controlUsers: 2 });
    expect(state.step.candidate.users.size + state.step.control.users.size).toBe(0);
    expect(state.step.startedAt).toBe(T0 + 90_000);
    expect(state.step.startedStream).toBe(91_000);
    expect(state.looks).toEqual([]);
  });

  it('a step without a control (the 100% step) leaves the last comparison in place', () => {
    const state = freshState(T0, null);
    knownStep(state);
    startNextStep(state, 0.5, T0, null);
    const kept = state.compared;
    state.step.candidate.users.set(9, [1, 1]);
    startNextStep(state, 1, T0, null);
    expect(state.compared).toBe(kept);
  });

  it('sends the policy the same-step rates and their standard error', () => {
    const state = freshState(T0, null);
    knownStep(state);
    startNextStep(state, 0.5, T0, null);
    fill(state.total.candidate, 4, 1, { responses: 50, errors: 4, latencyBucket: 4 });
    const report = guardrailReport(plan({ step: 3, share: 1 }), state, 0);
    const telemetry = promotionTelemetry('canary-1', state, report);
    expect(telemetry).toEqual({
      requests: 200,
      errorRate: 0.02,
      latencyP95Ms: 100,
      onlineMetric: state.compared!.candidateRate,
      championOnlineMetric: state.compared!.controlRate,
      onlineDifferenceStdError: state.compared!.differenceStdError,
      comparedInStep: state.compared,
      sequentialPValue: report.sequentialPValue,
      experimentId: 'canary-1',
    });
    expect(telemetry.onlineDifferenceStdError).toBeCloseTo(knownStdError, 12);
    // The audit stores the object as is: the standard error sits between the rates and the comparison.
    expect(Object.keys(telemetry)).toEqual([
      'requests',
      'errorRate',
      'latencyP95Ms',
      'onlineMetric',
      'championOnlineMetric',
      'onlineDifferenceStdError',
      'comparedInStep',
      'sequentialPValue',
      'experimentId',
    ]);
  });

  it('without a compared step it falls back to the whole-canary rates and sends no standard error', () => {
    const state = stateWith([10, 3], [30, 6]);
    const report: GuardrailReport = guardrailReport(plan({ step: 3, share: 1 }), state, 0);
    const telemetry = promotionTelemetry('canary-1', state, report);
    expect(telemetry.onlineMetric).toBe(report.candidateConversionRate);
    expect(telemetry.championOnlineMetric).toBe(report.controlConversionRate);
    expect(telemetry.comparedInStep).toBeNull();
    expect('onlineDifferenceStdError' in telemetry).toBe(false);

    const oneUser = freshState(T0, null);
    oneUser.step.candidate.users.set(1, [1, 1]);
    oneUser.step.control.users.set(2, [1, 0]).set(3, [1, 1]);
    startNextStep(oneUser, 0.05, T0, null);
    expect('onlineDifferenceStdError' in promotionTelemetry('canary-1', oneUser, report)).toBe(false);
  });

  it('a policy denial becomes the rollback’s reasons, one per policy reason', () => {
    expect(promotionDeniedReasons(['online metric regressed', 'too few requests'])).toEqual([
      'promotion denied: online metric regressed',
      'promotion denied: too few requests',
    ]);
  });
});
