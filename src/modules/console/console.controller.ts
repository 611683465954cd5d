import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '@modules/governance';
import { ApiOperation } from '@common';
import { ConsoleAuthGuard, ConsolePermission, cookiesOf, CurrentSession } from './console-auth.guard';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsolePagesService } from './console-pages.service';
import {
  ConsoleSession,
  ConsoleSessionService,
  randomToken,
  sameToken,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SIGN_IN_COOKIE,
} from './console-session.service';
import { SafeHtml } from './html';
import { auditPage } from './views/audit.view';
import { experimentListPage, experimentPage } from './views/experiments.view';
import { healthPage } from './views/health.view';
import { signInPage, reportPage } from './views/misc.view';
import { ActionResult, MODEL_STATES, modelListPage, modelPage, TRANSITION_TARGETS } from './views/models.view';

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalText = (max: number) => z.preprocess(emptyToUndefined, z.string().max(max).optional());
const pageNumber = z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100_000).optional());

const ModelsQuery = z.object({
  slot: optionalText(100),
  state: z.preprocess(emptyToUndefined, z.enum(MODEL_STATES).optional()),
  page: pageNumber,
});
const PromotionForm = z.looseObject({
  to: z.enum(TRANSITION_TARGETS),
  justification: optionalText(4000),
  override: z.preprocess(emptyToUndefined, z.literal('true').optional()),
});
const RollbackForm = z.looseObject({ reason: optionalText(4000) });
const ExperimentsQuery = z.object({
  kind: z.preprocess(emptyToUndefined, z.enum(['ab', 'canary']).optional()),
  status: z.preprocess(
    emptyToUndefined,
    z.enum(['draft', 'running', 'stopped', 'concluded', 'rolled_back', 'promoted']).optional(),
  ),
  page: pageNumber,
});
const AuditQuery = z.object({
  kind: optionalText(200),
  subject: optionalText(500),
  actor: optionalText(200),
  before: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{1,18}$/, 'a record seq')
      .optional(),
  ),
});
const VerifyQuery = z.object({
  anchor: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() || undefined : v),
    z
      .string()
      .regex(/^\d{1,18}:[0-9a-f]{64}$/, 'expected <seq>:<sha256 hex>')
      .optional(),
  ),
});
const SignInForm = z.looseObject({ key: z.string().min(1).max(512), _csrf: z.string().max(200).optional() });
const ReportQuery = z.object({ format: z.preprocess(emptyToUndefined, z.enum(['html', 'md']).optional()) });

function sendHtml(reply: FastifyReply, page: SafeHtml, status = 200): string {
  void reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store');
  return page.value;
}

/** 303 See Other: after a form, the browser GETs the next page. */
function seeOther(reply: FastifyReply, location: string): string {
  void reply.status(303).header('location', location).header('cache-control', 'no-store');
  return '';
}

/**
 * Whether the browser reached us over HTTPS, directly or through a TLS-terminating ingress (X-Forwarded-Proto).
 * Trusting the header is safe here: a forged `https` only makes the cookie Secure, which harms nobody but the forger.
 */
function isSecure(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return request.protocol === 'https' || proto === 'https';
}

