import { analyseExperiment, ArmTotals } from './analysis';
import { DEFAULT_SETTINGS } from './experiment';
import { conversionPlot, cumulativeSeries, renderMarkdown } from './experiment-report';

const totals = (arm: string, users: number, convertedUsers: number): ArmTotals => ({
  arm,
  modelVersion: `m-${arm}`,
  users,
  convertedUsers,
  userMinutesSum: convertedUsers * 30,
  userMinutesSquares: convertedUsers * 30 * 30,
  userRateSum: convertedUsers * 0.5,
  userRateSquares: convertedUsers * 0.25,
  recommendations: users * 2,
  conversions: convertedUsers,
  errors: 0,
  watchMinutes: convertedUsers * 30,
  ratingSum: 0,
  ratingCount: 0,
  latencyHistogram: [0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
});

const arms = [
  { name: 'A', modelVersion: 'm-A', share: 0.5 },
  { name: 'B', modelVersion: 'm-B', share: 0.5 },
];

describe('analyseExperiment', () => {
  it('finds B better with the right sign, the z-test of the user-level conversion, and no SRM', () => {
    const a = analyseExperiment(arms, [totals('A', 1000, 120), totals('B', 1000, 150)], DEFAULT_SETTINGS, []);
    const c = a.comparisons[0];
    expect(c.treatment).toBe('B');
    expect(c.conversion.difference).toBeCloseTo(0.03, 12);
    // Same numbers as the known-answer z-test (scipy): z = 1.9630, p = 0.04964.
    expect(c.conversion.pValue).toBeCloseTo(0.04964038686536878, 10);
    expect(c.conversion.significant).toBe(true);
    expect(c.watchMinutesPerUser.difference).toBeCloseTo(0.9, 10);
    expect(a.sampleRatio.mismatch).toBe(false);
    expect(a.minimumUsersPerArm).toBeGreaterThan(1000);
    expect(a.enoughData).toBe(false);
  });

  it('flags a sample-ratio mismatch and handles an arm without data', () => {
    const a = analyseExperiment(arms, [totals('A', 1000, 100), totals('B', 800, 80)], DEFAULT_SETTINGS, []);
    expect(a.sampleRatio.mismatch).toBe(true);
    const empty = analyseExperiment(arms, [totals('A', 10, 1)], DEFAULT_SETTINGS, []);
    expect(empty.arms[1].users).toBe(0);
    expect(empty.comparisons[0].conversion.pValue).toBe(1);
  });

  it('renders a report and an SVG line per arm', () => {
    const a = analyseExperiment(arms, [totals('A', 1000, 120), totals('B', 1000, 150)], DEFAULT_SETTINGS, []);
    const experiment = {
      id: 'exp-x',
      kind: 'ab' as const,
      slot: 'default',
      status: 'concluded' as const,
      salt: 'exp-x',
      arms,
      settings: DEFAULT_SETTINGS,
      canaryStep: null,
      canaryShare: null,
      createdBy: 'alice',
      createdAt: new Date('2026-11-26T06:00:00Z'),
      startedAt: null,
      stoppedAt: null,
      concludedAt: null,
      conclusion: null,
      looks: [],
    };
    expect(renderMarkdown(experiment, a)).toMatch(/### B vs A[\s\S]*\*\*significant\*\*/);
    const t = new Date('2026-11-26T06:00:00Z').getTime();
    const series = cumulativeSeries([
      {
        arm: 'A',
        modelVersion: 'm-A',
        bucketStart: new Date(t),
        recommendations: 10,
        conversions: 1,
        errors: 0,
        watchMinutes: 0,
      },
      {
        arm: 'B',
        modelVersion: 'm-B',
        bucketStart: new Date(t),
        recommendations: 10,
        conversions: 3,
        errors: 0,
        watchMinutes: 0,
      },
      {
        arm: 'A',
        modelVersion: 'm-A',
        bucketStart: new Date(t + 60_000),
        recommendations: 10,
        conversions: 3,
        errors: 0,
        watchMinutes: 0,
      },
    ]);
    expect(series.find((s) => s.arm === 'A')!.points.map((p) => p.rate)).toEqual([0.1, 0.2]);
    expect(conversionPlot('x', series).match(/<polyline/g)).toHaveLength(2);
  });
});
