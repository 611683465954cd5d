import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CallerAccess } from '@modules/governance';
import { CatalogService, parseUserId } from './catalog.service';
import { MovieRecord, UserRecord } from './catalog.types';
import { ApiOperation } from '@common';

/** A profile without demographics: what a caller whose role may not read profiles gets. */
export type PublicUserRecord = Pick<UserRecord, 'user_id'>;

/** The platform's movie and user APIs: GET /movie/<movieid>, GET /user/<userid>. */
@Controller()
export class CatalogController {
  constructor(
    private readonly catalog: CatalogService,
    private readonly callers: CallerAccess,
  ) {}

  @Get('movie/:id')
  @ApiOperation({
    summary: 'Catalogue entry of a movie',
    tags: ['catalog'],
    responses: { '200': 'movie', '404': 'unknown movie' },
  })
  async movie(@Param('id') id: string): Promise<MovieRecord> {
    const movie = await this.catalog.getMovie(id);
    if (!movie) throw new NotFoundException(`movie ${id} not found`);
    return movie;
  }

  /**
   * The profile. Demographics (age, gender, occupation) only for an API key
   * whose role may read profiles (`profiles:read`: auditor, admin); anyone
   * else gets the user id alone, marked by `x-demographics: withheld`. A key
   * that is presented but unknown is a 401, not a silent downgrade.
   */
  @Get('user/:id')
  @ApiOperation({
    summary: 'Profile of a user (demographics only for roles that may read profiles)',
    tags: ['catalog'],
    responses: { '200': 'user', '400': 'not a user id', '401': 'invalid API key', '404': 'unknown user' },
  })
  async user(
    @Param('id') raw: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserRecord | PublicUserRecord> {
    const id = parseUserId(raw);
    if (id === null) throw new BadRequestException(`user id must be a positive integer (got ${JSON.stringify(raw)})`);
    const caller = await this.callers.check(request.headers, 'profiles', 'read');
    if (caller.kind === 'invalid') throw new UnauthorizedException('invalid or revoked API key');
    const user = await this.catalog.getUser(id);
    if (!user) throw new NotFoundException(`user ${id} not found`);
    if (caller.kind === 'allowed') return user;
    void reply.header('x-demographics', 'withheld');
    return { user_id: user.user_id };
  }
}
