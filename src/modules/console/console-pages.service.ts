import { Injectable, NotFoundException } from '@nestjs/common';
import { CanaryService, ExperimentsRepository, ExperimentsService } from '@modules/experiments';
import {
  AccessControlService,
  AuditKind,
  AuditService,
  ComplianceReportService,
  LineageService,
  ModelRegistryService,
  PromotionGate,
  renderComplianceHtml,
  renderComplianceMarkdown,
} from '@modules/governance';
import { ReadinessRegistry } from '@modules/health';
import { IngestionService } from '@modules/ingestion';
import { MetricsRegistry } from '@modules/metrics';
import { LiveModels } from '@modules/serving';
import { ConsoleSession, sessionSubject, SIGN_OUT_KIND } from './console-session.service';
import { AuditListView } from './views/audit.view';
import { ExperimentListView, ExperimentAnalysis, MetricPoint } from './views/experiments.view';
import { HealthView, LatencySummary } from './views/health.view';
import { Capabilities, PageContext } from './views/layout';
import { ActionResult, ModelListView } from './views/models.view';

/** Rows per page of every listing (no page reads more than this plus one). */
export const PAGE_SIZE = 50;
/** Experiment metric buckets plotted (the latest ones): a day of minutes per arm at most. */
const MAX_SERIES_POINTS = 3000;
/** Kinds offered in the audit filter besides what governance writes. */
const EXTRA_AUDIT_KINDS = ['console.sign-in', 'console.sign-out', 'drift.blocked'];

export const ConsoleAuditKind = { SignIn: 'console.sign-in', SignOut: SIGN_OUT_KIND } as const;

/**
 * What each console page shows, read through the same exported services the
 * admin API's controllers call (registry, lineage, promotion gate, audit,
 * reports, experiments), so the console has no path of its own to the data.
 */
@Injectable()
export class ConsolePagesService {
  constructor(
    private readonly access: AccessControlService,
    private readonly registry: ModelRegistryService,
    private readonly lineage: LineageService,
    private readonly gate: PromotionGate,
    private readonly audit: AuditService,
    private readonly reports: ComplianceReportService,
    private readonly experiments: ExperimentsService,
    private readonly experimentsRepository: ExperimentsRepository,
    private readonly canaries: CanaryService,
    private readonly ingestion: IngestionService,
    private readonly live: LiveModels,
    private readonly readiness: ReadinessRegistry,
    private readonly metrics: MetricsRegistry,
  ) {}

  async context(session: ConsoleSession): Promise<PageContext> {
    const role = session.principal.role;
    const [promote, override, rollback, auditRead, reportsRead, experimentsRead] = await Promise.all([
      this.access.can(role, 'promotions', 'request'),
      this.access.can(role, 'promotions', 'override'),
      this.access.can(role, 'models', 'rollback'),
      this.access.can(role, 'audit', 'read'),
      this.access.can(role, 'reports', 'read'),
      this.access.can(role, 'experiments', 'read'),
    ]);
    const can: Capabilities = { promote, override, rollback, auditRead, reportsRead, experimentsRead };
    return { user: session.principal, csrf: session.csrf, can };
  }

  async models(filter: { slot?: string; state?: string }, page: number): Promise<ModelListView> {
    // The registry holds one row per registered model (a handful per retraining run), so it is read whole
    // and newest first, then cut into pages; the page shows PAGE_SIZE of them.
    const all = await this.registry.list(filter);
    const everything = filter.slot || filter.state ? await this.registry.list() : all;
    const slots = [...new Set(everything.map((m) => m.slot))].sort();
    const newestFirst = [...all].reverse();
    const start = (page - 1) * PAGE_SIZE;
    const serving = await Promise.all(
      (slots.length ? slots : ['default']).map(async (slot) => {
        const s = await this.registry.serving(slot);
        return { slot, production: s.production?.id ?? null, canaries: s.canaries.map((c) => c.id) };
      }),
    );
    return {
      models: newestFirst.slice(start, start + PAGE_SIZE),
      slots,
      filter,
      page,
      hasNext: newestFirst.length > start + PAGE_SIZE,
      serving,
    };
  }

  model(id: string) {
    return this.lineage.forModel(id);
  }

  /** The same call as POST /admin/models/:id/promotions, as the signed-in key and its role. */
  async promote(
    session: ConsoleSession,
    id: string,
    input: { to: 'canary' | 'production' | 'retired' | 'rejected'; justification?: string; override?: boolean },
  ): Promise<ActionResult> {
    const { decision } = await this.gate.requestTransition({
      modelId: id,
      to: input.to,
      actor: session.principal.name,
      role: session.principal.role,
      justification: input.justification,
      override: input.override,
    });
    return {
      kind: 'decision',
      allowed: decision.allowed,
      overridden: decision.overridden,
      reasons: decision.reasons,
      policyVersion: decision.policyVersion,
      from: decision.fromState,
      to: decision.toState,
    };
  }

  /** The same call as POST /admin/models/:slot/rollback. */
  async rollback(session: ConsoleSession, slot: string, reason?: string): Promise<ActionResult> {
    const outcome = await this.gate.rollback(slot, session.principal.name, reason);
    return { kind: 'rollback', rolledBack: outcome.rolledBack.id, restored: outcome.restored.id };
  }

  async experimentList(filter: { kind?: string; status?: string }, page: number): Promise<ExperimentListView> {
    // ExperimentsService.list returns at most 200, newest first.
    const all = await this.experiments.list(filter);
    const start = (page - 1) * PAGE_SIZE;
    return { experiments: all.slice(start, start + PAGE_SIZE), filter, page, hasNext: all.length > start + PAGE_SIZE };
  }

