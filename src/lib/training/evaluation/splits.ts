import { InteractionDataset } from '@lib/dataset';
import { createRng } from '../random';

/**
 * Offline evaluation protocols. Each split keeps the catalog and user list of
 * the snapshot and partitions its rows into train and test; the evaluator then
 * ranks the full catalog for every test user (never sampled negatives).
 */
export interface TestRows {
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  readonly rating: Float32Array;
}

export interface EvaluationSplit {
  readonly name: string;
  readonly description: string;
  /** Rank cutoff this protocol reports at (20 for ours, 10 for the literature protocol). */
  readonly k: number;
  readonly train: InteractionDataset;
  readonly test: TestRows;
}

/** The rows selected by `inTrain` form the training snapshot; the others the test rows. */
export function partition(
  data: InteractionDataset,
  inTrain: Uint8Array,
  name: string,
): { train: InteractionDataset; test: TestRows } {
  const n = data.userIndex.length;
  let nTrain = 0;
  for (let k = 0; k < n; k++) nTrain += inTrain[k];
  const pick = <T extends Int32Array | Float32Array | Float64Array>(src: T, want: number, count: number): T => {
    const out = new (src.constructor as new (n: number) => T)(count);
    let at = 0;
    for (let k = 0; k < n; k++) if (inTrain[k] === want) out[at++] = src[k];
    return out;
  };
  const nTest = n - nTrain;
  return {
    train: {
      ...data,
      snapshotId: `${data.snapshotId}/${name}`,
      contentHash: `${data.contentHash}/${name}`,
      userIndex: pick(data.userIndex, 1, nTrain),
      itemIndex: pick(data.itemIndex, 1, nTrain),
      watchMinutes: pick(data.watchMinutes, 1, nTrain),
      rating: pick(data.rating, 1, nTrain),
      timestamp: pick(data.timestamp, 1, nTrain),
    },
    test: {
      userIndex: pick(data.userIndex, 0, nTest),
      itemIndex: pick(data.itemIndex, 0, nTest),
      rating: pick(data.rating, 0, nTest),
    },
  };
}

/**
 * Global temporal split: train on everything before T, test on what happened
 * at or after T. T is the `trainShare` quantile of timestamps. Users and items
 * that first appear after T are the cold-start cases.
 */
export function temporalSplit(data: InteractionDataset, trainShare = 0.8, k = 20): EvaluationSplit {
  const sorted = Float64Array.from(data.timestamp).sort();
  const cut = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * trainShare))];
  const inTrain = new Uint8Array(data.timestamp.length);
  for (let r = 0; r < inTrain.length; r++) inTrain[r] = data.timestamp[r] < cut ? 1 : 0;
  return {
    name: 'temporal',
    description: `global temporal split at ${new Date(cut).toISOString()} (${trainShare * 100}% of rows before)`,
    k,
    ...partition(data, inTrain, 'temporal'),
  };
}

/** Per-user row lists sorted by time (ties by row order). */
function rowsByUser(data: InteractionDataset): { ptr: Int32Array; rows: Int32Array } {
  const nU = data.users.length;
  const ptr = new Int32Array(nU + 1);
  for (let r = 0; r < data.userIndex.length; r++) ptr[data.userIndex[r] + 1]++;
  for (let u = 0; u < nU; u++) ptr[u + 1] += ptr[u];
  const rows = new Int32Array(data.userIndex.length);
  const cursor = ptr.slice(0, nU);
  for (let r = 0; r < data.userIndex.length; r++) rows[cursor[data.userIndex[r]]++] = r;
  for (let u = 0; u < nU; u++) {
    const seg = rows.subarray(ptr[u], ptr[u + 1]);
    seg.sort((a, b) => data.timestamp[a] - data.timestamp[b] || a - b);
  }
  return { ptr, rows };
}

/** Leave-last-k-out: each user's k most recent interactions are the test set (users with > 2k rows only). */
export function leaveLastKOut(data: InteractionDataset, holdout = 5, k = 20): EvaluationSplit {
  const { ptr, rows } = rowsByUser(data);
  const inTrain = new Uint8Array(data.userIndex.length).fill(1);
  for (let u = 0; u < data.users.length; u++) {
    const n = ptr[u + 1] - ptr[u];
    if (n <= 2 * holdout) continue;
    for (let j = ptr[u + 1] - holdout; j < ptr[u + 1]; j++) inTrain[rows[j]] = 0;
  }
  return {
    name: 'leave-last-k',
    description: `leave-last-${holdout}-out per user (users with more than ${2 * holdout} interactions)`,
    k,
    ...partition(data, inTrain, `leave-last-${holdout}`),
  };
}

/**
 * The protocol of the published implicit-feedback benchmarks: for each user a
 * random 75/25 split of their interactions (stratified by user), metrics at
 * k = 10 over all items the user did not interact with in training.
 */
export function randomUserSplit(data: InteractionDataset, seed: number, testShare = 0.25, k = 10): EvaluationSplit {
  const rng = createRng(seed);
  const { ptr, rows } = rowsByUser(data);
  const inTrain = new Uint8Array(data.userIndex.length).fill(1);
  for (let u = 0; u < data.users.length; u++) {
    const n = ptr[u + 1] - ptr[u];
    const nTest = Math.floor(n * testShare);
    if (nTest === 0) continue;
    const own = Array.from(rows.subarray(ptr[u], ptr[u + 1]));
    for (let j = 0; j < nTest; j++) {
      const pick = j + rng.int(n - j);
      [own[j], own[pick]] = [own[pick], own[j]];
      inTrain[own[j]] = 0;
    }
  }
  return {
    name: 'random-75-25',
    description: `per-user stratified random ${100 - testShare * 100}/${testShare * 100} split, metrics at k=${k}`,
    k,
    ...partition(data, inTrain, 'random-75-25'),
  };
}

export const SPLITS = ['temporal', 'leave-last-k', 'random-75-25'] as const;
export type SplitName = (typeof SPLITS)[number];

/** The split a protocol name stands for, with its rank cutoff. */
export function makeSplit(name: SplitName, data: InteractionDataset, seed: number): EvaluationSplit {
  switch (name) {
    case 'temporal':
      return temporalSplit(data, 0.8, 20);
    case 'leave-last-k':
      return leaveLastKOut(data, 5, 20);
    case 'random-75-25':
      return randomUserSplit(data, seed, 0.25, 10);
  }
}
