import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminAuthGuard, CurrentPrincipal, RequirePermission, Principal, parseInput } from '@modules/governance';
import { CreateExperimentBody, ListExperimentsQuery, ReasonBody } from './experiments-dto';
import { ExperimentsService } from './experiments.service';

/** A/B tests over HTTP: every route needs an API key with the named permission; changes are audited. */
@Controller('admin/experiments')
@UseGuards(AdminAuthGuard)
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post()
  @RequirePermission('experiments', 'manage')
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.experiments.create(parseInput(CreateExperimentBody, body), principal.name);
  }

  @Get()
  @RequirePermission('experiments', 'read')
  async list(@Query() query: unknown) {
    return { experiments: await this.experiments.list(parseInput(ListExperimentsQuery, query)) };
  }

  @Get(':id')
  @RequirePermission('experiments', 'read')
  async get(@Param('id') id: string) {
    const experiment = await this.experiments.get(id);
    return { ...experiment, analysis: await this.experiments.analyse(id) };
  }

  @Post(':id/start')
  @HttpCode(200)
  @RequirePermission('experiments', 'manage')
  start(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.experiments.start(id, principal.name);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @RequirePermission('experiments', 'manage')
  stop(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.experiments.stop(id, principal.name, parseInput(ReasonBody, body).reason);
  }

  @Post(':id/conclude')
  @HttpCode(200)
  @RequirePermission('experiments', 'manage')
  conclude(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.experiments.conclude(id, principal.name, parseInput(ReasonBody, body).reason);
  }
}
