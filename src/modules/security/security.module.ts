import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { DatasetsModule, SNAPSHOT_EXCLUSIONS, SnapshotExclusions } from '@modules/datasets';
import { GateRegistry, GovernanceModule } from '@modules/governance';
import { InteractionsModule } from '@modules/interactions';
import { securityHeadersFor } from './hardening/security-headers';
import { OpenApiController } from './openapi/openapi.controller';
import { OpenApiService } from './openapi/openapi.service';
import { PoisoningGateEvaluator } from './poisoning/poisoning-gate.evaluator';
import { PoisoningScanService } from './poisoning/poisoning-scan.service';
import { QuarantineController } from './poisoning/quarantine.controller';
import { QuarantineRepository } from './poisoning/quarantine.repository';
import { RateLimiter } from './rate-limit/rate-limiter.service';

/**
 * Installs the service-wide HTTP protections as Fastify hooks, so they run
 * before routing and body parsing and also cover unknown routes (404s):
 *   onRequest  rate limiting (@fastify/rate-limit, `RateLimiter`) → 429
 *              `{ error: { status, code, message }, requestId }` + Retry-After
 *   onSend     security headers
 * (The 64 KiB body limit is set on the adapter in app.factory.ts; the JSON
 * exception filter keeps internals out of error bodies.)
 */
@Injectable()
export class HttpProtections implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly limiter: RateLimiter,
  ) {}

  async onModuleInit(): Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // CLI contexts have no HTTP server.
    const fastify = adapter.getInstance<FastifyInstance>();
    await this.limiter.install(fastify);
    fastify.addHook('onSend', async (request, reply, payload) => {
      for (const [name, value] of Object.entries(securityHeadersFor(request.url))) reply.header(name, value);
      return payload;
    });
  }
}

/**
 * Security: HTTP protections (rate limits, headers) and the data-poisoning
 * defence (shilling detectors, quarantine, review API, poisoning gate, which
 * this module registers with governance's GateRegistry). Provides
 * SNAPSHOT_EXCLUSIONS so snapshot builders leave quarantined accounts out.
 */
@Module({
  imports: [GovernanceModule, DatasetsModule, DiscoveryModule, InteractionsModule],
  controllers: [QuarantineController, OpenApiController],
  providers: [
    OpenApiService,
    RateLimiter,
    HttpProtections,
    QuarantineRepository,
    PoisoningScanService,
    PoisoningGateEvaluator,
    {
      provide: SNAPSHOT_EXCLUSIONS,
      useFactory: (poisoning: PoisoningScanService): SnapshotExclusions => ({
        excludedUserIds: () => poisoning.excludedUserIds(),
      }),
      inject: [PoisoningScanService],
    },
  ],
  exports: [RateLimiter, PoisoningScanService, SNAPSHOT_EXCLUSIONS],
})
export class SecurityModule implements OnModuleInit {
  constructor(
    private readonly gates: GateRegistry,
    private readonly poisoningGate: PoisoningGateEvaluator,
  ) {}

  onModuleInit(): void {
    this.gates.register(this.poisoningGate);
  }
}
