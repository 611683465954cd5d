import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { ArtifactIntegrityError, readArtifact } from '@lib/artifacts';
import { SqlConnection } from '@modules/storage';
import { AuditKind, AuditService } from '../audit/audit.service';
import { GateResult, InvalidGateResultError, normalizeGateResult } from '../gates/gate-evaluator';
import { GateRegistry } from '../gates/gate-registry';
import { ModelVersion } from './model-version';
import { ModelVersionRepository } from './model-version.repository';

export interface RegisterModelRequest {
  /** Artifact directory, relative to DATA_DIR or absolute inside it. */
  readonly artifactDir: string;
  readonly slot?: string;
  /** Offline metrics (e.g. `ndcg@20`, `coverage`); default: the manifest's `extra.metrics`. */
  readonly metrics?: Record<string, unknown>;
  readonly gates?: Record<string, unknown>;
  /** Who trained it; default: the registering caller. */
  readonly trainedBy?: string;
  readonly trainingRunId?: string;
  /** When given, registration fails unless the manifest hashes to it. */
  readonly expectedSha256?: string;
}

export function modelSubject(modelId: string): string {
  return `model:${modelId}`;
}

/** The model registry: what was trained, from what, how it scored, and where it is in its lifecycle. */
@Injectable()
export class ModelRegistryService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ModelVersionRepository,
    private readonly audit: AuditService,
    private readonly gates: GateRegistry,
  ) {}

  /** Registers an artifact as a candidate after verifying every file hash. */
  async register(request: RegisterModelRequest, actor: string): Promise<ModelVersion> {
    const dir = this.resolveArtifactDir(request.artifactDir);
    let contents;
    try {
      contents = await readArtifact(dir);
    } catch (error) {
      if (error instanceof ArtifactIntegrityError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UnprocessableEntityException((error as Error).message);
      }
      throw error;
    }
    const { manifest } = contents;
    const artifactSha256 = createHash('sha256')
      .update(await fs.readFile(path.join(dir, 'manifest.json')))
      .digest('hex');
    if (request.expectedSha256 && request.expectedSha256 !== artifactSha256) {
      throw new UnprocessableEntityException(
        `artifact ${request.artifactDir} hashes to ${artifactSha256}, not the expected ${request.expectedSha256}`,
      );
    }
    const existing = await this.repository.findByArtifactSha(artifactSha256);
    if (existing) throw new ConflictException(`artifact already registered as model ${existing.id}`);
    const gates = this.normalizeGates(request.gates ?? {});
    const extraMetrics = (manifest.extra as { metrics?: Record<string, unknown> } | undefined)?.metrics;
    const id = `${manifest.modelType}-${artifactSha256.slice(0, 12)}`;
    return this.repository.transaction(async (tx) => {
      const model = await this.repository.insert(
        {
          id,
          slot: request.slot ?? 'default',
          modelType: manifest.modelType,
          params: manifest.params,
          seed: manifest.seed,
          snapshotId: manifest.snapshotId,
          snapshotHash: manifest.snapshotHash,
          codeVersion: manifest.codeVersion,
          artifactDir: dir,
          artifactSha256,
          trainingRunId: request.trainingRunId ?? null,
          metrics: request.metrics ?? extraMetrics ?? {},
          gates,
          trainedBy: request.trainedBy ?? actor,
          trainedAt: new Date(manifest.createdAt),
          registeredBy: actor,
        },
        tx,
      );
      await this.audit.append(
        {
          actor,
          kind: AuditKind.ModelRegistered,
          subject: modelSubject(id),
          payload: {
            modelType: model.modelType,
            slot: model.slot,
            params: model.params,
            seed: model.seed,
            snapshotId: model.snapshotId,
            snapshotHash: model.snapshotHash,
            codeVersion: model.codeVersion,
            artifactSha256,
            metrics: model.metrics,
            gates: model.gates,
            trainedBy: model.trainedBy,
            trainedAt: model.trainedAt.toISOString(),
            trainingRunId: model.trainingRunId,
            // The hyperparameter search that chose `params`, when there was one (also in the hashed manifest).
            tuning: (manifest.extra as { tuning?: unknown } | undefined)?.tuning ?? null,
          },
        },
        tx,
      );
      return model;
    });
  }

  async get(id: string): Promise<ModelVersion> {
    const model = await this.repository.findById(id);
    if (!model) throw new NotFoundException(`model ${id} is not registered`);
    return model;
  }

  async find(id: string): Promise<ModelVersion | null> {
    return this.repository.findById(id);
  }

  async list(filter: { slot?: string; state?: string; snapshotId?: string } = {}): Promise<ModelVersion[]> {
    return this.repository.list(filter);
  }

  /** What serving should load for a slot: the production model and any canaries. */
  async serving(slot = 'default'): Promise<{ production: ModelVersion | null; canaries: ModelVersion[] }> {
    const [production] = await this.repository.findInState(slot, 'production');
    return { production: production ?? null, canaries: await this.repository.findInState(slot, 'canary') };
  }

  /**
   * Stores a gate result; the policy reads it at the next promotion. The gate
   * must be known: one the policy requires or one a module registered. The
   * result is stored three-valued (`normalizeGateResult`): `{status, passed,
   * reasons, …measurements}`; returns what was stored.
   */
  async recordGateResult(
    modelId: string,
    gate: string,
    raw: { status?: string; passed?: boolean; [measurement: string]: unknown },
    actor = 'system',
    tx?: SqlConnection,
  ): Promise<GateResult> {
    if (!this.gates.isKnown(gate)) {
      throw new BadRequestException(`unknown gate ${gate} (expected ${this.gates.knownGates().join(', ')})`);
    }
    let result: GateResult;
    try {
      result = normalizeGateResult(raw);
    } catch (error) {
      if (error instanceof InvalidGateResultError) throw new BadRequestException(error.message);
      throw error;
    }
    const work = async (db: SqlConnection) => {
      if (!(await this.repository.findById(modelId, db)))
        throw new NotFoundException(`model ${modelId} is not registered`);
      await this.repository.mergeGates(modelId, { [gate]: result }, db);
      await this.audit.append(
        { actor, kind: AuditKind.GateRecorded, subject: modelSubject(modelId), payload: { gate, result } },
        db,
      );
    };
    await (tx ? work(tx) : this.repository.transaction(work));
    return result;
  }

  /** Adds or replaces offline metrics (e.g. from a later evaluation run). */
  async recordMetrics(modelId: string, metrics: Record<string, unknown>, actor = 'system'): Promise<void> {
    await this.repository.transaction(async (tx) => {
      if (!(await this.repository.findById(modelId, tx)))
        throw new NotFoundException(`model ${modelId} is not registered`);
      await this.repository.mergeMetrics(modelId, metrics, tx);
      await this.audit.append(
        { actor, kind: 'model.metrics-recorded', subject: modelSubject(modelId), payload: { metrics } },
        tx,
      );
    });
  }

  /** Gate results handed in with a registration or a promotion request, in the stored shape (400 when invalid). */
  normalizeGates(gates: Record<string, unknown>): Record<string, GateResult> {
    try {
      return Object.fromEntries(Object.entries(gates).map(([gate, result]) => [gate, normalizeGateResult(result)]));
    } catch (error) {
      if (error instanceof InvalidGateResultError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** Artifacts must live under DATA_DIR: an API caller must not make the service read arbitrary paths. */
  private resolveArtifactDir(dir: string): string {
    const root = path.resolve(this.config.dataDir);
    const resolved = path.resolve(root, dir);
    if (resolved !== root && !resolved.startsWith(root + path.sep)) {
      throw new BadRequestException(`artifactDir must be inside DATA_DIR (${root})`);
    }
    return resolved;
  }
}
