import { ExperimentArm, ExperimentLook, ExperimentSettings } from './experiment';
import { histogramQuantile } from './outcome-buckets';
import {
  alwaysValidPValue,
  confidenceSequence,
  minimumSampleSizePerArm,
  newcombeDifference,
  ProportionEstimate,
  proportionLook,
  SampleRatioCheck,
  sampleRatioMismatch,
  SequentialLook,
  SampleSummary,
  summaryFromSums,
  twoProportionZTest,
  welchTTest,
  wilsonInterval,
} from '@lib/stats';

/** What the store returns per arm (sums over the arm's users and buckets). */
/** Totals of an arm that has seen no traffic yet. */
export function emptyArmTotals(arm: string, modelVersion: string): ArmTotals & { latencyHistogram: number[] } {
  return {
    arm,
    modelVersion,
    users: 0,
    convertedUsers: 0,
    userMinutesSum: 0,
    userMinutesSquares: 0,
    userRateSum: 0,
    userRateSquares: 0,
    recommendations: 0,
    conversions: 0,
    errors: 0,
    watchMinutes: 0,
    ratingSum: 0,
    ratingCount: 0,
    latencyHistogram: [],
  };
}

export interface ArmTotals {
  readonly arm: string;
  readonly modelVersion: string;
  /** Users exposed (assignment rows). */
  readonly users: number;
  /** Users with at least one conversion. */
  readonly convertedUsers: number;
  /** Per-user watch minutes: Σx and Σx² (for Welch). */
  readonly userMinutesSum: number;
  readonly userMinutesSquares: number;
  /** Per-user conversion rate (conversions / recommendations): Σ and Σ². */
  readonly userRateSum: number;
  readonly userRateSquares: number;
  /** Response level (buckets). */
  readonly recommendations: number;
  readonly conversions: number;
  readonly errors: number;
  readonly watchMinutes: number;
  readonly ratingSum: number;
  readonly ratingCount: number;
  readonly latencyHistogram: readonly number[];
}

export interface ArmReport {
  readonly arm: string;
  readonly modelVersion: string;
  readonly users: number;
  /** Share of exposed users who converted at least once, with a Wilson interval. */
  readonly userConversion: ProportionEstimate;
  /** Response-level conversion (descriptive: responses of one user are not independent). */
  readonly responseConversion: number;
  readonly recommendations: number;
  readonly watchMinutesPerUser: SampleSummary;
  readonly watchMinutesPerRecommendation: number;
  readonly meanRatingOfRecommended: number | null;
  readonly errorRate: number;
  readonly latencyP95Ms: number;
  readonly latencyP99Ms: number;
}

export interface Comparison {
  readonly control: string;
  readonly treatment: string;
  /** treatment − control in the share of users who converted. */
  readonly conversion: {
    readonly difference: number;
    readonly interval: { lower: number; upper: number };
    readonly zStatistic: number;
    readonly pValue: number;
    readonly significant: boolean;
  };
  readonly watchMinutesPerUser: {
    difference: number;
    t: number;
    df: number;
    pValue: number;
    lower: number;
    upper: number;
  };
  /**
   * Primary metric: each user's conversions per response, compared with Welch's test. Unlike "converted at least
   * once" it does not saturate as users see more responses, and users (not responses) are the independent units.
   */
  readonly conversionRatePerUser: { difference: number; t: number; df: number; pValue: number; significant: boolean };
  readonly sequential: {
    readonly pValue: number;
    readonly confidenceSequence: { lower: number; upper: number };
    readonly significant: boolean;
    readonly looks: number;
  };
}

export interface ExperimentAnalysis {
  readonly arms: readonly ArmReport[];
  readonly comparisons: readonly Comparison[];
  readonly sampleRatio: SampleRatioCheck;
  readonly minimumUsersPerArm: number;
  readonly enoughData: boolean;
  readonly alpha: number;
}

function armReport(t: ArmTotals, confidence: number): ArmReport {
  return {
    arm: t.arm,
    modelVersion: t.modelVersion,
    users: t.users,
    userConversion: wilsonInterval(t.convertedUsers, t.users, confidence),
    responseConversion: t.recommendations ? t.conversions / t.recommendations : 0,
    recommendations: t.recommendations,
    watchMinutesPerUser: summaryFromSums(t.users, t.userMinutesSum, t.userMinutesSquares),
    watchMinutesPerRecommendation: t.recommendations ? t.watchMinutes / t.recommendations : 0,
    meanRatingOfRecommended: t.ratingCount ? t.ratingSum / t.ratingCount : null,
    errorRate: t.recommendations ? t.errors / t.recommendations : 0,
    latencyP95Ms: histogramQuantile(t.latencyHistogram, 0.95),
    latencyP99Ms: histogramQuantile(t.latencyHistogram, 0.99),
  };
}

