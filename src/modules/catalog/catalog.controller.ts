import { BadRequestException, Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { CatalogService, parseUserId } from './catalog.service';
import { MovieRecord, UserRecord } from './catalog.types';
import { ApiOperation } from '@common';

/** The platform's movie and user APIs: GET /movie/<movieid>, GET /user/<userid>. */
@Controller()
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

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

  @Get('user/:id')
  @ApiOperation({
    summary: 'Profile of a user',
    tags: ['catalog'],
    responses: { '200': 'user', '400': 'not a user id', '404': 'unknown user' },
  })
  async user(@Param('id') raw: string): Promise<UserRecord> {
    const id = parseUserId(raw);
    if (id === null) throw new BadRequestException(`user id must be a positive integer (got ${JSON.stringify(raw)})`);
    const user = await this.catalog.getUser(id);
    if (!user) throw new NotFoundException(`user ${id} not found`);
    return user;
  }
}
