import { MessageChannel } from 'node:worker_threads';
import { RecordBatch } from './event-bus';
import { asBuffer, packBatch, transferablesOf, unpackBatch } from './kafka-thread-protocol';

describe('Kafka thread protocol: packed batches', () => {
  const batch: RecordBatch = {
    topic: 'movielog',
    partition: 2,
    records: [
      {
        topic: 'movielog',
        partition: 2,
        offset: '9007199254740993',
        key: '42',
        value: Buffer.from('a,b,c'),
        timestamp: 1,
      },
      {
        topic: 'movielog',
        partition: 2,
        offset: '9007199254740994',
        key: null,
        value: Buffer.alloc(0),
        timestamp: 2.5,
      },
      {
        topic: 'movielog',
        partition: 2,
        offset: '9007199254740995',
        key: '',
        value: Buffer.from('é\u0000ü'),
        timestamp: 3,
      },
    ],
  };

  it('round-trips every field of every record, empty values and null keys included', () => {
    const unpacked = unpackBatch(packBatch(batch));
    expect(unpacked.topic).toBe('movielog');
    expect(unpacked.partition).toBe(2);
    expect(unpacked.records.map((r) => ({ ...r, value: r.value.toString('utf8') }))).toEqual(
      batch.records.map((r) => ({ ...r, value: r.value.toString('utf8') })),
    );
    expect(unpacked.records.every((r) => Buffer.isBuffer(r.value))).toBe(true);
  });

  it('survives a real thread crossing with its buffers transferred, not copied per record', async () => {
    const packed = packBatch(batch);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<unknown>((resolve) => port2.once('message', resolve));
    port1.postMessage(packed, transferablesOf(packed));
    const crossed = (await received) as ReturnType<typeof packBatch>;
    port1.close();
    port2.close();
    // Transferred: the sender's views are detached.
    expect(packed.values.byteLength).toBe(0);
    expect(unpackBatch(crossed).records.map((r) => r.value.toString('utf8'))).toEqual(['a,b,c', '', 'é\u0000ü']);
  });

  it('turns a Uint8Array that crossed a thread back into a Buffer over the same bytes, and leaves strings alone', () => {
    const bytes = new Uint8Array([0, 104, 105, 0]).subarray(1, 3);
    const value = asBuffer(bytes);
    expect(Buffer.isBuffer(value)).toBe(true);
    expect(value.toString()).toBe('hi');
    expect(asBuffer('line')).toBe('line');
  });
});
