import type { RankedIndices } from './quantized-top-k';

/**
 * Messages between RankingThread and its worker. Loads and errors are plain
 * objects (rare); the per-request call and its answer are each one
 * Float64Array, because a message of one typed array costs about half the
 * CPU of an object holding two typed arrays (measured: ~17 vs ~30 µs per
 * round trip across both threads), and these are sent for every request.
 * Float64 holds every index, count and float32 score exactly.
 */
export interface LoadRequest {
  readonly type: 'load';
  readonly key: number;
  readonly itemFactors: Float32Array;
  readonly factors: number;
  readonly bias: Float32Array | null;
  readonly active: Int32Array | null;
  readonly maxK: number;
}

export type ControlRequest = LoadRequest | { readonly type: 'unload'; readonly key: number };

export type ControlReply =
  | { readonly type: 'loaded'; readonly key: number; readonly error?: string }
  | { readonly type: 'failed'; readonly call: number; readonly error: string };

/** [call, key, k, userLength, ...user, ...excluded] */
export function encodeRankCall(
  call: number,
  key: number,
  k: number,
  user: ArrayLike<number>,
  excluded: readonly number[],
): Float64Array {
  const message = new Float64Array(4 + user.length + excluded.length);
  message[0] = call;
  message[1] = key;
  message[2] = k;
  message[3] = user.length;
  message.set(user, 4);
  message.set(excluded, 4 + user.length);
  return message;
}

export interface RankCall {
  readonly call: number;
  readonly key: number;
  readonly k: number;
  readonly user: Float64Array;
  readonly excluded: Float64Array;
}

export function decodeRankCall(message: Float64Array): RankCall {
  const length = message[3];
  return {
    call: message[0],
    key: message[1],
    k: message[2],
    user: message.subarray(4, 4 + length),
    excluded: message.subarray(4 + length),
  };
}

/** [call, count, ...items, ...scores] */
export function encodeRanked(call: number, { items, scores }: RankedIndices): Float64Array {
  const message = new Float64Array(2 + 2 * items.length);
  message[0] = call;
  message[1] = items.length;
  message.set(items, 2);
  message.set(scores, 2 + items.length);
  return message;
}

export function decodeRanked(message: Float64Array): { readonly call: number; readonly ranked: RankedIndices } {
  const count = message[1];
  return {
    call: message[0],
    ranked: {
      items: Int32Array.from(message.subarray(2, 2 + count)),
      scores: Float32Array.from(message.subarray(2 + count, 2 + 2 * count)),
    },
  };
}
