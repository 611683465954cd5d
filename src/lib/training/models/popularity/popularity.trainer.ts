import { NewArtifact, demographicSegment } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { Trainer, TrainingRun, TrainOptions } from '../../trainer';

export interface PopularityParams {
  /** Half-life of an interaction's weight, counted back from the newest interaction. */
  readonly halfLifeDays: number;
  /** Build one list per age band × gender besides the global list. */
  readonly segmented: boolean;
  /** Pseudo-count (in weighted interactions) shrinking a segment's list towards the global one. */
  readonly segmentPrior: number;
}

const DAY_MS = 86_400_000;

/**
 * Recency-weighted popularity: score_i = Σ 2^(−age/halfLife) over i's
 * interactions. Segment lists are shrunk towards the global list
 * (empirical-Bayes style) so small segments do not over-fit.
 */
export const popularityTrainer: Trainer<PopularityParams> = {
  modelType: 'popularity',
  defaults: { halfLifeDays: 60, segmented: true, segmentPrior: 200 },

  async train(data: InteractionDataset, partial, seed, opts: TrainOptions = {}): Promise<NewArtifact> {
    const run = new TrainingRun('popularity', this.defaults, partial, seed, opts);
    const params = run.params;
    run.throwIfAborted();
    const nI = data.movies.length;
    const segments = ['global'];
    const segmentRow = new Map<string, number>([['global', 0]]);
    const userSegment = new Int32Array(data.users.length);
    if (params.segmented) {
      data.users.forEach((user, u) => {
        const key = demographicSegment(user);
        let row = segmentRow.get(key);
        if (row === undefined) {
          row = segments.length;
          segments.push(key);
          segmentRow.set(key, row);
        }
        userSegment[u] = row;
      });
    }
    const rows = segments.length;
    const raw = new Float64Array(rows * nI);
    let newest = -Infinity;
    for (let k = 0; k < data.timestamp.length; k++) if (data.timestamp[k] > newest) newest = data.timestamp[k];
    const decay = Math.LN2 / (params.halfLifeDays * DAY_MS);
    for (let k = 0; k < data.userIndex.length; k++) {
      const w = Math.exp(-decay * (newest - data.timestamp[k]));
      const i = data.itemIndex[k];
      raw[i] += w;
      const row = userSegment[data.userIndex[k]];
      if (row > 0) raw[row * nI + i] += w;
    }
    const scores = new Float32Array(rows * nI);
    const total = (row: number) => raw.subarray(row * nI, (row + 1) * nI).reduce((a, b) => a + b, 0);
    const globalTotal = total(0) || 1;
    for (let i = 0; i < nI; i++) scores[i] = raw[i] / globalTotal;
    for (let row = 1; row < rows; row++) {
      const segTotal = total(row);
      const shrink = params.segmentPrior / (segTotal + params.segmentPrior);
      for (let i = 0; i < nI; i++) {
        const own = segTotal > 0 ? raw[row * nI + i] / segTotal : 0;
        scores[row * nI + i] = (1 - shrink) * own + shrink * scores[i];
      }
    }
    // Items nobody watched are never recommended.
    for (let row = 0; row < rows; row++)
      for (let i = 0; i < nI; i++) if (raw[i] === 0) scores[row * nI + i] = -Infinity;
    const seconds = run.seconds();
    run.progress('count', 1, 1);
    return {
      ...run.envelope(data, seconds),
      tensors: {
        scores: { data: scores, shape: [rows, nI] },
        userSegment: { data: userSegment, shape: [data.users.length] },
      },
      extra: { segments },
    };
  },
};
