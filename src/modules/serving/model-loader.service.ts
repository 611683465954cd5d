import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { ModelRegistryService, ModelVersion } from '@modules/governance';
import { ReadinessRegistry } from '@modules/health';
import { ArtifactIntegrityError, readManifest, RankingThread, loadScorer } from '@lib/artifacts';
import { LiveModel, LiveModels } from './live-models';
import { ServingMetrics } from './serving.metrics';

/**
 * Keeps the in-memory models in step with the registry: the slot's
 * production model, its canaries and the newest popularity model (cold
 * start). Loading happens here, off the request path; installing is one
 * reference swap (LiveModels). A model that fails to load is logged and
 * skipped: serving keeps what it has.
 */
@Injectable()
export class ModelLoaderService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(ModelLoaderService.name);
  private timer?: NodeJS.Timeout;
  private refreshing: Promise<void> | null = null;
  /** The one sync queued behind the running one (callers that came while it ran share it). */
  private followUp: Promise<void> | null = null;
  private coldStartModel: LiveModel | null = null;
  /** Registry versions other modules need in memory besides production and canaries (experiment arms). */
  private extraVersions: () => readonly string[] = () => [];
  /** One thread ranks for every model this process serves (SERVING_RANKING_THREAD). */
  private readonly rankingThread: RankingThread | null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ModelRegistryService,
    private readonly live: LiveModels,
    private readonly metrics: ServingMetrics,
    private readonly readiness: ReadinessRegistry,
  ) {
    const thread = config.serving.enabled && config.serving.rankingThread ? new RankingThread() : null;
    this.rankingThread = thread;
    if (thread) metrics.observeRankingThread(() => thread);
  }

  onApplicationBootstrap(): void {
    if (!this.config.serving.enabled) return;
    this.readiness.register({ name: 'model', check: () => this.live.production !== null });
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.serving.modelPollMs);
    this.timer.unref();
    // Fixed-artifact mode: operators point SERVING_MODEL_DIR (e.g. a symlink) elsewhere and send SIGHUP.
    if (this.config.serving.modelDir) process.on('SIGHUP', this.reloadFixedArtifact);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    process.off('SIGHUP', this.reloadFixedArtifact);
  }

  /** Runs after the HTTP server has closed (unlike beforeApplicationShutdown), so no request loses its ranking. */
  async onApplicationShutdown(): Promise<void> {
    await this.rankingThread?.close();
  }

  private readonly reloadFixedArtifact = (): void => {
    const dir = this.config.serving.modelDir;
    if (!dir) return;
    this.installFromDirectory(dir).catch((error: unknown) =>
      this.logger.error(`reload of ${dir} failed, keeping the current model: ${(error as Error).message}`),
    );
  };

  /** The popularity model used for users the production model cannot place. */
  get coldStart(): LiveModel | null {
    return this.coldStartModel;
  }

  /**
   * Hook for experiments: keep these registry versions loaded too (an A/B arm
   * may name a model that is neither production nor canary). Read at every refresh.
   */
  keepLoaded(versions: () => readonly string[]): void {
    this.extraVersions = versions;
  }

  /**
   * Loads and installs now (also used after a promotion, so the switch need not wait for the poll).
   * Resolves after a sync that read the registry after this call: a sync already running may have
   * read it before the caller's change (a promotion), so joining it alone could miss that change.
   */
  refresh(): Promise<void> {
    // Processes that do not serve (the ingest worker, the retraining job) never load a model, even when
    // experiments ask for their arms to be loaded.
    if (!this.config.serving.enabled) return Promise.resolve();
    if (!this.refreshing) return this.startSync();
    this.followUp ??= this.refreshing.then(() => {
      this.followUp = null;
      return this.refreshing ?? this.startSync();
    });
    return this.followUp;
  }

  private startSync(): Promise<void> {
    this.refreshing = this.sync()
      .catch((error: unknown) => this.logger.error(`model refresh failed: ${(error as Error).message}`))
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** Loads an artifact directory and makes it the production model (fixed-artifact mode, benchmarks, tests). */
  async installFromDirectory(dir: string): Promise<LiveModel> {
    const manifest = await readManifest(dir);
    const versionId = `${manifest.modelType}-${manifest.files['model.bin'].slice(0, 12)}`;
    const model = await this.load(versionId, dir, manifest.snapshotId);
    this.installProduction(model);
    return model;
  }

  private async sync(): Promise<void> {
    if (this.config.serving.modelDir) {
      if (!this.live.production) await this.installFromDirectory(this.config.serving.modelDir);
      this.metrics.modelAgeSeconds.set(this.ageSeconds());
      return;
    }
    const slot = this.config.serving.slot;
    const { production, canaries } = await this.registry.serving(slot);
    if (production && production.id !== this.live.production?.versionId) {
      const model = await this.loadVersion(production);
      if (model) this.installProduction(model);
    }
    const others: LiveModel[] = [];
    for (const canary of canaries) {
      const model = this.live.byVersion(canary.id) ?? (await this.loadVersion(canary));
      if (model) others.push(model);
    }
    for (const id of new Set(this.extraVersions())) {
      if (id === this.live.production?.versionId || others.some((m) => m.versionId === id)) continue;
      const version = this.live.byVersion(id) ? null : await this.registry.find(id);
      const model = this.live.byVersion(id) ?? (version ? await this.loadVersion(version) : null);
      if (model) others.push(model);
    }
    this.live.installOthers(others);
    await this.syncColdStart(slot);
    this.publishLoadedGauge();
    this.metrics.modelAgeSeconds.set(this.ageSeconds());
  }

  private async syncColdStart(slot: string): Promise<void> {
    const candidates = (await this.registry.list({ slot }))
      .filter((m) => m.modelType === 'popularity' && m.state !== 'rejected' && m.state !== 'retired')
      .sort((a, b) => b.registeredAt.getTime() - a.registeredAt.getTime());
    // The newest popularity model that loads: one that cannot (a tampered artifact) must not leave
    // cold-start users without the one before it.
    for (const version of candidates) {
      if (version.id === this.coldStartModel?.versionId) return;
      if (version.id === this.live.production?.versionId) {
        this.coldStartModel = this.live.production;
        return;
      }
      const model = await this.loadVersion(version);
      if (model) {
        this.coldStartModel = model;
        return;
      }
    }
  }

  private async loadVersion(version: ModelVersion): Promise<LiveModel | null> {
    if (this.live.loadFailure(version.id) !== undefined) return null;
    try {
      // The registry pins the manifest's hash; the manifest pins the binary's.
      const manifestHash = createHash('sha256')
        .update(await fs.readFile(path.join(version.artifactDir, 'manifest.json')))
        .digest('hex');
      if (manifestHash !== version.artifactSha256) {
        throw new ArtifactChecksumError(
          `manifest sha256 ${manifestHash.slice(0, 12)}… differs from the registry's ${version.artifactSha256.slice(0, 12)}…`,
        );
      }
      return await this.load(version.id, version.artifactDir, version.snapshotId);
    } catch (error) {
      // A checksum that differs from the registry's (or from the manifest's own hashes) is tampering, the same on
      // every pod; anything else (ENOENT, EACCES) may be this pod's volume only.
      const tampered = error instanceof ArtifactChecksumError || error instanceof ArtifactIntegrityError;
      this.live.recordLoadFailure(version.id, (error as Error).message, tampered ? 'tampered' : 'unavailable');
      this.logger.error(`cannot load model ${version.id} from ${version.artifactDir}: ${(error as Error).message}`);
      return null;
    }
  }

  private async load(versionId: string, dir: string, snapshotId: string): Promise<LiveModel> {
    const started = Date.now();
    const scorer = await loadScorer(dir, { rankingThread: this.rankingThread });
    this.logger.log(`loaded model ${versionId} (${scorer.modelType}) in ${Date.now() - started} ms`);
    return { versionId, modelType: scorer.modelType, snapshotId, scorer, loadedAt: new Date() };
  }

  private installProduction(model: LiveModel): void {
    const previous = this.live.production;
    this.live.installProduction(model);
    this.metrics.modelSwaps.inc();
    this.publishLoadedGauge();
    this.logger.log(`serving ${model.versionId} (was ${previous?.versionId ?? 'nothing'})`);
  }

  private publishLoadedGauge(): void {
    this.metrics.modelLoaded.reset();
    const production = this.live.production;
    if (production)
      this.metrics.modelLoaded.set(
        { model_version: production.versionId, model_type: production.modelType, role: 'production' },
        1,
      );
    for (const versionId of this.live.loadedVersions()) {
      const model = this.live.byVersion(versionId);
      if (model && model !== production)
        this.metrics.modelLoaded.set({ model_version: versionId, model_type: model.modelType, role: 'canary' }, 1);
    }
  }

  private ageSeconds(): number {
    const production = this.live.production;
    return production ? (Date.now() - production.loadedAt.getTime()) / 1000 : 0;
  }
}

/** The artifact's manifest does not hash to the checksum the registry pinned at registration. */
class ArtifactChecksumError extends Error {}
