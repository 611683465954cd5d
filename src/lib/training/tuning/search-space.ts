import { Rng } from '../random';

/**
 * One hyperparameter's range. `choice` draws uniformly from a list; `int` and
 * `float` uniformly between bounds, on a log scale when `log` is set (for
 * scale parameters such as learning rates and regularisation, whose useful
 * values span orders of magnitude — Bergstra & Bengio 2012, §2).
 */
export type Dimension =
  | { readonly kind: 'choice'; readonly values: readonly (number | string | boolean)[] }
  | { readonly kind: 'int'; readonly min: number; readonly max: number; readonly log?: boolean }
  | { readonly kind: 'float'; readonly min: number; readonly max: number; readonly log?: boolean };

export type SearchSpace = Readonly<Record<string, Dimension>>;

/**
 * What the tuner may change for each model family. Ranges were set around
 * the values that did well on ML-100k, ml-latest-small and the simulated
 * world (reports/offline/), wide enough to move both ways on a new catalog.
 * Parameters left out (kernel sizes, caches, data filters) change cost, not
 * what the model can learn.
 */
export const SEARCH_SPACES: Readonly<Record<string, SearchSpace>> = {
  popularity: {
    halfLifeDays: { kind: 'choice', values: [0, 7, 30, 60, 180, 365] },
    segmented: { kind: 'choice', values: [true, false] },
    segmentPrior: { kind: 'choice', values: [50, 200, 1000] },
  },
  'item-knn': {
    neighbours: { kind: 'int', min: 10, max: 500, log: true },
    shrink: { kind: 'choice', values: [0, 5, 10, 25, 50, 100] },
    weighting: { kind: 'choice', values: ['binary', 'strength'] },
    halfLifeDays: { kind: 'choice', values: [0, 30, 180] },
  },
  svd: {
    factors: { kind: 'choice', values: [16, 32, 64, 128] },
    epochs: { kind: 'int', min: 5, max: 40 },
    learningRate: { kind: 'float', min: 0.005, max: 0.05, log: true },
    regularization: { kind: 'float', min: 0.005, max: 0.5, log: true },
    implicitWeight: { kind: 'float', min: 0.5, max: 20, log: true },
  },
  als: {
    factors: { kind: 'choice', values: [16, 32, 64, 128] },
    iterations: { kind: 'int', min: 5, max: 20 },
    alpha: { kind: 'float', min: 0.1, max: 20, log: true },
    regularization: { kind: 'float', min: 0.1, max: 100, log: true },
  },
  hybrid: {
    dim: { kind: 'choice', values: [16, 32, 64] },
    epochs: { kind: 'int', min: 5, max: 60 },
    learningRate: { kind: 'float', min: 0.01, max: 0.1, log: true },
    maxSampled: { kind: 'choice', values: [10, 30, 100] },
    itemFeatures: { kind: 'choice', values: [true, false] },
  },
};

/** Significant digits kept for sampled floats, so a trial's parameters read (and reproduce) cleanly. */
const DIGITS = 3;

export function sampleDimension(dim: Dimension, rng: Rng): number | string | boolean {
  switch (dim.kind) {
    case 'choice':
      return dim.values[rng.int(dim.values.length)];
    case 'int': {
      if (!dim.log) return dim.min + rng.int(dim.max - dim.min + 1);
      const v = Math.exp(Math.log(dim.min) + rng.next() * (Math.log(dim.max + 1) - Math.log(dim.min)));
      return Math.min(dim.max, Math.floor(v));
    }
    case 'float': {
      const v = dim.log
        ? Math.exp(Math.log(dim.min) + rng.next() * (Math.log(dim.max) - Math.log(dim.min)))
        : dim.min + rng.next() * (dim.max - dim.min);
      return Number(v.toPrecision(DIGITS));
    }
  }
}

/** One random point of the space (keys in the space's order, so the draw sequence is fixed). */
export function samplePoint(space: SearchSpace, rng: Rng): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [name, dim] of Object.entries(space)) out[name] = sampleDimension(dim, rng);
  return out;
}
