import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { bootstrapWorld } from '@world/bootstrap';
import { CatalogService } from '@modules/catalog';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { EVENT_BUS, EventBus } from '@modules/events';
import { ModelRegistryService, POLICY_GATES, PromotionGate, undecidedGatesSentence } from '@modules/governance';
import { IngestionService } from '@modules/ingestion';
import { UserHistoryRepository } from '@modules/interactions';
import { ModelLoaderService } from '@modules/serving';
import { ModelReleaseService } from '@modules/releases';
import { BootstrapRecordFile, BootstrapWorld } from './bootstrap-record';

const BOOTSTRAP_ACTOR = 'service:bootstrap';
const DAY_MS = 86_400_000;
const JUSTIFICATION =
  'Start-up bootstrap of an empty embedded store: first model of the platform, no champion to compare with, ' +
  'trained on a simulated world; the better of ALS and popularity on the holdout goes live; ' +
  'gates without an evaluator are recorded as missing.';

/**
 * `npm start` on a fresh machine: when the embedded store has no production
 * model, drive the simulated world into the stream (the service ingests it
 * like any traffic), then release a popularity model (cold start) and an ALS
 * model through the normal pipeline: snapshot → train → evaluate → register
 * → gates → policy. With no champion and some gates not yet evaluated, the
 * policy denies; the bootstrap then promotes by an audited admin override
 * with a written justification, so the audit trail says exactly why the
 * first model went live. Runs in the background: /healthz answers at once,
 * /readyz once the model is loaded. A restart finds the model and does nothing.
 *
 * Killed part-way (BootstrapRecordFile says where it got to), the next start
 * resumes: an interrupted world stream is replayed from the start (the world
 * is deterministic and ingestion merges idempotently, so the stored counts end
 * exactly as in an uninterrupted run), and training runs the dead process left
 * 'running' are failed and audited. A store with a catalog but no record
 * (imported data, an older version) is trained on as it is, with a warning.
 */
