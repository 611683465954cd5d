import { BusRecord, OutgoingMessage, PartitionLag, RecordBatch, SubscribeOptions } from './event-bus';
import { KafkaBusOptions } from './kafka-event-bus';

/** What the main thread asks of the Kafka thread; each call is answered by one CallResult. */
export type KafkaThreadCall =
  | { readonly method: 'connect' }
  | { readonly method: 'ensureTopics'; readonly topics: readonly string[]; readonly partitions: number }
  | { readonly method: 'reachable' }
  | { readonly method: 'publish'; readonly topic: string; readonly messages: readonly OutgoingMessage[] }
  | { readonly method: 'subscribe'; readonly subscription: number; readonly options: PlainSubscribeOptions }
  | { readonly method: 'stop' | 'pause' | 'resume' | 'lag'; readonly subscription: number }
  | { readonly method: 'heartbeat'; readonly batch: number }
  | { readonly method: 'close' };

/** SubscribeOptions without its callbacks, which stay on the main thread. */
export type PlainSubscribeOptions = Omit<SubscribeOptions, 'handleBatch' | 'onHandlerError'>;

export type ToKafkaThread =
  | { readonly type: 'call'; readonly id: number; readonly call: KafkaThreadCall }
  /** The main thread's handler of a delivered batch finished; `error` when it threw. */
  | { readonly type: 'handled'; readonly batch: number; readonly error?: string };

export type FromKafkaThread =
  | { readonly type: 'result'; readonly id: number; readonly value?: PartitionLag[] | boolean }
  | { readonly type: 'failed'; readonly id: number; readonly error: string }
  | { readonly type: 'batch'; readonly subscription: number; readonly batch: number; readonly records: PackedBatch }
  | {
      readonly type: 'log';
      readonly level: 'error' | 'warn' | 'info' | 'debug';
      readonly message: string;
      readonly extra: Record<string, unknown>;
    };

export interface KafkaThreadData {
  readonly options: Omit<KafkaBusOptions, 'log'>;
  /** CPU priority of the thread (0 normal … 19 lowest). */
  readonly nice: number;
}

/**
 * A batch of records as one transferable buffer plus a few arrays: a
 * structured clone of hundreds of small Buffers costs an object each, this
 * costs one copy of the bytes and one move of the buffer.
 */
export interface PackedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly values: Uint8Array;
  /** End of record i's value in `values` (its start is the previous end). */
  readonly valueEnds: Uint32Array;
  readonly keys: readonly (string | null)[];
  readonly offsets: readonly string[];
  readonly timestamps: Float64Array;
}

export function packBatch(batch: RecordBatch): PackedBatch {
  const n = batch.records.length;
  let bytes = 0;
  for (const r of batch.records) bytes += r.value.length;
  const values = new Uint8Array(bytes);
  const valueEnds = new Uint32Array(n);
  const timestamps = new Float64Array(n);
  const keys: (string | null)[] = new Array(n);
  const offsets: string[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const r = batch.records[i];
    values.set(r.value, at);
    at += r.value.length;
    valueEnds[i] = at;
    keys[i] = r.key;
    offsets[i] = r.offset;
    timestamps[i] = r.timestamp;
  }
  return { topic: batch.topic, partition: batch.partition, values, valueEnds, keys, offsets, timestamps };
}

/** The buffers packBatch filled, for postMessage's transfer list. */
export function transferablesOf(packed: PackedBatch): ArrayBuffer[] {
  return [packed.values.buffer, packed.valueEnds.buffer, packed.timestamps.buffer] as ArrayBuffer[];
}

export function unpackBatch(packed: PackedBatch): RecordBatch {
  const { topic, partition, values, valueEnds, keys, offsets, timestamps } = packed;
  const all = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const records: BusRecord[] = new Array(valueEnds.length);
  let start = 0;
  for (let i = 0; i < valueEnds.length; i++) {
    // Views into the one buffer: a handler that keeps a value keeps the batch's bytes alive, as with kafkajs.
    records[i] = {
      topic,
      partition,
      offset: offsets[i],
      key: keys[i],
      value: all.subarray(start, valueEnds[i]),
      timestamp: timestamps[i],
    };
    start = valueEnds[i];
  }
  return { topic, partition, records };
}

/** A Buffer that crossed a thread boundary arrives as a plain Uint8Array. */
export function asBuffer(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' || Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
