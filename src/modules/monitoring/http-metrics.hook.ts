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
    // Label children cached per route, method and status: prom-client hashes a label object on every
    // inc/observe, on every request (bounded: route patterns, not URLs, so few keys).
    const children = new Map<string, { inc(): void; observe(seconds: number): void }>();
    fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = routeLabel(request);
      const method = request.method;
      const status = reply.statusCode;
      const key = `${route} ${method} ${status}`;
      let child = children.get(key);
      if (!child) {
        if (children.size >= 10_000) children.clear();
        const count = this.metrics.httpRequests.labels({ route, method, status: String(status) });
        const duration = this.metrics.httpDuration.labels({ route, method });
        child = { inc: () => count.inc(), observe: (s) => duration.observe(s) };
        children.set(key, child);
      }
      child.inc();
      child.observe(reply.elapsedTime / 1000);
    });
  }
}
