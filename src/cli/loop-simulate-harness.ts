/**
 * The retraining loop end to end, in compressed time, on the real service:
 * the Nest app (embedded PGlite + in-process bus by default; DATABASE_URL /
 * KAFKA_BROKERS are honoured) serves `GET /recommend` over loopback HTTP to
 * the behaviour simulator, whose users watch and rate according to the closed
 * loop; every line goes through the stream and ingestion. The service's own
 * stream-clock schedule (`RETRAIN_CRON="stream: …"`) starts the retraining
 * runs, the release pipeline gates them and starts canaries, and the canary
 * controller ramps and promotes (or rolls back) on online telemetry. This
 * driver only plays the world and watches: it never calls the release
 * pipeline after the first model (cycle 0, what `npm start`'s bootstrap does).
 *
 * Simulated time stands still while the service is busy: at every checkpoint
 * (`checkpointMinutes` of simulated time) the world waits until the stream is
 * ingested and no scheduled run is in progress, so a retraining run takes no
 * simulated time whatever the machine's speed.
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../app.factory';
import { createRootLogger } from '@common';
import { createMarqueeClient, type MarqueeClient } from '@marquee/client';
import { CatalogService } from '@modules/catalog';
import { AppConfig, loadConfig } from '@modules/config';
import { EVENT_BUS, EventBus } from '@modules/events';
import { Experiment, ExperimentsRepository, ExperimentsService, OnlineTelemetryService } from '@modules/experiments';
import {
  AuditService,
  ModelRegistryService,
  POLICY_GATES,
  PromotionGate,
  undecidedGatesSentence,
} from '@modules/governance';
import { IngestionService } from '@modules/ingestion';
import { ActivityWindowRepository } from '@modules/interactions';
import { ModelReleaseService, RetrainingService } from '@modules/releases';
import { ModelLoaderService } from '@modules/serving';
import { StorageService } from '@modules/storage';
import { profiles } from '@world/bootstrap';
import { HttpRecommender, RecommendationResponse, Recommender } from '@world/output/http-recommender';
import { EventBusLineSink, LineSink } from '@world/output/line-sink';
import { emptySimulationStats, Simulation, SimulationStats } from '@world/simulator/engine';
import { createWorld } from '@world/world';

const MINUTE = 60_000;
const DAY = 86_400_000;
const ADMIN_KEY = 'loop-admin-key-0123456789abcdef';
const BOOTSTRAP_ACTOR = 'service:bootstrap';
const BOOTSTRAP_JUSTIFICATION =
  'Retraining-loop simulation, cycle 0: first model of an empty platform (as npm start bootstraps it), no champion ' +
  'to compare with; the better of ALS and popularity on the holdout goes live.';

export interface LoopOptions {
  readonly users: number;
  readonly movies: number;
  readonly seed: number;
  /** Days of history before the loop (no recommendations yet; trains the first model). */
  readonly warmupDays: number;
  /** Days of closed-loop simulation with the retraining schedule on. */
  readonly days: number;
  /** Mean sessions per user per day. */
  readonly activity: number;
  /** Taste drift per 30 days (the world's default 0.2). */
  readonly drift?: number;
  /** The service's schedule, on the stream clock (default every 6 simulated hours). */
  readonly retrainCron?: string;
  readonly modelType?: string;
  /**
   * Steps and guardrails of the automatic canaries (PUT /admin/retraining/canary-plan, audited);
   * default the canary controller's own (5% → 25% → 50% → 100%, 200 users per step: a world of ≥ 6000 active users).
   */
  readonly canaryPlan?: { readonly steps?: readonly number[]; readonly guardrails?: Record<string, number> };
  /** Simulated minutes between checkpoints (the world waits for the service there). */
  readonly checkpointMinutes?: number;
  /** End of the simulated period (epoch ms); default the last midnight UTC (ingestion refuses future lines). */
  readonly end?: number;
  /** Where the embedded store lives; default a new temporary directory. */
  readonly dataDir?: string;
  /** Extra environment for the service (DATABASE_URL, KAFKA_BROKERS, LOG_LEVEL, …). */
  readonly env?: Record<string, string | undefined>;
  readonly signal?: AbortSignal;
  onProgress?(message: string): void;
}

