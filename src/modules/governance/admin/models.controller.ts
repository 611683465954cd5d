import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from '../access/admin-auth.guard';
import { CurrentPrincipal, RequirePermission } from '../access/require-permission';
import { Principal } from '../access/roles';
import { summarizeGates } from '../gates/gate-evaluator';
import { GateRegistry } from '../gates/gate-registry';
import { CanaryTelemetry } from '../policy/promotion-policy';
import { LineageService } from '../registry/lineage.service';
import { ModelRegistryService } from '../registry/model-registry.service';
import { PromotionGate } from '../registry/promotion-gate.service';
import { GateBody, ListModelsQuery, parseInput, PromotionBody, RegisterModelBody, RollbackBody } from './admin-dto';
import { ApiOperation } from '@common';

/** Model registry and lifecycle over HTTP. Every route needs an API key with the named permission. */
@Controller('admin/models')
@UseGuards(AdminAuthGuard)
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly gate: PromotionGate,
    private readonly lineage: LineageService,
    private readonly gates: GateRegistry,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a model artifact', body: RegisterModelBody, responses: { '201': 'registered' } })
  @RequirePermission('models', 'register')
  async register(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.registry.register(parseInput(RegisterModelBody, body), principal.name);
  }

  @Get()
  @ApiOperation({ summary: 'List models', query: ListModelsQuery })
  @RequirePermission('models', 'read')
  async list(@Query() query: unknown) {
    return { models: await this.registry.list(parseInput(ListModelsQuery, query)) };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A model with its lifecycle and gates',
    responses: { '200': 'model', '404': 'unknown model' },
  })
  @RequirePermission('models', 'read')
  async get(@Param('id') id: string) {
    const { model, decisions, snapshot, trainingRun } = await this.lineage.forModel(id);
    // Every known gate at a glance (status, reasons, undecided features with their samples), then the raw results.
    const gateSummary = summarizeGates(model.gates, this.gates.knownGates());
    return { ...model, gateSummary, decisions, snapshot, trainingRun };
  }

  @Post(':id/gates/:gate')
  @ApiOperation({ summary: 'Record a gate result', body: GateBody })
  @RequirePermission('models', 'record-gate')
  async recordGate(
    @Param('id') id: string,
    @Param('gate') gate: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    await this.registry.recordGateResult(id, gate, parseInput(GateBody, body), principal.name);
    return this.registry.get(id);
  }

  /** 201 with the decision when allowed; 403 with every reason when the policy denies; 409 for an impossible transition. */
  @Post(':id/promotions')
  @ApiOperation({ summary: 'Request a lifecycle transition (policy-gated)', body: PromotionBody })
  @RequirePermission('promotions', 'request')
  async promote(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseInput(PromotionBody, body);
    const { decision, model, retired } = await this.gate.requestTransition({
      modelId: id,
      to: input.to,
      actor: principal.name,
      role: principal.role,
      justification: input.justification,
      override: input.override,
      canaryTelemetry: input.canaryTelemetry as CanaryTelemetry | undefined,
      gates: input.gates,
    });
    void reply.status(decision.allowed ? 201 : 403);
    return {
      allowed: decision.allowed,
      overridden: decision.overridden,
      reasons: decision.reasons,
      policyVersion: decision.policyVersion,
      decisionId: decision.id,
      transition: { from: decision.fromState, to: decision.toState },
      model,
      retired,
    };
  }

  @Post(':slot/rollback')
  @ApiOperation({
    summary: 'Roll the slot back to the previous production model',
    body: RollbackBody,
    bodyRequired: false,
  })
  @RequirePermission('models', 'rollback')
  async rollback(@Param('slot') slot: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.gate.rollback(slot, principal.name, parseInput(RollbackBody, body).reason);
  }
}
