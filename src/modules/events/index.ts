// Public surface of modules/events: what other modules may import. Everything else is internal.
export { createEventBus } from './event-bus.factory';
export {
  type BatchContext,
  type BusRecord,
  EVENT_BUS,
  type EventBus,
  type OutgoingMessage,
  type PartitionLag,
  type RecordBatch,
  type Subscription,
} from './event-bus';
export { EventsModule } from './events.module';