export interface TimelinePoint {
  readonly simTime: string;
  readonly wallSeconds: number;
  readonly production: string | null;
  readonly canary: { readonly id: string; readonly candidate: string; readonly share: number } | null;
  /** Responses and conversions measured by the service since the previous point (all arms). */
  readonly responses: number;
  readonly conversions: number;
  readonly conversion: number | null;
  readonly perVersion: Record<string, { readonly responses: number; readonly conversions: number }>;
}

export interface AuditLine {
  readonly seq: string;
  readonly at: string;
  readonly actor: string;
  readonly kind: string;
  readonly subject: string;
  readonly summary: string;
}

export interface LoopCycle {
  readonly runId: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly snapshotId: string | null;
  /** Snapshot cutoff (simulated time the schedule fired at). */
  readonly cutoff: string | null;
  readonly interactions: number | null;
  readonly model: string | null;
  readonly metrics: Record<string, number>;
  readonly championAtStart: string | null;
  readonly championMetrics: Record<string, number>;
  readonly gates: Record<string, { readonly passed: boolean; readonly reasons: readonly string[] }>;
  readonly canaryDecision: {
    readonly allowed: boolean;
    readonly reasons: readonly string[];
    readonly policyVersion: string;
  } | null;
  readonly canary: {
    readonly id: string;
    readonly status: string;
    readonly steps: readonly { readonly share: number; readonly simTime: string | null }[];
    readonly telemetry: Record<string, unknown> | null;
    readonly reasons: readonly string[];
  } | null;
  readonly promotedAt: string | null;
  /** retrain → gates → canary → promote all happened. */
  readonly complete: boolean;
  readonly audit: readonly AuditLine[];
}

export interface LoopResult {
  readonly options: Omit<LoopOptions, 'signal' | 'onProgress' | 'env' | 'end' | 'dataDir'> & {
    readonly retrainCron: string;
    readonly modelType: string;
    readonly checkpointMinutes: number;
    readonly canaryPlan: LoopOptions['canaryPlan'] | 'defaults';
    readonly simStart: string;
    readonly loopStart: string;
    readonly simEnd: string;
    readonly store: string;
    readonly bus: string;
    readonly fairnessGateDimensions: readonly string[];
  };
  readonly interrupted: boolean;
  readonly wallSeconds: number;
  readonly simulation: SimulationStats;
  readonly bootstrapModel: { readonly id: string; readonly metrics: Record<string, number> };
  readonly cycles: readonly LoopCycle[];
  /** marquee_retraining_runs_total of the looping service, by outcome (skipped_canary_running: the schedule fired while a canary was being decided). */
  readonly retrainingRuns: Record<string, number>;
  readonly completeCycles: number;
  readonly promoted: readonly string[];
  readonly finalProduction: string | null;
  readonly timeline: readonly TimelinePoint[];
  readonly audit: {
    readonly ok: boolean;
    readonly checked: number;
    readonly head: string | null;
    readonly detail?: string;
  };
  readonly auditRecords: number;
}

class Interrupted extends Error {}

/** Switches between "no service yet" (warm-up) and the service over HTTP. */
class LoopRecommender implements Recommender {
  http: HttpRecommender | null = null;
  get address(): string {
    return this.http?.address ?? '127.0.0.1:0';
  }
  recommend(userId: number): Promise<RecommendationResponse | null> {
    return this.http ? this.http.recommend(userId) : Promise.resolve(null);
  }
}

