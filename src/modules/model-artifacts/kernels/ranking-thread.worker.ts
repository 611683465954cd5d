/**
 * The ranking thread's side of RankingThread (see ranking-thread.ts): holds
 * the quantized item matrices of the models it was given and answers top-k
 * calls one at a time. Nothing here touches I/O; a call that throws answers
 * with an error instead of taking the thread down.
 */
import { parentPort } from 'node:worker_threads';
import { QuantizedTopK } from './quantized-top-k';
import type { ThreadReply, ThreadRequest } from './ranking-thread';

const port = parentPort;
if (!port) throw new Error('ranking-thread.worker runs only as a worker thread');

const models = new Map<number, QuantizedTopK>();

function reply(message: ThreadReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port.on('message', (message: ThreadRequest) => {
  switch (message.type) {
    case 'load': {
      try {
        const { key, itemFactors, factors, bias, active, maxK } = message;
        models.set(key, new QuantizedTopK(itemFactors, factors, bias, active, maxK));
        reply({ type: 'loaded', key });
      } catch (error) {
        reply({ type: 'loaded', key: message.key, error: String((error as Error)?.message ?? error) });
      }
      return;
    }
    case 'unload':
      models.delete(message.key);
      return;
    case 'rank': {
      const ranker = models.get(message.key);
      try {
        if (!ranker) throw new Error(`model ${message.key} is not loaded on the ranking thread`);
        const { items, scores } = ranker.topK(message.user, message.k, message.excluded);
        reply({ type: 'ranked', call: message.call, items, scores }, [items.buffer, scores.buffer] as ArrayBuffer[]);
      } catch (error) {
        reply({ type: 'ranked', call: message.call, error: String((error as Error)?.message ?? error) });
      }
      return;
    }
  }
});
