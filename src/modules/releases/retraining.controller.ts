import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AdminAuthGuard } from '../governance/access/admin-auth.guard';
import { CurrentPrincipal, RequirePermission } from '../governance/access/require-permission';
import { Principal } from '../governance/access/roles';
import { RetrainingService } from './retraining.service';
import { TrainingRunRepository } from './training-run.repository';

@Controller('admin/retraining')
@UseGuards(AdminAuthGuard)
export class RetrainingController {
  constructor(
    private readonly retraining: RetrainingService,
    private readonly runs: TrainingRunRepository,
  ) {}

  /** Starts a retraining run now and answers when it has finished (409 while another runs). */
  @Post('runs')
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

  @Get('runs')
  @RequirePermission('training', 'read')
  list() {
    return this.runs.list();
  }
}
