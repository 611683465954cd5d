import { KafkaEventBus } from '../../src/modules/events/kafka-event-bus';
import { describeEventBusContract } from '../support/event-bus.contract';
import { requireKafkaBrokers } from '../support/services';

describeEventBusContract(
  'Kafka (real broker)',
  async () =>
    new KafkaEventBus({ brokers: requireKafkaBrokers(), clientId: 'marquee-contract-test', connectTimeoutMs: 5_000 }),
  90_000,
);