/** Sign-in and sign-out: an API key for an HttpOnly, SameSite=Strict session cookie. */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleSignInController {
  constructor(
    private readonly sessions: ConsoleSessionService,
    private readonly pages: ConsolePagesService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Console home: redirects to the models page or to sign-in',
    tags: ['console'],
    responses: { '303': 'redirect' },
    produces: 'text/html',
  })
  home(@Res({ passthrough: true }) reply: FastifyReply): string {
    return seeOther(reply, '/console/models');
  }

  @Get('sign-in')
  @ApiOperation({ summary: 'Console sign-in form (API key)', tags: ['console'], produces: 'text/html' })
  signInForm(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string {
    const token = randomToken();
    void reply.header('set-cookie', this.cookie(request, SIGN_IN_COOKIE, token, 600));
    return sendHtml(reply, signInPage(token, null));
  }

  @Post('sign-in')
  @ApiOperation({
    summary: 'Exchange an API key (form field apiKey, CSRF token) for an HttpOnly session cookie',
    tags: ['console'],
    responses: { '303': 'signed in', '400': 'bad form', '401': 'unknown key', '403': 'CSRF token missing' },
    produces: 'text/html',
  })
  async signIn(@Req() request: FastifyRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const form = SignInForm.safeParse(body ?? {});
    const token = randomToken();
    const refuse = async (reason: string, status: number): Promise<string> => {
      await this.pages.signInRefused(request.ip, String(request.id), reason);
      void reply.header('set-cookie', this.cookie(request, SIGN_IN_COOKIE, token, 600));
      return sendHtml(reply, signInPage(token, reason), status);
    };
    if (!form.success) return refuse('Enter an API key.', 400);
    if (!sameToken(form.data._csrf, cookiesOf(request)[SIGN_IN_COOKIE])) {
      return refuse('The sign-in form expired; please try again.', 403);
    }
    const session = await this.sessions.signIn(form.data.key);
    if (!session) return refuse('Unknown or revoked API key.', 401);
    await this.pages.signedIn(session, request.ip);
    void reply.header('set-cookie', [
      this.cookie(request, SESSION_COOKIE, session.cookie, SESSION_TTL_MS / 1000),
      this.cookie(request, SIGN_IN_COOKIE, '', 0),
    ]);
    return seeOther(reply, '/console/models');
  }

  @Post('sign-out')
  @ApiOperation({
    summary: 'End the console session (audited)',
    tags: ['console'],
    responses: { '303': 'signed out' },
    produces: 'text/html',
  })
  @UseGuards(ConsoleAuthGuard)
  @ConsolePermission('models', 'read')
  async signOut(
    @Req() request: FastifyRequest,
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.sessions.signOut(session, request.ip);
    void reply.header('set-cookie', this.cookie(request, SESSION_COOKIE, '', 0));
    return seeOther(reply, '/console/sign-in');
  }

  private cookie(request: FastifyRequest, name: string, value: string, maxAgeSeconds: number): string {
    return serialize(name, value, {
      path: '/console',
      httpOnly: true,
      sameSite: 'strict',
      secure: isSecure(request),
      maxAge: Math.floor(maxAgeSeconds),
    });
  }
}

/** The console's pages: each validates its input, asks ConsolePagesService, renders a view. */
@Controller('console')
@UseGuards(ConsoleAuthGuard)
@UseFilters(ConsoleExceptionFilter)
export class ConsolePagesController {
  constructor(private readonly pages: ConsolePagesService) {}

  @Get('models')
  @ApiOperation({
    summary: 'Console: the registry by slot and state (paginated)',
    tags: ['console'],
    query: ModelsQuery,
    produces: 'text/html',
  })
  @ConsolePermission('models', 'read')
  async models(
    @Query() query: unknown,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { slot, state, page } = parseInput(ModelsQuery, query);
    const [ctx, view] = await Promise.all([this.pages.context(s), this.pages.models({ slot, state }, page ?? 1)]);
    return sendHtml(reply, modelListPage(ctx, view));
  }

  @Get('models/:id')
  @ApiOperation({
    summary: 'Console: one model with metrics, gates, training run, decisions and lineage',
    tags: ['console'],
    responses: { '200': 'page', '404': 'unknown model' },
    produces: 'text/html',
  })
  @ConsolePermission('models', 'read')
  async model(
    @Param('id') id: string,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const [ctx, lineage] = await Promise.all([this.pages.context(s), this.pages.model(id)]);
    return sendHtml(reply, modelPage(ctx, lineage, null));
  }

  /** Policy denials render the model page with every reason; an impossible transition (409) renders it too. */
  @Post('models/:id/promotions')
  @ApiOperation({
    summary: 'Console: request a policy-gated transition (override with justification where the role may)',
    tags: ['console'],
    body: PromotionForm,
    responses: { '303': 'decided', '403': 'role or CSRF refused' },
    produces: 'text/html',
  })
  @ConsolePermission('promotions', 'request')
  async promote(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const form = parseInput(PromotionForm, body);
    let result: ActionResult;
    try {
      result = await this.pages.promote(s, id, {
        to: form.to,
        justification: form.justification,
        override: form.override === 'true' ? true : undefined,
      });
    } catch (error) {
      if (!isConflict(error)) throw error;
      result = { kind: 'error', message: (error as Error).message };
    }
    const [ctx, lineage] = await Promise.all([this.pages.context(s), this.pages.model(id)]);
    return sendHtml(reply, modelPage(ctx, lineage, result));
  }

  @Post('slots/:slot/rollback')
  @ApiOperation({
    summary: 'Console: roll the slot back to its previous production model',
    tags: ['console'],
    body: RollbackForm,
    responses: { '303': 'rolled back', '403': 'role or CSRF refused' },
    produces: 'text/html',
  })
  @ConsolePermission('models', 'rollback')
  async rollback(
    @Param('slot') slot: string,
    @Body() body: unknown,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { reason } = parseInput(RollbackForm, body);
    const result = await this.pages.rollback(s, slot, reason);
    const [ctx, lineage] = await Promise.all([
      this.pages.context(s),
      this.pages.model(result.kind === 'rollback' ? result.rolledBack : ''),
    ]);
    return sendHtml(reply, modelPage(ctx, lineage, result));
  }

