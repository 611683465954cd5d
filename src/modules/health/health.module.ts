import { Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, EventBus } from '@modules/events';
import { MetricsRegistry } from '@modules/metrics';
import { StorageService } from '@modules/storage';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness.registry';

@Global()
@Module({ controllers: [HealthController], providers: [ReadinessRegistry], exports: [ReadinessRegistry] })
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly storage: StorageService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly metrics: MetricsRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness.register({ name: 'database', check: () => this.storage.ping() });
    // The broker's state now (a bounded round trip), not the flag set at connect.
    this.readiness.register({ name: 'eventBus', check: () => this.bus.reachable() });
    const bus = this.bus;
    this.metrics.gauge({
      name: 'marquee_event_bus_reachable',
      help: '1 when the event bus (Kafka broker) answered a metadata request at scrape time, else 0.',
      async collect() {
        this.set((await bus.reachable()) ? 1 : 0);
      },
    });
  }
}
