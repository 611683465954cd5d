/**
 * The ranking thread's side of RankingThread (see ranking-thread.ts): holds
 * the quantized item matrices of the models it was given and answers top-k
 * calls one at a time. Nothing here touches I/O; a call that throws answers
 * with an error instead of taking the thread down.
 */
import { parentPort } from 'node:worker_threads';
import { QuantizedTopK } from './quantized-top-k';
import { ControlReply, ControlRequest, decodeRankCall, encodeRanked } from './ranking-protocol';

const port = parentPort;
if (!port) throw new Error('ranking-thread.worker runs only as a worker thread');
const parent = port;

const models = new Map<number, QuantizedTopK>();

function reply(message: ControlReply | Float64Array): void {
  parent.postMessage(message);
}

parent.on('message', (message: ControlRequest | Float64Array) => {
  if (ArrayBuffer.isView(message)) {
    const { call, key, k, user, excluded } = decodeRankCall(message);
    try {
      const ranker = models.get(key);
      if (!ranker) throw new Error(`model ${key} is not loaded on the ranking thread`);
      reply(encodeRanked(call, ranker.topK(user, k, excluded)));
    } catch (error) {
      reply({ type: 'failed', call, error: String((error as Error)?.message ?? error) });
    }
    return;
  }
  if (message.type === 'unload') {
    models.delete(message.key);
    return;
  }
  try {
    const { key, itemFactors, factors, bias, active, maxK } = message;
    models.set(key, new QuantizedTopK(itemFactors, factors, bias, active, maxK));
    reply({ type: 'loaded', key });
  } catch (error) {
    reply({ type: 'loaded', key: message.key, error: String((error as Error)?.message ?? error) });
  }
});
