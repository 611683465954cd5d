import { QuantizedTopK, RankedIndices } from './quantized-top-k';
import { RankerSource, RankingThread, RemoteRanker } from './ranking-thread';

export interface ItemRankerOptions {
  /** Serving's ranking thread: the items are quantized and ranked there. */
  readonly thread?: RankingThread | null;
  /** In this thread: quantize a slice at a time with turns of the event loop between (a hot swap next to live traffic). */
  readonly quantizeInSlices?: boolean;
}

/**
 * A model's all-items top-k (QuantizedTopK), either on serving's ranking
 * thread or in the calling thread. Scorers hold one and stay agnostic of
 * where it runs: the synchronous `topK` (offline evaluation, CLIs) always
 * works, building an in-thread copy on first use if the model lives on the
 * thread; `topKAsync` (the request path) uses the thread when there is one.
 */
export class ItemRanker {
  private local: QuantizedTopK | null;

  private constructor(
    private readonly source: RankerSource,
    private readonly remote: RemoteRanker | null,
    local: QuantizedTopK | null,
  ) {
    this.local = local;
  }

  /** Quantized now, in this thread (synchronous constructors, training and evaluation). */
  static inThread(source: RankerSource): ItemRanker {
    return new ItemRanker(source, null, newTopK(source, false));
  }

  static async create(source: RankerSource, options: ItemRankerOptions = {}): Promise<ItemRanker> {
    if (options.thread) return new ItemRanker(source, await options.thread.register(source), null);
    if (!options.quantizeInSlices) return ItemRanker.inThread(source);
    const local = newTopK(source, true);
    await local.quantizeInSlices();
    return new ItemRanker(source, null, local);
  }

  topK(user: Float32Array, k: number, excluded: readonly number[]): RankedIndices {
    this.local ??= newTopK(this.source, false);
    return this.local.topK(user, k, excluded);
  }

  /** The same ranking; on the ranking thread when there is one (the request thread then only waits). */
  topKAsync(user: Float32Array, k: number, excluded: readonly number[]): Promise<RankedIndices> {
    if (this.remote) return this.remote.topK(user, k, excluded);
    try {
      return Promise.resolve(this.topK(user, k, excluded));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
}

function newTopK(source: RankerSource, deferQuantization: boolean): QuantizedTopK {
  return new QuantizedTopK(
    source.itemFactors,
    source.factors,
    source.bias,
    source.active,
    source.maxK,
    deferQuantization,
  );
}