  async experiment(id: string) {
    const experiment = await this.experiments.get(id);
    let analysis: ExperimentAnalysis | null = null;
    if (experiment.arms.length >= 2) analysis = await this.experiments.analyse(id);
    const series: MetricPoint[] = await this.experimentsRepository.series(id);
    const truncated = series.length > MAX_SERIES_POINTS;
    // A running canary's guardrails now (as GET /admin/canaries/:id shows them); a finished one's as decided.
    const guardrails =
      experiment.kind !== 'canary'
        ? null
        : experiment.status === 'running'
          ? (this.canaries.report(experiment) as unknown as Record<string, unknown>)
          : ((experiment.conclusion?.report as Record<string, unknown> | undefined) ?? null);
    return {
      experiment,
      analysis,
      guardrails,
      points: truncated ? series.slice(-MAX_SERIES_POINTS) : series,
      truncated,
    };
  }

  async auditList(
    filter: { kind?: string; subject?: string; actor?: string; before?: string },
    verification: AuditListView['verification'],
  ): Promise<AuditListView> {
    const records = await this.audit.search({
      kind: filter.kind,
      subject: filter.subject,
      actor: filter.actor,
      beforeSeq: filter.before ? BigInt(filter.before) : undefined,
      limit: PAGE_SIZE + 1,
    });
    const kinds = [
      ...new Set([...Object.values(AuditKind), ...EXTRA_AUDIT_KINDS, ...(filter.kind ? [filter.kind] : [])]),
    ].sort();
    return { records: records.slice(0, PAGE_SIZE), filter, kinds, hasNext: records.length > PAGE_SIZE, verification };
  }

  verify(anchor?: { seq: string; hash: string }) {
    return this.audit.verify(anchor ? [anchor] : []);
  }

  async report(id: string, generatedBy: string, format: 'html' | 'md'): Promise<string> {
    const data = await this.reports.gather(id, generatedBy);
    return format === 'md' ? renderComplianceMarkdown(data) : renderComplianceHtml(data);
  }

  async health(): Promise<HealthView> {
    const production = this.live.production;
    const [ready, lag, deadLetters, serving] = await Promise.all([
      this.readiness.evaluate(),
      this.ingestion.lag(),
      this.ingestion.deadLettersByReason(),
      this.registry.serving('default'),
    ]);
    return {
      ready,
      lag,
      ingestionPaused: this.ingestion.isPaused(),
      deadLetters,
      serving: {
        versionId: production?.versionId ?? null,
        modelType: production?.modelType ?? null,
        loadedAt: production?.loadedAt ?? null,
        loaded: this.live.loadedVersions(),
      },
      production: serving.production,
      latency: await this.latency(),
    };
  }

  async signedIn(session: ConsoleSession, ip: string): Promise<void> {
    await this.audit.append({
      actor: session.principal.name,
      kind: ConsoleAuditKind.SignIn,
      subject: `apikey:${session.principal.name}`,
      payload: { role: session.principal.role, session: sessionSubject(session.id), ip, via: 'console' },
    });
  }

  async signInRefused(ip: string, requestId: string, reason: string): Promise<void> {
    await this.audit.append({
      actor: 'anonymous',
      kind: AuditKind.AccessDenied,
      subject: 'route:POST /console/sign-in',
      payload: { status: 401, reason, ip, requestId, via: 'console' },
    });
  }

  /** Recommendation latency since start, from serving's histogram (the one /metrics exposes). */
  private async latency(): Promise<LatencySummary> {
    const metric = this.metrics.registry.getSingleMetric('marquee_recommend_latency_seconds');
    if (!metric) return { count: 0, p50Ms: null, p95Ms: null, p99Ms: null };
    const { values } = await metric.get();
    const buckets = new Map<number, number>();
    for (const v of values as {
      value: number;
      labels: Record<string, string | number | undefined>;
      metricName?: string;
    }[]) {
      if (!v.metricName?.endsWith('_bucket')) continue;
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + v.value);
    }
    return summariseHistogram([...buckets.entries()].sort((a, b) => a[0] - b[0]));
  }

  /** Throws NotFound for an id that is not a number (seq filters arrive from the URL). */
  static seq(text: string | undefined): string | undefined {
    if (text === undefined || text === '') return undefined;
    if (!/^\d{1,18}$/.test(text)) throw new NotFoundException(`no audit record ${text}`);
    return text;
  }
}

/** p50/p95/p99 (ms) from cumulative histogram buckets (le in seconds), interpolated linearly within a bucket. */
export function summariseHistogram(cumulative: readonly (readonly [number, number])[]): LatencySummary {
  const count = cumulative.length ? cumulative[cumulative.length - 1][1] : 0;
  if (count === 0) return { count: 0, p50Ms: null, p95Ms: null, p99Ms: null };
  const q = (p: number): number => {
    const target = p * count;
    let prevLe = 0;
    let prevCount = 0;
    for (const [le, c] of cumulative) {
      if (c >= target) {
        if (!Number.isFinite(le)) return prevLe * 1000;
        const inBucket = c - prevCount;
        const frac = inBucket > 0 ? (target - prevCount) / inBucket : 1;
        return (prevLe + (le - prevLe) * frac) * 1000;
      }
      prevLe = Number.isFinite(le) ? le : prevLe;
      prevCount = c;
    }
    return prevLe * 1000;
  };
  return { count, p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99) };
}
