import { Controller, Get, Header, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MetricsRegistry } from './metrics.registry';
import { ApiOperation } from '@common';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  /** Prometheus text exposition format. */
  @Get('metrics')
  @ApiOperation({
    summary: 'Prometheus metrics',
    tags: ['health'],
    produces: 'text/plain',
    responses: { '200': 'text exposition' },
  })
  @Header('cache-control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.type(this.metrics.contentType);
    return this.metrics.text();
  }
}
