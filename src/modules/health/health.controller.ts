import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ReadinessRegistry } from './readiness.registry';
import { ApiOperation } from '@common';

@Controller()
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(private readonly readiness: ReadinessRegistry) {}

  /** Liveness: the process is up and its event loop turns. */
  @Get('healthz')
  @ApiOperation({ summary: 'Liveness', tags: ['health'], responses: { '200': 'up' } })
  health(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  /** Readiness: every registered dependency answers. */
  @Get('readyz')
  @ApiOperation({
    summary: 'Readiness (database, event bus, model loaded, not draining)',
    tags: ['health'],
    responses: { '200': 'ready', '503': 'not ready' },
  })
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: string; checks: Record<string, boolean> }> {
    const { ready, checks } = await this.readiness.evaluate();
    reply.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'not-ready', checks };
  }
}
