import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditRecordView, AuditService } from '../audit/audit.service';
import { LoggedRecommendation, RecommendationLogRepository } from '@modules/interactions';
import { DatasetSnapshotInfo, LineageRepository } from './lineage.repository';
import { ModelVersion, PromotionDecisionRecord } from './model-version';
import { ModelVersionRepository } from './model-version.repository';
import { modelSubject } from './model-registry.service';

export interface TrainingRun {
  readonly id: string | null;
  readonly trainedBy: string;
  readonly trainedAt: Date;
  readonly modelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly codeVersion: { readonly commit: string; readonly dirty: boolean };
  readonly snapshotId: string;
  readonly snapshotHash: string;
  readonly artifactSha256: string;
  /**
   * The hyperparameter search that chose `params` (method, budget, validation
   * split, every trial), read from the artifact's manifest when its sha256
   * still matches the registered one; null when the run was not tuned.
   */
  readonly tuning: unknown;
  /** Where `tuning` comes from: the registered manifest, or why it could not be read. */
  readonly tuningSource: 'verified' | 'artifact-altered' | `artifact-unreadable: ${string}`;
}

export interface ModelLineage {
  readonly model: ModelVersion;
  readonly snapshot: DatasetSnapshotInfo | null;
  /** Whether the stored snapshot's content hash matches the one the model was trained on. */
  readonly snapshotHashMatches: boolean | null;
  readonly trainingRun: TrainingRun;
  readonly decisions: readonly PromotionDecisionRecord[];
  readonly history: readonly AuditRecordView[];
}

export interface RequestLineage {
  readonly requestId: string;
  readonly recommendation: LoggedRecommendation;
  /** null when the response came from a model the registry does not know (e.g. a fallback). */
  readonly lineage: ModelLineage | null;
}

export interface SnapshotLineage {
  readonly snapshotId: string;
  readonly snapshot: DatasetSnapshotInfo | null;
  readonly models: readonly ModelVersion[];
}

/** Lineage: request → model version → snapshot, training run, decisions; snapshot → models. */
@Injectable()
export class LineageService {
  constructor(
    private readonly models: ModelVersionRepository,
    private readonly lineage: LineageRepository,
    private readonly recommendations: RecommendationLogRepository,
    private readonly audit: AuditService,
  ) {}

  async forModel(modelId: string): Promise<ModelLineage> {
    const model = await this.models.findById(modelId);
    if (!model) throw new NotFoundException(`model ${modelId} is not registered`);
    return this.lineageOf(model);
  }

  async forRequest(requestId: string): Promise<RequestLineage> {
    const [recommendation] = await this.recommendations.byRequestId(requestId);
    if (!recommendation) throw new NotFoundException(`no recommendation with request id ${requestId}`);
    const model = recommendation.modelVersion ? await this.models.findById(recommendation.modelVersion) : null;
    return { requestId, recommendation, lineage: model ? await this.lineageOf(model) : null };
  }

  async forSnapshot(snapshotId: string): Promise<SnapshotLineage> {
    const [snapshot, models] = await Promise.all([this.lineage.snapshot(snapshotId), this.models.list({ snapshotId })]);
    if (!snapshot && models.length === 0) throw new NotFoundException(`snapshot ${snapshotId} is unknown`);
    return { snapshotId, snapshot, models };
  }

  private async lineageOf(model: ModelVersion): Promise<ModelLineage> {
    const [snapshot, decisions, history, tuning] = await Promise.all([
      this.lineage.snapshot(model.snapshotId),
      this.models.decisionsFor(model.id),
      this.audit.forSubjects([modelSubject(model.id)]),
      tuningOf(model),
    ]);
    return {
      model,
      snapshot,
      snapshotHashMatches: snapshot ? snapshot.contentHash === model.snapshotHash : null,
      trainingRun: {
        id: model.trainingRunId,
        trainedBy: model.trainedBy,
        trainedAt: model.trainedAt,
        modelType: model.modelType,
        params: model.params,
        seed: model.seed,
        codeVersion: model.codeVersion,
        snapshotId: model.snapshotId,
        snapshotHash: model.snapshotHash,
        artifactSha256: model.artifactSha256,
        ...tuning,
      },
      decisions,
      history,
    };
  }
}

/**
 * The tuning record pinned by the registered manifest. The manifest is read
 * raw and hashed, so what is shown is exactly what the registry's sha256
 * vouches for (the registration's audit record carries the same search).
 */
async function tuningOf(model: ModelVersion): Promise<Pick<TrainingRun, 'tuning' | 'tuningSource'>> {
  try {
    const raw = await fs.readFile(path.join(model.artifactDir, 'manifest.json'));
    if (createHash('sha256').update(raw).digest('hex') !== model.artifactSha256) {
      return { tuning: null, tuningSource: 'artifact-altered' };
    }
    const manifest = JSON.parse(raw.toString('utf8')) as { extra?: { tuning?: unknown } };
    return { tuning: manifest.extra?.tuning ?? null, tuningSource: 'verified' };
  } catch (error) {
    // Missing or unreadable artifact (e.g. retired and cleaned up): the lineage still answers, and says why.
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { tuning: null, tuningSource: `artifact-unreadable: ${reason}` };
  }
}
