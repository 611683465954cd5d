import { Controller, Get } from '@nestjs/common';
import { OpenApiService } from './openapi.service';
import { ApiOperation } from '@common';

@Controller()
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  /** The OpenAPI 3.1 document of every route (the fuzz test walks it). */
  @Get('openapi.json')
  @ApiOperation({ summary: 'This document (OpenAPI 3.1)', tags: ['meta'] })
  document(): object {
    return this.openapi.document();
  }
}
