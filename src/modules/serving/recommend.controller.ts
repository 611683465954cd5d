import { BadRequestException, Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RecommendationService } from './recommendation.service';
import { z } from 'zod';
import { ApiOperation } from '@common';
import { parseInput } from '@modules/governance';

/** Largest id the store holds (PostgreSQL integer). */
const MAX_USER_ID = 2_147_483_647;

export function parseUserId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw))
    throw new BadRequestException(`user id must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  const userId = Number(raw);
  if (userId > MAX_USER_ID) throw new BadRequestException(`user id must be at most ${MAX_USER_ID}`);
  return userId;
}

/** The query /recommend accepts (validated with it; the OpenAPI document and the client are generated from it). */
const RecommendQuery = z.object({
  format: z.enum(['text', 'json']).optional().describe('json: scores, model, experiment'),
});

export const TEXT_PLAIN = 'text/plain; charset=utf-8';

function isEmptyQuery(query: unknown): boolean {
  if (query === undefined || query === null) return true;
  for (const _ in query as object) return false;
  return true;
}

/**
 * The whole of GET /recommend/:userId between the HTTP layer and the reply:
 * validation, the recommendation, the body. Shared by the Nest handler below
 * and the Fastify fast path (recommend.fast-path.ts), so both answer alike.
 */
export async function answerRecommend(
  recommendations: RecommendationService,
  rawUserId: string,
  query: unknown,
  requestId: string,
): Promise<{ readonly json: boolean; readonly body: string | object }> {
  // Fastify hands an empty object when there is no query string: skip zod on the common path.
  const { format } = isEmptyQuery(query) ? {} : parseInput(RecommendQuery, query);
  const userId = parseUserId(rawUserId);
  const result = await recommendations.recommend(userId, requestId);
  if (format === 'json') {
    return {
      json: true,
      body: {
        userId,
        items: result.items.map((i) => ({ movieId: i.movieId, score: i.score })),
        model: result.model,
        experiment: result.experiment,
        requestId: result.requestId,
      },
    };
  }
  let body = '';
  for (let i = 0; i < result.items.length; i++)
    body += i === 0 ? result.items[i].movieId : `,${result.items[i].movieId}`;
  return { json: false, body };
}

/**
 * The route's declaration (OpenAPI, Nest's route table) and its handler when
 * the fast path is not installed (an application without the Fastify
 * adapter). In the service, RecommendFastPath swaps this handler for a plain
 * Fastify one when Nest registers the route.
 */
@Controller('recommend')
export class RecommendController {
  constructor(private readonly recommendations: RecommendationService) {}

  /**
   * The platform's contract: text/plain, up to 20 movie ids, comma-separated,
   * best first, one line. `?format=json` adds scores, model and experiment.
   */
  @Get(':userId')
  @ApiOperation({
    summary: 'Up to 20 movie ids for the user, best first (text/plain; ?format=json for scores)',
    tags: ['serving'],
    query: RecommendQuery,
    produces: 'text/plain',
    responses: { '200': 'recommendations', '400': 'bad user id or format' },
  })
  async recommend(
    @Param('userId') rawUserId: string,
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | object> {
    const { json, body } = await answerRecommend(this.recommendations, rawUserId, query, String(request.id));
    if (!json) reply.type(TEXT_PLAIN);
    return body;
  }
}
