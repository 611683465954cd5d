import { AppConfig } from '@modules/config';
import { EventBus } from './event-bus';
import { InProcessEventBus } from './in-process-event-bus';
import { KafkaEventBus } from './kafka-event-bus';
import { ThreadedKafkaEventBus } from './threaded-kafka-event-bus';

export function createEventBus(
  config: Pick<AppConfig, 'events'>,
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void,
): EventBus {
  if (config.events.kind === 'kafka') {
    const options = {
      brokers: config.events.brokers,
      clientId: config.events.clientId,
      connectTimeoutMs: config.events.connectTimeoutMs,
      sessionTimeoutMs: config.events.sessionTimeoutMs,
      log,
    };
    return config.events.thread
      ? new ThreadedKafkaEventBus(options, config.events.threadNice, config.events.threadYoungGenMb)
      : new KafkaEventBus(options);
  }
  return new InProcessEventBus();
}
