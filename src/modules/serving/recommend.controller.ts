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
    const { format } = parseInput(RecommendQuery, query);
    const userId = parseUserId(rawUserId);
    const result = await this.recommendations.recommend(userId, String(request.id));
    if (format === 'json') {
      return {
        userId,
        items: result.items.map((i) => ({ movieId: i.movieId, score: i.score })),
        model: result.model,
        experiment: result.experiment,
        requestId: result.requestId,
      };
    }
    reply.type('text/plain; charset=utf-8');
    return result.items.map((i) => i.movieId).join(',');
  }
}
