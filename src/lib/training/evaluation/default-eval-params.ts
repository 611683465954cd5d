/**
 * Parameters `npm run eval` uses for each model unless overridden with
 * --params '{"als":{"factors":64}}'; on top of each trainer's defaults, which
 * hold for ALS and the hybrid (chosen by the tuner on ML-100k, ml-latest-small
 * and the simulated world: reports/offline/README.md). The entries here predate
 * those and were chosen on the temporal split of the 50k × 5k synthetic world.
 */
export const DEFAULT_EVAL_PARAMS: Readonly<Record<string, Record<string, unknown>>> = {
  popularity: { halfLifeDays: 60, segmented: true },
  'item-knn': { neighbours: 100, shrink: 10 },
  svd: { factors: 32, epochs: 25 },
  als: {},
  hybrid: {},
};