/** The sequential look of a comparison now: user-level conversion difference and its variance. */
export function currentLook(control: ArmTotals, treatment: ArmTotals): SequentialLook | null {
  if (control.users < 2 || treatment.users < 2) return null;
  return proportionLook(control.convertedUsers, control.users, treatment.convertedUsers, treatment.users);
}

/**
 * The analysis of an experiment. The unit is the user (what the assignment
 * randomises), so the tests' independence assumption holds; response-level
 * rates are reported as description only. The first arm is the control.
 */
export function analyseExperiment(
  arms: readonly ExperimentArm[],
  totals: readonly ArmTotals[],
  settings: ExperimentSettings,
  looks: readonly ExperimentLook[],
): ExperimentAnalysis {
  const confidence = 1 - settings.alpha;
  const byArm = new Map(totals.map((t) => [t.arm, t]));
  const ordered = arms.map((a) => byArm.get(a.name) ?? emptyArmTotals(a.name, a.modelVersion));
  const reports = ordered.map((t) => armReport(t, confidence));
  const control = ordered[0];
  const comparisons: Comparison[] = [];
  for (const treatment of ordered.slice(1)) {
    const z = twoProportionZTest(control.convertedUsers, control.users, treatment.convertedUsers, treatment.users);
    const diff = newcombeDifference(
      control.convertedUsers,
      control.users,
      treatment.convertedUsers,
      treatment.users,
      confidence,
    );
    const minutes = welchTTest(
      summaryFromSums(control.users, control.userMinutesSum, control.userMinutesSquares),
      summaryFromSums(treatment.users, treatment.userMinutesSum, treatment.userMinutesSquares),
      confidence,
    );
    const rate = welchTTest(
      summaryFromSums(control.users, control.userRateSum, control.userRateSquares),
      summaryFromSums(treatment.users, treatment.userRateSum, treatment.userRateSquares),
      confidence,
    );
    const now = currentLook(control, treatment);
    // Earlier looks were recorded for the first treatment arm (two-arm experiments and canaries).
    const allLooks = [...(treatment === ordered[1] ? looks : []), ...(now ? [now] : [])];
    const sequentialP = alwaysValidPValue(allLooks, settings.sequentialTau);
    comparisons.push({
      control: control.arm,
      treatment: treatment.arm,
      conversion: {
        difference: z.difference,
        interval: { lower: diff.lower, upper: diff.upper },
        zStatistic: z.statistic,
        pValue: z.pValue,
        significant: z.pValue < settings.alpha,
      },
      watchMinutesPerUser: {
        difference: minutes.difference,
        t: minutes.statistic,
        df: minutes.df,
        pValue: minutes.pValue,
        lower: minutes.lower,
        upper: minutes.upper,
      },
      conversionRatePerUser: {
        difference: rate.difference,
        t: rate.statistic,
        df: rate.df,
        pValue: rate.pValue,
        significant: rate.pValue < settings.alpha,
      },
      sequential: {
        pValue: sequentialP,
        confidenceSequence: now
          ? confidenceSequence(now, settings.sequentialTau, settings.alpha)
          : { lower: -Infinity, upper: Infinity },
        significant: sequentialP < settings.alpha,
        looks: allLooks.length,
      },
    });
  }
  const minimumUsersPerArm = minimumSampleSizePerArm({
    baselineRate:
      control.users >= 100 ? Math.max(0.001, control.convertedUsers / control.users) : settings.baselineConversion,
    minimumDetectableEffect: settings.minimumDetectableEffect,
    alpha: settings.alpha,
    power: settings.power,
  });
  return {
    arms: reports,
    comparisons,
    sampleRatio: sampleRatioMismatch(
      ordered.map((t) => t.users),
      arms.map((a) => a.share),
    ),
    minimumUsersPerArm,
    enoughData: ordered.every((t) => t.users >= minimumUsersPerArm),
    alpha: settings.alpha,
  };
}
