/**
 * A consumer process for the kill test: records every value it handles in a
 * file. With --stall-after N it handles N batches normally, then, inside the
 * next batch, writes half of the records and hangs before returning, so the
 * parent can SIGKILL it mid-batch (records handled, offsets not committed).
 */
import { appendFileSync } from 'node:fs';
import { KafkaEventBus } from '@modules/events/kafka-event-bus';

const [brokers, topic, groupId, outFile, stallAfterArg] = process.argv.slice(2);
const stallAfter = stallAfterArg === undefined ? Number.POSITIVE_INFINITY : Number(stallAfterArg);

async function main(): Promise<void> {
  const bus = new KafkaEventBus({
    brokers: brokers.split(','),
    clientId: 'kill-test-child',
    connectTimeoutMs: 5_000,
    sessionTimeoutMs: 6_000,
  });
  await bus.connect();
  let batches = 0;
  await bus.subscribe({
    groupId,
    topics: [topic],
    fromBeginning: true,
    maxBatchRecords: 100,
    handleBatch: async (batch) => {
      const values = batch.records.map((r) => r.value.toString());
      if (batches++ < stallAfter) {
        appendFileSync(outFile, values.map((v) => `${v}\n`).join(''));
        return;
      }
      appendFileSync(
        outFile,
        values
          .slice(0, Math.ceil(values.length / 2))
          .map((v) => `${v}\n`)
          .join('') + '#stalled\n',
      );
      await new Promise(() => undefined); // never returns: the parent kills us here
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
