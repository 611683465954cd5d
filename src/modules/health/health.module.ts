import { Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, EventBus } from '@modules/events';
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
  ) {}

  onModuleInit(): void {
    this.readiness.register({ name: 'database', check: () => this.storage.ping() });
    this.readiness.register({ name: 'eventBus', check: () => this.bus.isConnected() });
  }
}
