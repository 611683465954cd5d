import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { sendJsonError } from '@common';
import { answerRecommend, TEXT_PLAIN } from './recommend.controller';
import { RecommendationService } from './recommendation.service';

/** The route whose handler this replaces, as Nest registers it on Fastify. */
const ROUTE = '/recommend/:userId';

/**
 * GET /recommend/:userId answered by a plain Fastify handler instead of Nest's
 * router pipeline (parameter extraction, pipes, guard and interceptor checks,
 * the reply adapter), which the profile of bench:serve put at ~25–40 µs of
 * the request thread per request (bench/results/serve-profile.md).
 *
 * Hand-written on purpose: this is the service's hot path. What stays the
 * same: the route is still declared by RecommendController (the OpenAPI
 * document, Nest's route table) and registered by Nest; only its handler is
 * swapped, in Fastify's onRoute hook, so every Fastify hook still runs around
 * it — rate limiting (onRequest), security headers and x-request-id (onSend),
 * HTTP metrics (onResponse). Validation and the body come from the same
 * function the Nest handler uses (answerRecommend), and errors leave in the
 * JSON shape the global exception filter writes (sendJsonError).
 *
 * The hook is added in the constructor: Nest registers routes (app.init →
 * registerRouter) before any onModuleInit runs, and onRoute only sees routes
 * registered after it.
 */
@Injectable()
export class RecommendFastPath {
  private readonly logger = new Logger('HttpError');
  /** Whether the handler was swapped (observability, tests). */
  installed = false;

  constructor(adapterHost: HttpAdapterHost, recommendations: RecommendationService) {
    const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return; // no HTTP server (CLI contexts)
    const logger = this.logger;
    const handler = async (
      request: FastifyRequest<{ Params: { userId: string }; Querystring: unknown }>,
      reply: FastifyReply,
    ): Promise<void> => {
      try {
        const { json, body } = await answerRecommend(
          recommendations,
          request.params.userId,
          request.query,
          String(request.id),
        );
        if (json) await reply.send(body);
        else await reply.type(TEXT_PLAIN).send(body);
      } catch (error) {
        await sendJsonError(reply, request, error, logger);
      }
    };
    fastify.addHook('onRoute', (route: RouteOptions) => {
      if (route.url !== ROUTE || route.method !== 'GET') return;
      route.handler = handler as RouteOptions['handler'];
      this.installed = true;
    });
  }
}
