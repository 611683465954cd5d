import { Worker } from 'node:worker_threads';
import { startWorkerThread } from '@lib/worker-thread';
import type { RankedIndices } from './quantized-top-k';
import { ControlReply, ControlRequest, decodeRanked, encodeRankCall } from './ranking-protocol';

/**
 * Runs the all-items top-k of factor models on a thread of its own, so the
 * thread that answers HTTP requests does not spend its time scanning the
 * catalog.
 *
 * Why: at full scale a top-k over 27,000 items costs ~0.24 ms, a third of
 * what the request thread spent per request at 1,000 requests/s. Moving it
 * here lets HTTP and ranking use both cores with one copy of each model,
 * where a second process would hold a second copy of everything (and of the
 * stream consumers). A call costs the request thread ~50 µs at 1,000
 * requests/s (profiled: mostly waking this thread, not the message itself).
 *
 * Each registered model gets a key; the item matrix is copied to the thread
 * once and quantized there (a swap no longer quantizes on the request
 * thread). When the RemoteRanker a scorer holds is garbage collected, the
 * thread drops the model. If the thread dies, the calls it held fail (serving
 * answers them with its fallback) and the next call starts a new thread with
 * every live model registered again.
 */
export interface RankerSource {
  readonly itemFactors: Float32Array;
  readonly factors: number;
  readonly bias: Float32Array | null;
  readonly active: Int32Array | null;
  readonly maxK?: number;
}

interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** A model's ranking on a RankingThread; what a scorer holds. */
export class RemoteRanker {
  constructor(
    private readonly thread: RankingThread,
    private readonly key: number,
  ) {}

  /** Best `k` item indices for `user`, never one in `excluded`; exact scores (as QuantizedTopK.topK). */
  topK(user: Float32Array, k: number, excluded: readonly number[]): Promise<RankedIndices> {
    return this.thread.rank(this.key, user, k, excluded);
  }
}

export class RankingThread {
  private worker: Worker | null = null;
  private nextKey = 1;
  private nextCall = 1;
  private readonly calls = new Map<number, Pending<RankedIndices>>();
  private readonly loads = new Map<number, Pending<void>>();
  /** What each live model was built from, to register it again on a new thread. */
  private readonly sources = new Map<number, RankerSource>();
  private readonly finalizer = new FinalizationRegistry<number>((key) => this.unload(key));
  private closed = false;
  /** Threads started so far (1 after the first call; more only after a crash). */
  threadsStarted = 0;

  /** Copies the items to the thread and quantizes them there; resolves once the model can rank. */
  register(source: RankerSource): Promise<RemoteRanker> {
    if (this.closed) return Promise.reject(new Error('ranking thread is closed'));
    const worker = this.thread();
    const key = this.nextKey++;
    // Kept for re-registration after a crash. Copies: the given tensors are views of the whole
    // artifact (user factors included), which this map would otherwise keep alive a while longer.
    const own: RankerSource = {
      itemFactors: source.itemFactors.slice(),
      factors: source.factors,
      bias: source.bias ? source.bias.slice() : null,
      active: source.active ? source.active.slice() : null,
      maxK: source.maxK,
    };
    return new Promise<void>((resolve, reject) => {
      this.loads.set(key, { resolve, reject });
      this.sources.set(key, own);
      worker.postMessage(loadMessage(key, own));
    }).then(
      () => {
        const ranker = new RemoteRanker(this, key);
        this.finalizer.register(ranker, key);
        return ranker;
      },
      (error: Error) => {
        this.sources.delete(key);
        throw error;
      },
    );
  }

  rank(key: number, user: Float32Array, k: number, excluded: readonly number[]): Promise<RankedIndices> {
    if (this.closed) return Promise.reject(new Error('ranking thread is closed'));
    const worker = this.thread();
    const call = this.nextCall++;
    // One typed array per call, copied by the post: never a view of the factor matrix (it would be cloned whole).
    const message = encodeRankCall(call, key, k, user, excluded);
    return new Promise<RankedIndices>((resolve, reject) => {
      this.calls.set(call, { resolve, reject });
      worker.postMessage(message);
    });
  }

  /** Calls waiting for an answer (observability, tests). */
  get outstanding(): number {
    return this.calls.size;
  }

  /** Stops the thread; calls still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('ranking thread is closed'));
    await worker?.terminate();
  }

  /** For tests: ends the thread as a crash would. */
  async crashForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  private unload(key: number): void {
    this.sources.delete(key);
    this.worker?.postMessage({ type: 'unload', key } satisfies ControlRequest);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    this.threadsStarted++;
    // Never what keeps a process alive: the service is alive anyway, a CLI should not hang on it.
    worker.unref();
    worker.on('message', (message: ControlReply | Float64Array) => this.onReply(message));
    const fail = (error: Error): void => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`ranking thread exited with code ${code}`)));
    this.worker = worker;
    // A new thread after a crash: every model still in use is registered again, before any call (messages keep their order).
    for (const [key, source] of this.sources) worker.postMessage(loadMessage(key, source));
    return worker;
  }

  private onReply(message: ControlReply | Float64Array): void {
    if (ArrayBuffer.isView(message)) {
      const { call, ranked } = decodeRanked(message);
      const pending = this.calls.get(call);
      this.calls.delete(call);
      pending?.resolve(ranked);
      return;
    }
    if (message.type === 'failed') {
      const pending = this.calls.get(message.call);
      this.calls.delete(message.call);
      pending?.reject(new Error(message.error));
      return;
    }
    const load = this.loads.get(message.key);
    if (!load) return;
    this.loads.delete(message.key);
    if (message.error !== undefined) load.reject(new Error(message.error));
    else load.resolve();
  }

  /** A load under way fails too (the loader keeps the model it has); models already loaded come back on the next thread. */
  private failAll(error: Error): void {
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    for (const load of this.loads.values()) load.reject(error);
    this.loads.clear();
  }
}

/** Posting clones the arrays, so the kept source stays usable for a new thread. */
function loadMessage(key: number, source: RankerSource): ControlRequest {
  const { itemFactors, factors, bias, active, maxK } = source;
  return { type: 'load', key, itemFactors, factors, bias, active, maxK: maxK ?? 1000 };
}

function startWorker(): Worker {
  return startWorkerThread(__dirname, 'ranking-thread.worker');
}
