import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminAuthGuard, CurrentPrincipal, RequirePermission, Principal, parseInput } from '@modules/governance';
import { CreateExperimentBody, ListExperimentsQuery, ReasonBody } from './experiments-dto';
import { ExperimentsService } from './experiments.service';
import { ApiOperation } from '@common';

/** A/B tests over HTTP: every route needs an API key with the named permission; changes are audited. */
@Controller('admin/experiments')
@UseGuards(AdminAuthGuard)
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an A/B test',
    tags: ['experiments'],
    body: CreateExperimentBody,
    responses: { '201': 'created' },
  })
  @RequirePermission('experiments', 'manage')
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.experiments.create(parseInput(CreateExperimentBody, body), principal.name);
  }

  @Get()
  @ApiOperation({ summary: 'List A/B tests', tags: ['experiments'], query: ListExperimentsQuery })
  @RequirePermission('experiments', 'read')
  async list(@Query() query: unknown) {
    return { experiments: await this.experiments.list(parseInput(ListExperimentsQuery, query)) };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'An A/B test with its current analysis',
    tags: ['experiments'],
    responses: { '200': 'experiment', '404': 'unknown experiment' },
  })
  @RequirePermission('experiments', 'read')
  async get(@Param('id') id: string) {
    const experiment = await this.experiments.get(id);
    return { ...experiment, analysis: await this.experiments.analyse(id) };
  }

  @Post(':id/start')
  @ApiOperation({ summary: 'Start an A/B test (assigns users from now on)', tags: ['experiments'] })
  @HttpCode(200)
  @RequirePermission('experiments', 'manage')
  start(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.experiments.start(id, principal.name);
  }

  @Post(':id/stop')
  @ApiOperation({ summary: 'Stop an A/B test', tags: ['experiments'], body: ReasonBody, bodyRequired: false })
  @HttpCode(200)
  @RequirePermission('experiments', 'manage')
  stop(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.experiments.stop(id, principal.name, parseInput(ReasonBody, body).reason);
  }

  @Post(':id/conclude')
  @ApiOperation({
    summary: 'Conclude a stopped A/B test with its final analysis',
    tags: ['experiments'],
    body: ReasonBody,
    bodyRequired: false,
  })
  @HttpCode(200)
  @RequirePermission('experiments', 'manage')
  conclude(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.experiments.conclude(id, principal.name, parseInput(ReasonBody, body).reason);
  }
}
