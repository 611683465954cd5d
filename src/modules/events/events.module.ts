import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { EVENT_BUS, EventBus } from './event-bus';
import { createEventBus } from './event-bus.factory';

@Global()
@Module({
  providers: [
    {
      provide: EVENT_BUS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<EventBus> => {
        const logger = new Logger('EventBus');
        const bus = createEventBus(config, (level, message) => logger[level === 'info' ? 'log' : level](message));
        await bus.connect();
        await bus.ensureTopics([config.topics.movielog, config.topics.deadLetter], config.topicPartitions);
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
