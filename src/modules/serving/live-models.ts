import { Injectable } from '@nestjs/common';
import { Scorer } from '@lib/artifacts';

export type LoadFailureKind = 'tampered' | 'unavailable';

/** A model loaded in memory and ready to rank. Immutable once built. */
export interface LiveModel {
  /** Registry model version id (or a content-derived id for a fixed artifact). */
  readonly versionId: string;
  readonly modelType: string;
  readonly snapshotId: string;
  readonly scorer: Scorer;
  readonly loadedAt: Date;
}

/**
 * The models serving holds: the production model of the slot plus any others
 * that experiments route to. Installing replaces a reference in one
 * assignment, so a swap is atomic: a request reads `production` once at its
 * start and finishes on that model even if a new one is installed meanwhile;
 * the old model is garbage once its last request is done.
 */
@Injectable()
export class LiveModels {
  private productionModel: LiveModel | null = null;
  private others: ReadonlyMap<string, LiveModel> = new Map();
  /** Versions whose artifact failed to load (tampered, missing, unreadable), with why: not retried. */
  private readonly failures = new Map<string, { reason: string; kind: LoadFailureKind }>();

  get production(): LiveModel | null {
    return this.productionModel;
  }

  byVersion(versionId: string): LiveModel | undefined {
    if (this.productionModel?.versionId === versionId) return this.productionModel;
    return this.others.get(versionId);
  }

  installProduction(model: LiveModel): void {
    this.productionModel = model;
  }

  /** Replaces the set of non-production models in one assignment. */
  installOthers(models: readonly LiveModel[]): void {
    this.others = new Map(models.map((m) => [m.versionId, m]));
  }

  /** Forgets every recorded failure, so the next sync tries those versions again (SIGHUP). */
  clearLoadFailures(): void {
    this.failures.clear();
  }

  recordLoadFailure(versionId: string, reason: string, kind: LoadFailureKind = 'unavailable'): void {
    this.failures.set(versionId, { reason, kind });
  }

  /** Why this version could not be loaded, or undefined if it is loaded or was never tried. */
  loadFailure(versionId: string): string | undefined {
    return this.byVersion(versionId) ? undefined : this.failures.get(versionId)?.reason;
  }

  /**
   * `tampered`: the artifact this pod read does not match the registry's checksum (or its own manifest's
   * hashes): the same bytes fail on every pod. `unavailable`: it could not be read here (a missing volume,
   * permissions), which may be this pod's problem only.
   */
  loadFailureKind(versionId: string): LoadFailureKind | undefined {
    return this.byVersion(versionId) ? undefined : this.failures.get(versionId)?.kind;
  }

  loadedVersions(): string[] {
    return [...(this.productionModel ? [this.productionModel.versionId] : []), ...this.others.keys()];
  }
}
