import { Controller, Get } from '@nestjs/common';
import { OpenApiService } from './openapi.service';

@Controller()
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  /** The OpenAPI 3.1 document of every route (the fuzz test walks it). */
  @Get('openapi.json')
  document(): object {
    return this.openapi.document();
  }
}
