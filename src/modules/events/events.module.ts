import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { StartupError, withDeadline } from '@common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { EVENT_BUS, EventBus } from './event-bus';
import { createEventBus } from './event-bus.factory';

/** How long connecting to the broker (and creating the topics) may take at start-up. */
const CONNECT_DEADLINE_MS = 30_000;

@Global()
@Module({
  providers: [
    {
      provide: EVENT_BUS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<EventBus> => {
        const logger = new Logger('EventBus');
        const bus = createEventBus(config, (level, message) => logger[level === 'info' ? 'log' : level](message));
        try {
          // Bounded: kafkajs retries an unreachable broker; start-up ends with a message naming it.
          await withDeadline(
            (async () => {
              await bus.connect();
              const { movielog, deadLetter, historyChanges } = config.topics;
              await bus.ensureTopics([movielog, deadLetter, historyChanges], config.topicPartitions);
            })(),
            CONNECT_DEADLINE_MS,
            () => new Error(`no answer within ${CONNECT_DEADLINE_MS / 1000} s`),
          );
        } catch (error) {
          await bus.close().catch((closeError: unknown) => logger.warn(`close: ${String(closeError)}`));
          const brokers = config.events.kind === 'kafka' ? config.events.brokers.join(',') : '(in-process)';
          throw new StartupError(
            'KAFKA_BROKERS',
            `KAFKA_BROKERS=${brokers}: cannot reach the broker: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
        logger.log(`event bus connected (${bus.kind})`);
        return bus;
      },
    },
  ],
  exports: [EVENT_BUS],
})
export class EventsModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}