  @Get('experiments')
  @ApiOperation({
    summary: 'Console: A/B tests and canaries (paginated)',
    tags: ['console'],
    query: ExperimentsQuery,
    produces: 'text/html',
  })
  @ConsolePermission('experiments', 'read')
  async experiments(
    @Query() query: unknown,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { kind, status, page } = parseInput(ExperimentsQuery, query);
    const [ctx, view] = await Promise.all([
      this.pages.context(s),
      this.pages.experimentList({ kind, status }, page ?? 1),
    ]);
    return sendHtml(reply, experimentListPage(ctx, view));
  }

  @Get('experiments/:id')
  @ApiOperation({
    summary: 'Console: one experiment with arms, sequential test, SRM check and charts',
    tags: ['console'],
    responses: { '200': 'page', '404': 'unknown experiment' },
    produces: 'text/html',
  })
  @ConsolePermission('experiments', 'read')
  async experiment(
    @Param('id') id: string,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const [ctx, e] = await Promise.all([this.pages.context(s), this.pages.experiment(id)]);
    return sendHtml(reply, experimentPage(ctx, e.experiment, e.analysis, e.points, e.truncated, e.guardrails));
  }

  @Get('audit')
  @ApiOperation({
    summary: 'Console: the audit trail, filtered by kind, subject and actor (paginated)',
    tags: ['console'],
    query: AuditQuery,
    produces: 'text/html',
  })
  @ConsolePermission('audit', 'read')
  async audit(
    @Query() query: unknown,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const filter = parseInput(AuditQuery, query);
    const [ctx, view] = await Promise.all([this.pages.context(s), this.pages.auditList(filter, null)]);
    return sendHtml(reply, auditPage(ctx, view));
  }

  /** Verification changes nothing, so it is a GET (bookmarkable with its anchor). */
  @Get('audit/verify')
  @ApiOperation({
    summary: 'Console: verify the hash chain (against an anchor when given)',
    tags: ['console'],
    query: VerifyQuery,
    produces: 'text/html',
  })
  @ConsolePermission('audit', 'read')
  async verify(
    @Query() query: unknown,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { anchor } = parseInput(VerifyQuery, query);
    const [seq, hash] = anchor ? anchor.split(':') : [];
    const result = await this.pages.verify(anchor ? { seq, hash } : undefined);
    const broken = result.firstBroken?.seq;
    // Show the records around the first break: the page that starts at the broken seq.
    const before = broken && /^\d+$/.test(broken) ? String(BigInt(broken) + 1n) : undefined;
    const [ctx, view] = await Promise.all([
      this.pages.context(s),
      this.pages.auditList({ before }, { result, anchor }),
    ]);
    return sendHtml(reply, auditPage(ctx, view));
  }

  @Get('reports/models/:id')
  @ApiOperation({
    summary: 'Console: the compliance report of a model',
    tags: ['console'],
    responses: { '200': 'page', '404': 'unknown model' },
    produces: 'text/html',
  })
  @ConsolePermission('reports', 'read')
  async report(
    @Param('id') id: string,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const [ctx, document] = await Promise.all([this.pages.context(s), this.pages.report(id, s.principal.name, 'html')]);
    return sendHtml(reply, reportPage(ctx, id, document));
  }

  /** The report as a standalone printable document (the same bytes as GET /admin/reports/models/:id). */
  @Get('reports/models/:id/document')
  @ApiOperation({
    summary: 'Console: the compliance report as a printable document (HTML or Markdown)',
    tags: ['console'],
    query: ReportQuery,
    produces: 'text/html',
  })
  @ConsolePermission('reports', 'read')
  async reportDocument(
    @Param('id') id: string,
    @Query() query: unknown,
    @CurrentSession() s: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const format = parseInput(ReportQuery, query).format ?? 'html';
    void reply
      .type(format === 'md' ? 'text/markdown; charset=utf-8' : 'text/html; charset=utf-8')
      .header('cache-control', 'no-store');
    return this.pages.report(id, s.principal.name, format);
  }

  @Get('health')
  @ApiOperation({
    summary: 'Console: ingestion lag, dead letters, drift, fairness and serving health',
    tags: ['console'],
    produces: 'text/html',
  })
  @ConsolePermission('models', 'read')
  async health(@CurrentSession() s: ConsoleSession, @Res({ passthrough: true }) reply: FastifyReply) {
    const [ctx, view] = await Promise.all([this.pages.context(s), this.pages.health()]);
    return sendHtml(reply, healthPage(ctx, view));
  }
}

function isConflict(error: unknown): boolean {
  return (
    typeof (error as { getStatus?: unknown }).getStatus === 'function' &&
    (error as { getStatus(): number }).getStatus() === 409
  );
}
