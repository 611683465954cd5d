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
  Optional,
} from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { AuditService, ModelRegistryService, ModelVersion } from '@modules/governance';
import { ReadinessRegistry } from '@modules/health';
import { ArtifactIntegrityError, readManifest, RankingThread, loadScorer } from '@lib/artifacts';
import { LiveModel, LiveModels } from './live-models';
import { ServingMetrics } from './serving.metrics';

/**
 * Keeps the in-memory models in step with the registry: the slot's
 * production model, its canaries and the newest popularity model (cold
 * start). Loading happens here, off the request path; installing is one
 * reference swap (LiveModels). A model that fails to load is logged,
 * counted (marquee_model_load_refused_total) and audited (model.load-refused),
 * and skipped: serving keeps what it has. A process that starts with nothing
 * in memory and a production model that does not load serves the last good
 * one instead — the most recently retired production model that loads —
 * rather than answering every request from the popularity fallback.
 *
 * SIGHUP reloads in every mode (and never ends the process): the fixed
 * artifact (SERVING_MODEL_DIR), or the registry's models, retrying those that
 * failed to load.
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
    @Optional() private readonly audit?: AuditService,
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
    // Registry mode: SIGHUP re-reads the registry and retries models that failed to load.
    process.on('SIGHUP', this.onSighup);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    process.off('SIGHUP', this.onSighup);
  }

  /** Runs after the HTTP server has closed (unlike beforeApplicationShutdown), so no request loses its ranking. */
  async onApplicationShutdown(): Promise<void> {
    await this.rankingThread?.close();
  }

  private readonly onSighup = (): void => {
    void this.reload('SIGHUP');
  };

  /** Reloads now: the fixed artifact, or the registry's models (forgetting earlier load failures). */
  async reload(reason: string): Promise<void> {
    const dir = this.config.serving.modelDir;
    if (dir) {
      this.logger.log(`${reason}: reloading the artifact in ${dir}`);
      this.refusals.clear();
      try {
        await this.installFromDirectory(dir);
      } catch (error) {
        this.logger.error(`reload of ${dir} failed, keeping the current model: ${(error as Error).message}`);
      }
      return;
    }
    this.logger.log(`${reason}: reloading models from the registry (slot ${this.config.serving.slot})`);
    this.live.clearLoadFailures();
    this.refusals.clear();
    await this.refresh();
  }

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

  /**
   * Loads an artifact directory and makes it the production model (fixed-artifact mode, benchmarks, tests).
   * The manifest must match a hash this process can trust (see trustedManifestHash): a manifest edited
   * and re-hashed after the binary was altered is self-consistent, so its own hashes prove nothing.
   */
  async installFromDirectory(dir: string): Promise<LiveModel> {
    try {
      const raw = await fs.readFile(path.join(dir, 'manifest.json'));
      const hash = createHash('sha256').update(raw).digest('hex');
      const realDir = await fs.realpath(dir);
      const trusted = await this.trustedManifestHash(realDir);
      if (trusted && trusted.hash !== hash) {
        throw new ArtifactIntegrityError(
          dir,
          `manifest sha256 ${hash.slice(0, 12)}… differs from ${trusted.source}'s ${trusted.hash.slice(0, 12)}…`,
        );
      }
      const manifest = await readManifest(dir);
      const versionId = `${manifest.modelType}-${manifest.files['model.bin'].slice(0, 12)}`;
      const model = await this.load(versionId, dir, manifest.snapshotId);
      this.pinnedManifests.set(realDir, hash);
      this.installProduction(model);
      return model;
    } catch (error) {
      await this.refused(`dir:${dir}`, dir, error);
      throw error;
    }
  }

  /** Refusals already counted and audited (cleared by a reload). */
  private readonly refusals = new Set<string>();

  /** Manifest hashes seen loaded per real directory: an artifact directory is immutable once written. */
  private readonly pinnedManifests = new Map<string, string>();

  /**
   * What the fixed artifact's manifest must hash to, in order of trust:
   * SERVING_MODEL_SHA256 (the operator's pin, covers restarts); the registry's
   * recorded hash of a version stored in that directory; the hash this
   * process loaded from that directory before (an artifact directory is
   * never rewritten: a new model goes to a new directory, a symlink moves).
   * Null: nothing to compare with (an unregistered artifact at first load).
   */
  private async trustedManifestHash(realDir: string): Promise<{ hash: string; source: string } | null> {
    const pinned = this.config.serving.modelSha256;
    if (pinned) return { hash: pinned, source: 'SERVING_MODEL_SHA256' };
    try {
      for (const version of await this.registry.list({})) {
        // A registered directory that no longer exists cannot be the one being loaded: compare its path as written.
        const dir = await fs
          .realpath(version.artifactDir)
          .catch((missing: NodeJS.ErrnoException) =>
            missing.code === 'ENOENT' ? path.resolve(version.artifactDir) : Promise.reject(missing),
          );
        if (dir === realDir) return { hash: version.artifactSha256, source: `the registry (${version.id})` };
      }
    } catch (error) {
      this.logger.warn(`registry not readable to check ${realDir}: ${(error as Error).message}`);
    }
    const seen = this.pinnedManifests.get(realDir);
    return seen ? { hash: seen, source: 'the copy loaded earlier from this directory' } : null;
  }

  /** A model that was refused (integrity) or failed to load: counted, logged by the caller, audited. */
  private async refused(subject: string, dir: string, error: unknown): Promise<void> {
    // The fixed artifact is retried on every poll: one count and one audit record per distinct refusal.
    const key = `${subject}|${(error as Error).message}`;
    if (this.refusals.has(key)) return;
    this.refusals.add(key);
    const reason = error instanceof ArtifactIntegrityError ? 'integrity' : 'error';
    this.metrics.modelLoadRefused.inc({ reason });
    try {
      await this.audit?.append({
        actor: 'service:serving',
        kind: 'model.load-refused',
        subject,
        payload: { artifactDir: dir, reason, error: (error as Error).message },
      });
    } catch (auditError) {
      this.logger.error(`could not audit the refused load of ${subject}: ${(auditError as Error).message}`);
    }
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
      if (model) {
        this.installProduction(model);
        this.metrics.servingLastGood.set(0);
      } else if (!this.live.production) await this.installLastGood(slot, production);
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

  /**
   * Nothing in memory and the production model refused (a restart after its
   * artifact was altered): serve the most recently retired production model
   * that loads, and say so, instead of the popularity fallback for everyone.
   */
  private async installLastGood(slot: string, refused: ModelVersion): Promise<void> {
    const previous = (await this.registry.list({ slot, state: 'retired' }))
      .filter((m) => m.promotedAt !== null)
      .sort((a, b) => (b.promotedAt?.getTime() ?? 0) - (a.promotedAt?.getTime() ?? 0))
      .slice(0, 5);
    for (const version of previous) {
      const model = await this.loadVersion(version);
      if (!model) continue;
      this.installProduction(model);
      this.metrics.servingLastGood.set(1);
      this.logger.warn(
        `production model ${refused.id} was refused; serving the last good production model ${version.id} ` +
          '(fix or roll back, then SIGHUP or wait for the poll)',
      );
      return;
    }
    this.logger.error(`production model ${refused.id} was refused and no earlier production model loads`);
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
        throw new ArtifactIntegrityError(
          version.artifactDir,
          `manifest sha256 ${manifestHash.slice(0, 12)}… differs from the registry's ${version.artifactSha256.slice(0, 12)}…`,
        );
      }
      return await this.load(version.id, version.artifactDir, version.snapshotId);
    } catch (error) {
      // A checksum that differs from the registry's (or from the manifest's own hashes) is tampering, the same on
      // every pod; anything else (ENOENT, EACCES) may be this pod's volume only.
      const tampered = error instanceof ArtifactIntegrityError;
      this.live.recordLoadFailure(version.id, (error as Error).message, tampered ? 'tampered' : 'unavailable');
      this.logger.error(`cannot load model ${version.id} from ${version.artifactDir}: ${(error as Error).message}`);
      await this.refused(`model:${version.id}`, version.artifactDir, error);
      return null;
    }
  }

  private async load(versionId: string, dir: string, snapshotId: string): Promise<LiveModel> {
    const started = Date.now();
    const paging = this.config.serving.userVectorPaging;
    const scorer = await loadScorer(dir, {
      rankingThread: this.rankingThread,
      userVectorPaging: paging && {
        ...paging,
        onFailure: (error) =>
          this.logger.warn(`model ${versionId}: user vectors kept in memory, paging failed: ${error.message}`),
      },
    });
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
