import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from '../access/admin-auth.guard';
import { ApiKeyService } from '../access/api-key.service';
import { CurrentPrincipal, RequirePermission } from '../access/require-permission';
import { Principal } from '../access/roles';
import { AuditAnchorService } from '../audit/audit-anchor.service';
import { AuditService } from '../audit/audit.service';
import { renderHtml, renderMarkdown } from '../reports/compliance-report';
import { ComplianceReportService } from '../reports/compliance-report.service';
import { AuditQuery, CreateApiKeyBody, parseInput, VerifyQuery } from './admin-dto';
import { ApiOperation } from '@common';

@Controller('admin')
@UseGuards(AdminAuthGuard)
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly reports: ComplianceReportService,
    private readonly apiKeys: ApiKeyService,
    private readonly anchors: AuditAnchorService,
  ) {}

  /**
   * Walks the hash chain against the latest anchor kept outside the database (AUDIT_ANCHOR_SINK);
   * `ok: false` names the first broken record. `?anchor=<seq>:<hash>` checks a kept head too.
   */
  @Get('audit/verify')
  @ApiOperation({ summary: 'Verify the audit hash chain (optionally against an anchor)', query: VerifyQuery })
  @RequirePermission('audit', 'read')
  async verify(@Query() query: unknown) {
    const { anchor } = parseInput(VerifyQuery, query);
    const external = await this.anchors.latest();
    const result = await this.audit.verify([...(external ? [external] : []), ...(anchor ? [anchor] : [])]);
    return { ...result, externalAnchor: external, anchorSink: this.anchors.location };
  }

  @Get('audit')
  @ApiOperation({ summary: 'Latest audit records', query: AuditQuery })
  @RequirePermission('audit', 'read')
  async latest(@Query() query: unknown) {
    const { kind, limit } = parseInput(AuditQuery, query);
    return { records: await this.audit.latest(limit ?? 100, kind) };
  }

  /** The compliance report, rendered on the fly (`npm run audit:report` writes it into audits/). */
  @Get('reports/models/:id')
  @ApiOperation({
    summary: 'Compliance report of a model (?format=html for printable HTML; Markdown otherwise)',
    produces: 'text/markdown',
    responses: { '200': 'report', '404': 'unknown model' },
  })
  @RequirePermission('reports', 'read')
  async report(
    @Param('id') id: string,
    @Query('format') format: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = await this.reports.gather(id, principal.name);
    if (format === 'html') {
      void reply.type('text/html; charset=utf-8');
      return renderHtml(data);
    }
    void reply.type('text/markdown; charset=utf-8');
    return renderMarkdown(data);
  }

  /** Creates an API key and returns it once; only its hash is stored. */
  @Post('api-keys')
  @ApiOperation({
    summary: 'Create an API key (returned once; only its hash is stored)',
    body: CreateApiKeyBody,
    responses: { '201': 'created' },
  })
  @RequirePermission('apikeys', 'manage')
  async createKey(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { name, role } = parseInput(CreateApiKeyBody, body);
    return this.apiKeys.create(name, role, principal.name);
  }

  @Delete('api-keys/:name')
  @ApiOperation({ summary: 'Revoke an API key', responses: { '204': 'revoked', '404': 'unknown key' } })
  @RequirePermission('apikeys', 'manage')
  @HttpCode(204)
  async revokeKey(@Param('name') name: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    try {
      await this.apiKeys.revoke(name, principal.name);
    } catch (error) {
      throw new NotFoundException((error as Error).message);
    }
  }
}