@Injectable()
export class DemoBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoBootstrapService.name);
  private running: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly histories: UserHistoryRepository,
    private readonly catalog: CatalogService,
    private readonly ingestion: IngestionService,
    private readonly registry: ModelRegistryService,
    private readonly releases: ModelReleaseService,
    private readonly gate: PromotionGate,
    private readonly loader: ModelLoaderService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.bootstrap.enabled) return;
    // Start after the current start-up turn, so the server listens first.
    this.running = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => this.run())
      .catch((error: unknown) => this.logger.error(`bootstrap failed: ${(error as Error).stack ?? String(error)}`));
  }

  /** For tests: resolves when the background bootstrap has finished. */
  whenDone(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    const slot = this.config.serving.slot;
    const records = new BootstrapRecordFile(this.config.dataDir);
    const record = await records.read();
    const production = (await this.registry.serving(slot)).production;
    if (production) {
      // Killed between the promotion and the record: the model is there, the record catches up.
      if (record && record.phase !== 'complete') {
        await records.write({ ...record, phase: 'complete', modelId: production.id });
      }
      return;
    }
    const started = Date.now();
    const { users, movies, days, seed } = this.config.bootstrap;
    const seedWorld: BootstrapWorld = { users, movies, days, seed, end: Math.floor(Date.now() / DAY_MS) * DAY_MS };

    let world = record?.world ?? seedWorld;
    let attempts = record?.attempts ?? 0;
    if (record?.phase === 'streaming') {
      this.logger.warn(
        `bootstrap: the previous start stopped while streaming the world (${records.file}, attempt ${record.attempts}); ` +
          'replaying it from the start — ingestion merges idempotently, nothing is counted twice',
      );
      await this.streamWorld(records, world, ++attempts);
    } else if (!record) {
      if ((await this.catalog.counts()).movies === 0) {
        world = seedWorld;
        await this.streamWorld(records, world, ++attempts);
      } else {
        this.logger.warn(
          `bootstrap: the store holds a catalog but no bootstrap record (${records.file}): imported data or an ` +
            'older version; training on it as it is — its completeness is not checked',
        );
      }
    }
    await this.waitForIngestion();
    this.logger.log(`bootstrap: stream ingested after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (record?.phase !== 'ingested') await records.write({ phase: 'ingested', world, attempts });
    // Runs the killed process left 'running' would block the slot; the embedded store belongs to this process alone.
    await this.releases.failAbandonedRuns({ everyRunning: this.config.database.kind === 'pglite' });

    const common = {
      seed,
      slot,
      actor: BOOTSTRAP_ACTOR,
      role: 'admin',
      promoteTo: null,
      trigger: 'bootstrap',
    } as const;
    const popularity = await this.releases.release({ ...common, modelType: 'popularity' });
    const als = await this.releases.release({
      ...common,
      modelType: 'als',
      snapshotId: popularity.snapshot.id,
      tune: this.config.bootstrap.tune,
    });
    // The first production model is whichever ranks the holdout better: on a
    // tiny world popularity can beat a factor model, and then it should serve.
    const ndcg = (m: typeof als.model) => Number(m.metrics['ndcg@20'] ?? 0);
    const best = ndcg(als.model) > ndcg(popularity.model) ? als.model : popularity.model;
    // The override names every gate that could not decide (the policy refuses one that does not), so the
    // audit trail says which evidence was missing when the first model went live.
    const { gates } = await this.registry.get(best.id);
    const justification = [JUSTIFICATION, undecidedGatesSentence(gates, POLICY_GATES)].filter(Boolean).join(' ');
    let state: string = best.state;
    for (const to of ['canary', 'production'] as const) {
      const outcome = await this.gate.requestTransition({
        modelId: best.id,
        to,
        actor: BOOTSTRAP_ACTOR,
        role: 'admin',
        override: true,
        justification,
      });
      state = outcome.model.state;
      if (!outcome.decision.allowed)
        throw new Error(`bootstrap promotion to ${to} refused: ${outcome.decision.reasons.join('; ')}`);
    }
    await records.write({ phase: 'complete', world, attempts, modelId: best.id });
    await this.loader.refresh();
    const sample = (await this.histories.lowestWatchingUserId()) ?? 1;
    const base = `http://127.0.0.1:${this.config.http.port}`;
    this.logger.log(
      `bootstrap: ${best.id} is ${state} after ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(holdout NDCG@20: als ${ndcg(als.model).toFixed(3)}, popularity ${ndcg(popularity.model).toFixed(3)}). ` +
        `Try ${base}/recommend/${sample}`,
    );
  }

  /** Publishes the whole world; recorded as 'streaming' first, so a kill part-way is replayed at the next start. */
  private async streamWorld(records: BootstrapRecordFile, world: BootstrapWorld, attempts: number): Promise<void> {
    await records.write({ phase: 'streaming', world, attempts });
    const { users, movies, days, seed, end } = world;
    this.logger.log(`bootstrap: simulating ${users} users × ${movies} movies × ${days} days (seed ${seed})`);
    const { stats } = await bootstrapWorld(
      { users, movies, days, seed, end, ratingScaleMax: this.config.ratingScaleMax },
      { catalogService: this.catalog, bus: yieldingBus(this.bus), topic: this.config.topics.movielog },
    );
    this.logger.log(`bootstrap: published ${JSON.stringify(stats)}`);
  }

  private async waitForIngestion(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lag = await this.ingestion.lag();
      if (lag.reduce((sum, p) => sum + p.lag, 0) === 0) return;
      if (Date.now() > deadline) throw new Error('ingestion did not catch up with the bootstrap stream');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * The simulation is CPU-bound and the in-process bus accepts a batch without
 * waiting for I/O, so without a pause per batch it would hold the event loop:
 * /healthz would stop answering and ingestion could not run alongside.
 */
function yieldingBus(bus: EventBus): EventBus {
  return Object.assign(Object.create(bus) as EventBus, {
    publish: async (...args: Parameters<EventBus['publish']>) => {
      await bus.publish(...args);
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
}
