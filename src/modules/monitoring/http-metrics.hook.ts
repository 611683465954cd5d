import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MonitoringMetrics } from './monitoring.metrics';

/** Label for requests that matched no route: raw URLs would let any client mint label values. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route pattern Fastify matched (`/recommend/:userId`), never the raw URL (label cardinality). */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions?.url ?? UNMATCHED_ROUTE;
}

/**
 * Generic request metrics for every route, recorded in Fastify's onResponse
 * hook (after the reply is sent, so errors, 404s and guard denials count too).
 * Serving records its per-model-version metrics itself (marquee_recommend_*).
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MonitoringMetrics,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return; // no HTTP server (CLI contexts)
    fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = routeLabel(request);
      const method = request.method;
      this.metrics.httpRequests.inc({ route, method, status: String(reply.statusCode) });
      this.metrics.httpDuration.observe({ route, method }, reply.elapsedTime / 1000);
    });
  }
}