/** Publishes to the current app's stream and stops the world at each checkpoint. */
class CheckpointSink implements LineSink {
  bus: EventBus | null = null;
  private next: number;
  constructor(
    private readonly topic: string,
    first: number,
    private readonly every: number,
    private readonly checkpoint: (t: number) => Promise<void>,
  ) {
    this.next = first;
  }

  async write(lines: readonly string[], times?: readonly number[]): Promise<void> {
    let from = 0;
    if (times) {
      for (let i = 0; i < lines.length; i++) {
        if (times[i] < this.next) continue;
        await this.publish(lines.slice(from, i));
        from = i;
        while (times[i] >= this.next) {
          await this.checkpoint(this.next);
          this.next += this.every;
        }
      }
    }
    await this.publish(lines.slice(from));
  }

  async close(): Promise<void> {}

  private async publish(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await new EventBusLineSink(this.bus!, this.topic).write(lines);
    // The in-process bus accepts a batch without I/O: let ingestion and HTTP run.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function runRetrainingLoop(options: LoopOptions): Promise<LoopResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => undefined);
  const retrainCron = options.retrainCron ?? 'stream: 0 */6 * * *';
  const modelType = options.modelType ?? 'als';
  const checkpointMinutes = options.checkpointMinutes ?? 30;
  const end = options.end ?? Math.floor(Date.now() / DAY) * DAY;
  const loopStart = end - options.days * DAY;
  const start = loopStart - options.warmupDays * DAY;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'marquee-loop-'));
  const baseEnv = {
    LOG_LEVEL: 'warn',
    ...options.env,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    NODE_ENV: 'development',
    BOOTSTRAP_WORLD: 'false',
    // The simulated platform writes the request lines (with its clock); the service's copies would duplicate them.
    SERVING_LOG_RESPONSES: 'false',
    RATE_LIMIT_ENABLED: 'false',
    SERVING_MODEL_POLL_MS: '300',
    EXPERIMENT_FLUSH_MS: '1000',
    CANARY_TICK_MS: '1000',
    RETRAIN_MODEL_TYPE: modelType,
    RETRAIN_SEED: String(options.seed),
    ADMIN_API_KEYS: `loop:admin:${ADMIN_KEY}`,
  };
  const world = createWorld({
    seed: options.seed,
    users: options.users,
    movies: options.movies,
    start,
    activity: options.activity,
    drift: options.drift,
  });
  const timeline: TimelinePoint[] = [];
  const lastCounters = new Map<string, { responses: number; conversions: number }>();
  let app: NestFastifyApplication | null = null;
  let config: AppConfig;
  let url = '';
  let interrupted = false;

  const boot = async (env: Record<string, string | undefined>) => {
    config = loadConfig(env);
    const created = await createApp(config, createRootLogger(config.logLevel));
    await created.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(created.getHttpAdapter().getInstance().server.address() as AddressInfo).port}`;
    return created;
  };
  const recommender = new LoopRecommender();
  const waitIngested = async () => {
    for (;;) {
      const lag = await app!.get(IngestionService).lag();
      if (lag.reduce((sum, p) => sum + p.lag, 0) === 0) return;
      await sleep(50);
    }
  };
  /** Waits until the schedule has read the stream clock as ingested and no scheduled run is in progress. */
  const waitScheduleIdle = async () => {
    const activity = app!.get(ActivityWindowRepository);
    const retraining = app!.get(RetrainingService);
    for (;;) {
      const latest = await activity.latestWatchAt();
      const s = retraining.schedule();
      const seen = latest ? latest.getTime() : null;
      if (!s.running && (seen === null || (s.streamTime !== null && Date.parse(s.streamTime) >= seen))) return;
      await sleep(100);
    }
  };

  const sample = async (t: number) => {
    const registry = app!.get(ModelRegistryService);
    const production = (await registry.serving(config.serving.slot)).production?.id ?? null;
    const running = app!.get(ExperimentsService).runningExperiments.find((e) => e.kind === 'canary');
    const counters = await onlineCounters(url);
    const perVersion: Record<string, { responses: number; conversions: number }> = {};
    let responses = 0;
    let conversions = 0;
    for (const [version, now] of counters) {
      const before = lastCounters.get(version) ?? { responses: 0, conversions: 0 };
      const d = { responses: now.responses - before.responses, conversions: now.conversions - before.conversions };
      lastCounters.set(version, now);
      if (d.responses === 0 && d.conversions === 0) continue;
      perVersion[version] = d;
      responses += d.responses;
      conversions += d.conversions;
    }
    const point: TimelinePoint = {
      simTime: new Date(t).toISOString(),
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
      production,
      canary: running
        ? { id: running.id, candidate: running.arms[1].modelVersion, share: running.canaryShare ?? 0 }
        : null,
      responses,
      conversions,
      conversion: responses > 0 ? conversions / responses : null,
      perVersion,
    };
    const previous = timeline.at(-1);
    timeline.push(point);
    if (
      !previous ||
      previous.production !== point.production ||
      previous.canary?.share !== point.canary?.share ||
      (t - loopStart) % (6 * 3_600_000) === 0
    ) {
      progress(
        `${point.simTime.slice(0, 16)} production ${production ?? '-'}` +
          (point.canary ? `, canary ${point.canary.candidate} at ${Math.round(point.canary.share * 100)}%` : '') +
          (point.conversion === null ? '' : `, conversion ${(point.conversion * 100).toFixed(1)}%`) +
          ` (${point.wallSeconds.toFixed(0)} s)`,
      );
    }
  };

  let bootstrapModel: LoopResult['bootstrapModel'] | null = null;
  const checkpoint = async (t: number) => {
    if (options.signal?.aborted) throw new Interrupted('interrupted');
    await waitIngested();
    if (t === loopStart) {
      bootstrapModel = await releaseFirstModel(app!, options.seed, modelType);
      progress(
        `cycle 0 (bootstrap): ${bootstrapModel.id} in production; restarting with RETRAIN_CRON="${retrainCron}"`,
      );
      await app!.close();
      app = await boot({ ...baseEnv, RETRAIN_CRON: retrainCron });
      sink.bus = app.get<EventBus>(EVENT_BUS);
      recommender.http?.close();
      recommender.http = new HttpRecommender(url, 2_000);
      await waitForLoaded(app);
      if (options.canaryPlan) {
        const { steps, guardrails } = options.canaryPlan;
        const { response, error } = await service(url).PUT('/admin/retraining/canary-plan', {
          headers: { 'x-api-key': ADMIN_KEY },
          body: { steps: steps && [...steps], guardrails },
        });
        if (response.status !== 200)
          throw new Error(`canary plan refused: ${response.status} ${JSON.stringify(error)}`);
        progress(`canary plan for automatic canaries: ${JSON.stringify(options.canaryPlan)}`);
      }
      await sample(t);
      return;
    }
    if (t < loopStart) return;
    await waitScheduleIdle();
    await sample(t);
  };

  const sink = new CheckpointSink(
    loadConfig(baseEnv).topics.movielog,
    start + checkpointMinutes * MINUTE,
    checkpointMinutes * MINUTE,
    checkpoint,
  );
  let stats: SimulationStats | null = null;
  let result: LoopResult;
  try {
    app = await boot(baseEnv);
    if (config!.database.kind === 'postgres') {
      const [{ n }] = await app.get(StorageService).sql.query<{ n: string }>('SELECT count(*) AS n FROM model_version');
      if (Number(n) > 0) throw new Error('the loop simulation needs an empty database (DATABASE_URL has models)');
    }
    sink.bus = app.get<EventBus>(EVENT_BUS);
    const catalog = app.get(CatalogService);
    await catalog.importMovies(world.catalog.movies);
    await catalog.importUsers(profiles(world));
    progress(
      `world: ${options.users} users × ${options.movies} movies, ${options.warmupDays} warm-up day(s) from ` +
        `${new Date(start).toISOString().slice(0, 10)}, then ${options.days} closed-loop day(s) (seed ${options.seed})`,
    );
    try {
      stats = await new Simulation(world, sink, {
        durationMs: end - start,
        recommender,
        batchLines: 500,
        onProgress: () => {
          if (options.signal?.aborted) interrupted = true;
        },
      }).run();
      await checkpoint(end);
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      interrupted = true;
      progress('interrupted: collecting what happened so far');
    }
    recommender.http?.close();
    await waitIngested();
    await app.get(OnlineTelemetryService).finaliseAll();
    // Let a scheduled run already started finish (the shutdown would otherwise abort it).
    if (!interrupted) await waitScheduleIdle();
    const runsByOutcome: Record<string, number> = {};
    const metricsText = await metrics(url);
    for (const m of metricsText.matchAll(/^marquee_retraining_runs_total\{outcome="([^"]+)"\} ([0-9.e+]+)$/gm))
      runsByOutcome[m[1]] = Number(m[2]);
    result = await collect(app, {
      retrainingRuns: runsByOutcome,
      started,
      interrupted,
      stats: stats ?? emptySimulationStats(),
      bootstrapModel: bootstrapModel ?? { id: '-', metrics: {} },
      timeline,
      slot: config!.serving.slot,
      options: {
        users: options.users,
        movies: options.movies,
        seed: options.seed,
        warmupDays: options.warmupDays,
        days: options.days,
        activity: options.activity,
        drift: world.options.drift,
        retrainCron,
        modelType,
        checkpointMinutes,
        canaryPlan: options.canaryPlan ?? 'defaults',
        simStart: new Date(start).toISOString(),
        loopStart: new Date(loopStart).toISOString(),
        simEnd: new Date(end).toISOString(),
        store: config!.database.kind,
        fairnessGateDimensions: [...config!.fairness.gateDimensions],
        bus: config!.events.kind,
      },
    });
  } finally {
    recommender.http?.close();
    await app?.close();
  }
  return result;
}

/** Cycle 0, as `npm start` bootstraps an empty platform: popularity and the configured model through the pipeline, the better one live by an audited override. */
async function releaseFirstModel(app: NestFastifyApplication, seed: number, modelType: string) {
  const releases = app.get(ModelReleaseService);
  const common = { seed, actor: BOOTSTRAP_ACTOR, role: 'admin', promoteTo: null, trigger: 'bootstrap' } as const;
  const popularity = await releases.release({ ...common, modelType: 'popularity' });
  const als = await releases.release({ ...common, modelType, snapshotId: popularity.snapshot.id });
  const ndcg = (m: typeof als.model) => Number(m.metrics['ndcg@20'] ?? 0);
  const best = ndcg(als.model) > ndcg(popularity.model) ? als.model : popularity.model;
  // As the bootstrap: the override names every gate that could not decide (the policy requires it).
  const { gates } = await app.get(ModelRegistryService).get(best.id);
  const justification = [BOOTSTRAP_JUSTIFICATION, undecidedGatesSentence(gates, POLICY_GATES)]
    .filter(Boolean)
    .join(' ');
  for (const to of ['canary', 'production'] as const) {
    const { decision } = await app.get(PromotionGate).requestTransition({
      modelId: best.id,
      to,
      actor: BOOTSTRAP_ACTOR,
      role: 'admin',
      override: true,
      justification,
    });
    if (!decision.allowed) throw new Error(`bootstrap promotion refused: ${decision.reasons.join('; ')}`);
  }
  await app.get(ModelLoaderService).refresh();
  return { id: best.id, metrics: numeric(best.metrics) };
}

async function waitForLoaded(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  for (let i = 0; i < 600; i++) {
    if ((await fastify.inject({ method: 'GET', url: '/readyz' })).statusCode === 200) return;
    await sleep(100);
  }
  throw new Error('the service did not become ready');
}

/** The service's typed client (packages/client); every request gives up after 30 s. */
function service(url: string): MarqueeClient {
  return createMarqueeClient(url, { timeoutMs: 30_000 });
}

/** GET /metrics: the Prometheus text. */
async function metrics(url: string): Promise<string> {
  const { data, response } = await service(url).GET('/metrics', { parseAs: 'text' });
  if (response.status !== 200 || typeof data !== 'string') throw new Error(`GET /metrics answered ${response.status}`);
  return data;
}

/** marquee_online_{recommendations,conversions}_total summed per model version. */
async function onlineCounters(url: string): Promise<Map<string, { responses: number; conversions: number }>> {
  const text = await metrics(url);
  const out = new Map<string, { responses: number; conversions: number }>();
  const re = /^marquee_online_(recommendations|conversions)_total\{([^}]*)\} ([0-9.e+]+)$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const version = /model_version="([^"]*)"/.exec(m[2])?.[1] ?? 'unknown';
    const entry = out.get(version) ?? { responses: 0, conversions: 0 };
    if (m[1] === 'recommendations') entry.responses += Number(m[3]);
    else entry.conversions += Number(m[3]);
    out.set(version, entry);
  }
  return out;
}

type RunRow = {
  id: string;
  trigger: string;
  status: string;
  started_at: Date | string;
  snapshot_id: string | null;
  model_id: string | null;
  error: string | null;
};

async function collect(
  app: NestFastifyApplication,
  input: {
    started: number;
    interrupted: boolean;
    stats: SimulationStats;
    bootstrapModel: LoopResult['bootstrapModel'];
    timeline: TimelinePoint[];
    options: LoopResult['options'];
    slot: string;
    retrainingRuns: Record<string, number>;
  },
): Promise<LoopResult> {
  const sql = app.get(StorageService).sql;
  const registry = app.get(ModelRegistryService);
  const runs = await sql.query<RunRow>(
    `SELECT id, trigger, status, started_at, snapshot_id, model_id, error FROM training_run ORDER BY started_at, id`,
  );
  const snapshots = new Map(
    (
      await sql.query<{ id: string; cutoff: Date | string; row_counts: Record<string, number> }>(
        'SELECT id, cutoff, row_counts FROM dataset_snapshot',
      )
    ).map((s) => [s.id, s]),
  );
  const records = await sql.query<{
    seq: string;
    at: Date | string;
    actor: string;
    kind: string;
    subject: string;
    payload: Record<string, unknown>;
  }>('SELECT seq::text AS seq, at, actor, kind, subject, payload FROM audit_record ORDER BY seq');
  const experiments: Experiment[] = await app.get(ExperimentsRepository).list({ kind: 'canary' });
  const verification = await app.get(AuditService).verify();

  const cycles: LoopCycle[] = [];
  const promoted: string[] = [];
  let champion = input.bootstrapModel;
  for (const run of runs.filter((r) => r.trigger !== 'bootstrap')) {
    const model = run.model_id ? await registry.get(run.model_id) : null;
    const snapshot = run.snapshot_id ? snapshots.get(run.snapshot_id) : undefined;
    const modelSubject = model ? `model:${model.id}` : null;
    const experiment = model ? experiments.find((e) => e.arms[1]?.modelVersion === model.id) : undefined;
    const experimentSubject = experiment ? `experiment:${experiment.id}` : null;
    const mine = records.filter(
      (r) =>
        r.subject === `training-run:${run.id}` ||
        (modelSubject !== null && r.subject === modelSubject) ||
        (experimentSubject !== null && r.subject === experimentSubject),
    );
    const canaryDecision = mine.find(
      (r) => r.kind === 'policy.decision' && (r.payload.transition as { to?: string })?.to === 'canary',
    );
    const decisions = mine.filter((r) => r.kind === 'experiment.decision');
    const steps = experiment
      ? (experiment.settings.canarySteps ?? []).map((share, i) => {
          const at =
            i === 0
              ? decisions.find((d) => d.payload.action === 'canary.start')
              : decisions.find((d) => d.payload.action === 'canary.advance' && d.payload.to === share);
          return { share, simTime: at ? simTimeAt(input.timeline, input.started, at.at) : null };
        })
      : [];
    const promotion = decisions.find((d) => d.payload.action === 'canary.promote');
    const rollback = decisions.find((d) => d.payload.action === 'canary.rollback');
    const complete = Boolean(canaryDecision?.payload.allowed && experiment && promotion && model?.state !== 'rejected');
    const cycle: LoopCycle = {
      runId: run.id,
      trigger: run.trigger,
      startedAt: new Date(run.started_at).toISOString(),
      snapshotId: run.snapshot_id,
      cutoff: snapshot ? new Date(snapshot.cutoff).toISOString() : null,
      interactions: snapshot ? Number(snapshot.row_counts.interactions ?? 0) : null,
      model: model?.id ?? null,
      metrics: numeric(model?.metrics ?? {}),
      championAtStart: champion.id,
      championMetrics: champion.metrics,
      gates: Object.fromEntries(
        Object.entries(model?.gates ?? {}).map(([g, r]) => {
          const result = r as { passed?: boolean; reasons?: unknown; reason?: unknown };
          const reasons = Array.isArray(result.reasons)
            ? result.reasons.map(String)
            : typeof result.reason === 'string'
              ? [result.reason]
              : [];
          return [g, { passed: Boolean(result.passed), reasons }];
        }),
      ),
      canaryDecision: canaryDecision
        ? {
            allowed: Boolean(canaryDecision.payload.allowed),
            reasons: (canaryDecision.payload.reasons as string[]) ?? [],
            policyVersion: String(canaryDecision.payload.policyVersion),
          }
        : null,
      canary: experiment
        ? {
            id: experiment.id,
            status: experiment.status,
            steps,
            telemetry: (promotion?.payload.telemetry as Record<string, unknown>) ?? null,
            reasons: (rollback?.payload.reasons as string[]) ?? [],
          }
        : null,
      promotedAt: promotion ? simTimeAt(input.timeline, input.started, promotion.at) : null,
      complete,
      audit: [
        ...mine.map((r) => ({
          seq: r.seq,
          at: new Date(r.at).toISOString(),
          actor: r.actor,
          kind: r.kind,
          subject: r.subject,
          summary: summarise(r.kind, r.payload),
        })),
      ],
    };
    if (run.status === 'failed')
      (cycle.audit as AuditLine[]).push({
        seq: '-',
        at: new Date(run.started_at).toISOString(),
        actor: 'service:retraining',
        kind: 'training_run.failed',
        subject: `training-run:${run.id}`,
        summary: run.error ?? 'failed',
      });
    cycles.push(cycle);
    if (complete && model) {
      promoted.push(model.id);
      champion = { id: model.id, metrics: numeric(model.metrics) };
    }
  }
  const production = (await registry.serving(input.slot)).production;
  return {
    options: input.options,
    interrupted: input.interrupted,
    wallSeconds: Math.round((Date.now() - input.started) / 100) / 10,
    simulation: input.stats,
    bootstrapModel: input.bootstrapModel,
    cycles,
    retrainingRuns: input.retrainingRuns,
    completeCycles: cycles.filter((c) => c.complete).length,
    promoted,
    finalProduction: production?.id ?? null,
    timeline: input.timeline,
    audit: verification.ok
      ? { ok: true, checked: verification.checked, head: verification.head ?? null }
      : {
          ok: false,
          checked: verification.checked,
          head: verification.head ?? null,
          detail: JSON.stringify(verification.firstBroken),
        },
    auditRecords: records.length,
  };
}

/** The simulated time of the first checkpoint at or after a wall-clock instant (checkpoint granularity). */
function simTimeAt(timeline: readonly TimelinePoint[], started: number, at: Date | string): string | null {
  const wall = (new Date(at).getTime() - started) / 1000;
  return timeline.find((p) => p.wallSeconds >= wall)?.simTime ?? timeline.at(-1)?.simTime ?? null;
}

function summarise(kind: string, p: Record<string, unknown>): string {
  const t = p.transition as { from?: string; to?: string } | undefined;
  switch (kind) {
    case 'policy.decision':
      return (
        `${t?.from} → ${t?.to}: ${p.allowed ? 'allowed' : 'denied'} by policy ${String(p.policyVersion)} (role ${String(p.role)})` +
        ((p.reasons as string[])?.length ? `: ${(p.reasons as string[]).join('; ')}` : '')
      );
    case 'model.transition':
      return `${String(p.from)} → ${String(p.to)}${p.cause ? ` (${String(p.cause)})` : ''}`;
    case 'model.registered':
      return `registered ${String(p.modelType)} trained on ${String(p.snapshotId)}`;
    case 'model.gate-recorded': {
      const gates = (p.gates ?? (p.gate ? { [String(p.gate)]: p.result } : {})) as Record<
        string,
        { passed?: boolean; reasons?: unknown; reason?: unknown; qualityGap?: unknown; dimension?: unknown }
      >;
      return Object.entries(gates)
        .map(([g, r]) => {
          const why =
            Array.isArray(r?.reasons) && r.reasons.length
              ? `: ${r.reasons.join('; ')}`
              : r?.reason
                ? `: ${String(r.reason)}`
                : typeof r?.qualityGap === 'number'
                  ? `: quality gap ${r.qualityGap.toFixed(3)} (${String(r.dimension)})`
                  : '';
          return `${g} gate ${r?.passed ? 'passed' : `FAILED${why}`}`;
        })
        .join(', ');
    }
    case 'training.run': {
      const m = (p.metrics ?? {}) as Record<string, number>;
      return `run ${String(p.runId)} on ${String(p.snapshotId)}: ndcg@20 ${fmt(m['ndcg@20'])}, coverage ${fmt(m.coverage)}`;
    }
    case 'training.failed':
      return `run failed: ${String(p.error)}`;
    case 'experiment.decision': {
      const action = String(p.action);
      if (action === 'create') return `canary created (steps ${JSON.stringify(p.steps)})`;
      if (action === 'canary.start') return `canary started at ${pct(p.share)}`;
      if (action === 'canary.advance') {
        const g = (p.guardrails ?? {}) as Record<string, number>;
        return (
          `advance ${pct(p.from)} → ${pct(p.to)} (conversions per response since the canary started: candidate ` +
          `${pct(g.candidateConversionRate)} vs control ${pct(g.controlConversionRate)}; users in the step: ` +
          `${g.candidateUsers} vs ${g.controlUsers})`
        );
      }
      if (action === 'canary.promote') {
        const tel = (p.telemetry ?? {}) as Record<string, number>;
        return (
          `promote: ${tel.requests} candidate responses, errors ${pct(tel.errorRate)}, p95 ${tel.latencyP95Ms} ms, ` +
          `conversions per response ${pct(tel.onlineMetric)} vs champion ${pct(tel.championOnlineMetric)}` +
          (p.telemetry && (p.telemetry as { comparedInStep?: { share: number } }).comparedInStep
            ? ` (both arms in the ${pct((p.telemetry as { comparedInStep: { share: number } }).comparedInStep.share, 0)} step)`
            : '')
        );
      }
      if (action === 'canary.rollback') return `rollback: ${((p.reasons as string[]) ?? []).join('; ')}`;
      return action;
    }
    default:
      return JSON.stringify(p).slice(0, 160);
  }
}

const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '-');
const pct = (v: unknown, digits = 1) => (typeof v === 'number' ? `${(v * 100).toFixed(digits)}%` : '-');

function numeric(metrics: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
