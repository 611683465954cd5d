import { Body, Controller, Get, HttpCode, Post, Put, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { StartCanaryBody } from '@modules/experiments';
import { parseInput, AdminAuthGuard, CurrentPrincipal, RequirePermission, Principal } from '@modules/governance';
import { RetrainingService } from './retraining.service';
import { TrainingRunRepository } from './training-run.repository';
import { ApiOperation } from '@common';

/** The canary plan of automatic canaries: steps and guardrails (the rest of a canary start request). */
const CanaryPlanBody = StartCanaryBody.pick({ steps: true, guardrails: true }).strict();

@Controller('admin/retraining')
@UseGuards(AdminAuthGuard)
export class RetrainingController {
  constructor(
    private readonly retraining: RetrainingService,
    private readonly runs: TrainingRunRepository,
  ) {}

  /** Starts a retraining run now and answers when it has finished (409 while another runs). */
  @Post('runs')
  @ApiOperation({
    summary: 'Start a retraining run now (snapshot, train, gates, policy-gated canary)',
    responses: { '202': 'started', '409': 'a run is in progress' },
  })
  @HttpCode(201)
  @RequirePermission('training', 'request')
  async trigger(@CurrentPrincipal() principal: Principal) {
    const outcome = await this.retraining.trigger('admin', principal.name);
    return {
      runId: outcome.runId,
      snapshotId: outcome.snapshot.id,
      model: { id: outcome.model.id, state: outcome.model.state, metrics: outcome.model.metrics },
      decisions: outcome.transitions.map((t) => ({
        to: t.decision.toState,
        allowed: t.decision.allowed,
        reasons: t.decision.reasons,
      })),
    };
  }

  /** The schedule: cron, clock (wall or stream), stream time as last read, next occurrence, whether a run is in progress. */
  @Get('schedule')
  @ApiOperation({ summary: 'The retraining schedule and its next run' })
  @RequirePermission('training', 'read')
  schedule() {
    return this.retraining.schedule();
  }

  /**
   * Steps and guardrails of the canaries retraining starts (default: the canary
   * controller's defaults). Audited; kept in memory (a restart returns to the defaults).
   */
  @Put('canary-plan')
  @ApiOperation({ summary: 'Set the canary plan (steps, guardrails) of scheduled runs', body: CanaryPlanBody })
  @RequirePermission('canaries', 'manage')
  setCanaryPlan(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.retraining.setCanaryPlan(
      parseInput(CanaryPlanBody, body) as z.infer<typeof CanaryPlanBody>,
      principal.name,
    );
  }

  @Get('runs')
  @ApiOperation({ summary: 'Recent retraining runs' })
  @RequirePermission('training', 'read')
  list() {
    return this.runs.list();
  }
}
