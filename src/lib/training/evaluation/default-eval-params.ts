/**
 * Parameters `npm run eval` uses for each model unless overridden with
 * --params '{"als":{"factors":64}}'. Chosen on the temporal split of the
 * 50k × 5k synthetic world with small grids (recorded in the report's
 * parameter list); sized so that the whole three-split evaluation finishes in
 * well under an hour on the shared 2-core machine.
 */
export const DEFAULT_EVAL_PARAMS: Readonly<Record<string, Record<string, unknown>>> = {
  popularity: { halfLifeDays: 60, segmented: true },
  'item-knn': { neighbours: 100, shrink: 10 },
  svd: { factors: 32, epochs: 25 },
  als: { factors: 32, iterations: 8, alpha: 5, regularization: 0.5 },
  hybrid: { dim: 32, epochs: 2 },
};
