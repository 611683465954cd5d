/**
 * The ingestion consumer as its own process, for the kill test
 * (test/integration/ingestion.kafka-pg.spec.ts): config, storage, metrics, a
 * Kafka bus with a short session timeout (so a restart after SIGKILL does not
 * wait 30 s for the dead member) and the real IngestionModule.
 *
 * stdout protocol: `READY`, then `STORED <partition> <first>-<last> <records>`
 * per stored batch. With STALL_AFTER_BATCHES=k the (k+1)-th stored batch
 * prints `STALLED <partition> <first>-<last> <records>` and never returns: the batch is in the store, its dead
 * letters are on the topic, but its offsets are not committed — the parent
 * SIGKILLs the process right there.
 */
import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, ConfigModule } from '@modules/config';
import { EVENT_BUS, EventBus } from '@modules/events';
import { KafkaEventBus } from '@modules/events/kafka-event-bus';
import { IngestionModule, IngestionService } from '@modules/ingestion';
import { MetricsModule } from '@modules/metrics';
import { StorageModule } from '@modules/storage';

async function main(): Promise<void> {
  // The consumer is started below, after the observer is in place (not on bootstrap).
  const config = loadConfig({ ...process.env, INGESTION_ENABLED: 'false' });
  if (config.events.kind !== 'kafka') throw new Error('ingestion-worker needs KAFKA_BROKERS');
  const bus = new KafkaEventBus({
    brokers: config.events.brokers,
    clientId: config.events.clientId,
    connectTimeoutMs: config.events.connectTimeoutMs,
    sessionTimeoutMs: 6_000,
  });
  await bus.connect();
  await bus.ensureTopics([config.topics.movielog, config.topics.deadLetter], config.topicPartitions);

  @Global()
  @Module({ providers: [{ provide: EVENT_BUS, useValue: bus }], exports: [EVENT_BUS] })
  class WorkerBusModule {}

  @Module({ imports: [ConfigModule.forRoot(config), StorageModule, WorkerBusModule, MetricsModule, IngestionModule] })
  class WorkerModule {}

  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error', 'warn'] });
  const ingestion = app.get(IngestionService);
  const stallAfter = Number(process.env.STALL_AFTER_BATCHES ?? Number.POSITIVE_INFINITY);
  let stored = 0;
  ingestion.onBatchStored(async (batch) => {
    if (stored++ >= stallAfter) {
      process.stdout.write(`STALLED ${batch.partition} ${batch.firstOffset}-${batch.lastOffset} ${batch.records}\n`);
      await new Promise(() => undefined); // the parent kills us here
    }
    process.stdout.write(`STORED ${batch.partition} ${batch.firstOffset}-${batch.lastOffset} ${batch.records}\n`);
  });
  await ingestion.start();
  process.stdout.write('READY\n');

  const shutdown = (): void => {
    void app
      .close()
      .then(() => (bus as EventBus).close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
