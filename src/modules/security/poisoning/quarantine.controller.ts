import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { AdminAuthGuard, CurrentPrincipal, RequirePermission, Principal, parseInput } from '@modules/governance';
import { QUARANTINE_STATUSES } from './quarantine.repository';
import { PoisoningScanService } from './poisoning-scan.service';
import { ApiOperation } from '@common';

const ListQuery = z
  .object({
    status: z.enum(QUARANTINE_STATUSES as ['pending', 'genuine', 'malicious']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
const IdParam = z.string().regex(/^\d{1,18}$/, 'a quarantine id is a positive integer');
const ReviewBody = z
  .object({ verdict: z.enum(['genuine', 'malicious']), note: z.string().max(1000).optional() })
  .strict();
const ScanBody = z.object({ lookbackDays: z.number().int().min(1).max(365).optional() }).strict();
const ModelIdParam = z.string().regex(/^[\w.:-]{1,200}$/, 'letters, digits, _ . : - (at most 200)');

/** Review of quarantined (suspected fake) accounts, and the poisoning gate of promotion. */
@Controller('admin')
@UseGuards(AdminAuthGuard)
export class QuarantineController {
  constructor(private readonly poisoning: PoisoningScanService) {}

  @Get('quarantine')
  @ApiOperation({ summary: 'Accounts quarantined by the poisoning detectors', tags: ['security'], query: ListQuery })
  @RequirePermission('quarantine', 'read')
  async list(@Query() query: unknown) {
    const { status, limit } = parseInput(ListQuery, query);
    return { entries: await this.poisoning.list(status, limit ?? 100) };
  }

  @Post('quarantine/:id/review')
  @ApiOperation({
    summary: 'Review a quarantined account (genuine releases its events into snapshots)',
    tags: ['security'],
    body: ReviewBody,
  })
  @HttpCode(200)
  @RequirePermission('quarantine', 'review')
  review(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { verdict, note } = parseInput(ReviewBody, body);
    return this.poisoning.review(parseInput(IdParam, id), verdict, `apikey:${principal.name}`, note ?? null);
  }

  /** Runs the shilling detectors over recent ratings now (also what a scheduler would call). */
  @Post('quarantine/scan')
  @ApiOperation({
    summary: 'Run the shilling detectors over recent ratings',
    tags: ['security'],
    body: ScanBody,
    bodyRequired: false,
  })
  @HttpCode(200)
  @RequirePermission('quarantine', 'review')
  scan(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { lookbackDays } = parseInput(ScanBody, body);
    return this.poisoning.scan(`apikey:${principal.name}`, { lookbackDays });
  }

  /** Evaluates the poisoning gate for a model and records it (read by the promotion policy). */
  @Post('quarantine/gate/:modelId')
  @ApiOperation({ summary: 'Evaluate and record the poisoning gate of a model', tags: ['security'] })
  @HttpCode(200)
  @RequirePermission('models', 'record-gate')
  gate(@Param('modelId') modelId: string, @CurrentPrincipal() principal: Principal) {
    return this.poisoning.recordGate(parseInput(ModelIdParam, modelId), `apikey:${principal.name}`);
  }
}
