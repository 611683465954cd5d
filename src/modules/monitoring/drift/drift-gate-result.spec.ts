import { DEFAULT_DRIFT_THRESHOLDS, FeatureDrift } from './drift-profile';
import { DriftEvaluation, gateResult } from './drift.service';

const feature = (name: FeatureDrift['feature'], over: Partial<FeatureDrift> = {}): FeatureDrift => ({
  feature: name,
  kind: name === 'served_popularity' ? 'prediction' : 'data',
  psi: 0.01,
  referenceSamples: 500,
  recentSamples: 400,
  insufficient: false,
  drifted: false,
  ...over,
});

function evaluation(features: FeatureDrift[]): DriftEvaluation {
  const reasons = features.filter((f) => f.drifted).map((f) => f.reason as string);
  return {
    passed: reasons.length === 0,
    features,
    reasons,
    thresholds: DEFAULT_DRIFT_THRESHOLDS,
    reference: { snapshotId: 's', windowStart: '2026-11-01T00:00:00.000Z', windowEnd: '2026-11-02T00:00:00.000Z' },
    recent: { windowStart: '2026-11-02T00:00:00.000Z', windowEnd: '2026-11-03T00:00:00.000Z' },
    evaluatedAt: '2026-12-04T00:00:00.000Z',
    snapshotAgeHours: 24,
  };
}

describe('drift gateResult: three-valued', () => {
  it('passes only when every feature was decided and none drifted', () => {
    const result = gateResult(evaluation([feature('rating'), feature('served_popularity')]));
    expect(result).toMatchObject({ status: 'passed', passed: true, reasons: [], undecided: [] });
    expect(result.features.rating).toEqual({
      kind: 'data',
      decided: true,
      drifted: false,
      samples: { reference: 500, recent: 400 },
      psi: 0.01,
    });
  });

  it('is undecided when a feature had too few samples in either window, naming the window', () => {
    const result = gateResult(
      evaluation([
        feature('rating', { referenceSamples: 12, insufficient: true, psi: 1.61 }),
        feature('served_popularity', { recentSamples: 0, insufficient: true, psi: 1.8, ks: 0.5 }),
        feature('genre_mix'),
      ]),
    );
    expect(result.status).toBe('undecided');
    expect(result.passed).toBe(false);
    expect(result.undecided).toEqual(['rating', 'served_popularity']);
    expect(result.reasons).toEqual([
      'rating: undecided, 12 reference samples < 100 required',
      'served_popularity: undecided, 0 recent samples < 100 required',
    ]);
    // The scores are kept as measurements, but marked as not decided.
    expect(result.features.served_popularity).toMatchObject({ decided: false, psi: 1.8, ks: 0.5 });
    expect(result.psi.rating).toBe(1.61);
  });

  it('fails when a decided feature drifted, and still lists the undecided ones', () => {
    const result = gateResult(
      evaluation([
        feature('genre_mix', { psi: 0.9, drifted: true, reason: 'genre_mix: PSI 0.900 > 0.2' }),
        feature('served_popularity', { recentSamples: 3, insufficient: true }),
      ]),
    );
    expect(result.status).toBe('failed');
    expect(result.reasons).toEqual([
      'genre_mix: PSI 0.900 > 0.2',
      'served_popularity: undecided, 3 recent samples < 100 required',
    ]);
    expect(result.features.genre_mix).toMatchObject({
      decided: true,
      drifted: true,
      reason: 'genre_mix: PSI 0.900 > 0.2',
    });
  });
});
