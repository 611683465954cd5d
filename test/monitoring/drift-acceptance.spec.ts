import { runDriftScenario } from '@app/cli/drift-acceptance-harness';

/**
 * Drift acceptance on the simulator (the outside world), with the drift
 * service's own math: the same world and seed, stable tastes vs. the
 * taste-drift scenario. `npm run drift:acceptance` runs a larger version and
 * writes reports/drift/acceptance.json.
 */
describe('drift acceptance (simulator, same seed)', () => {
  const base = { seed: 11, users: 1200, movies: 400, days: 10, snapshotDays: 4, activity: 1 };

  it('a no-drift run stays under every threshold', async () => {
    const { comparison } = await runDriftScenario({ ...base, drift: 0 });
    for (const f of comparison.features) {
      if (f.insufficient) continue;
      if (f.psi !== undefined)
        expect({ feature: f.feature, psi: f.psi < comparison.thresholds.psi }).toEqual({
          feature: f.feature,
          psi: true,
        });
    }
    expect(comparison.reasons).toEqual([]);
    expect(comparison.passed).toBe(true);
  }, 300_000);

  it('the taste-drift scenario is flagged (the rating distribution moves over the PSI threshold)', async () => {
    const { comparison } = await runDriftScenario({ ...base, drift: 20 });
    const rating = comparison.features.find((f) => f.feature === 'rating');
    expect(rating?.insufficient).toBe(false);
    expect(rating?.psi).toBeGreaterThan(comparison.thresholds.psi);
    expect(comparison.passed).toBe(false);
  }, 300_000);
});
