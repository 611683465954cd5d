import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { AdminAuthGuard, CurrentPrincipal, RequirePermission, Principal, parseInput } from '@modules/governance';
import { CanaryService } from './canary.service';
import { ReasonBody, StartCanaryBody } from './experiments-dto';
import { ExperimentsService } from './experiments.service';
import { ApiOperation } from '@common';

/** Canary releases over HTTP (start, watch, evaluate now, abort); access-controlled and audited. */
@Controller('admin/canaries')
@UseGuards(AdminAuthGuard)
export class CanaryController {
  constructor(
    private readonly canaries: CanaryService,
    private readonly experiments: ExperimentsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Start a canary release of a candidate model',
    tags: ['canaries'],
    body: StartCanaryBody,
    responses: { '201': 'started' },
  })
  @RequirePermission('canaries', 'manage')
  start(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.canaries.start(parseInput(StartCanaryBody, body), principal.name, principal.role);
  }

  @Get()
  @ApiOperation({ summary: 'List canary releases', tags: ['canaries'] })
  @RequirePermission('canaries', 'read')
  async list() {
    return { canaries: await this.experiments.list({ kind: 'canary' }) };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A canary release with its telemetry',
    tags: ['canaries'],
    responses: { '200': 'canary', '404': 'unknown canary' },
  })
  @RequirePermission('canaries', 'read')
  async get(@Param('id') id: string) {
    const canary = await this.experiments.get(id);
    return { ...canary, guardrails: canary.status === 'running' ? this.canaries.report(canary) : null };
  }

  @Post('evaluate')
  @ApiOperation({ summary: 'Run the canary controller once now (advance, promote or roll back)', tags: ['canaries'] })
  @HttpCode(200)
  @RequirePermission('canaries', 'manage')
  async evaluate() {
    return { decisions: await this.canaries.evaluateAll() };
  }

  @Post(':id/abort')
  @ApiOperation({
    summary: 'Abort a canary release (rolls back)',
    tags: ['canaries'],
    body: ReasonBody,
    bodyRequired: false,
  })
  @HttpCode(200)
  @RequirePermission('canaries', 'manage')
  abort(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.canaries.abort(
      id,
      principal.name,
      parseInput(ReasonBody, body).reason ?? `aborted by ${principal.name}`,
    );
  }
}
