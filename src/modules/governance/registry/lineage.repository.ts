import { Injectable } from '@nestjs/common';
import { StorageService } from '../../storage/storage.service';

export interface ServedRecommendation {
  readonly requestId: string | null;
  readonly userId: number;
  readonly requestedAt: Date;
  readonly modelVersion: string | null;
  readonly status: number;
  readonly items: readonly string[];
  readonly latencyMs: number;
  readonly source: string;
}

export interface DatasetSnapshotInfo {
  readonly id: string;
  readonly createdAt: Date;
  readonly rangeStart: Date | null;
  readonly cutoff: Date;
  readonly schemaVersion: number;
  readonly rowCounts: unknown;
  readonly contentHash: string;
  readonly location: string;
}

/**
 * Read-only look-ups into tables other modules own (recommendation_log from
 * serving/ingestion, dataset_snapshot from datasets), for lineage queries only.
 */
@Injectable()
export class LineageRepository {
  constructor(private readonly storage: StorageService) {}

  async recommendationsByRequestId(requestId: string): Promise<ServedRecommendation[]> {
    const rows = await this.storage.prisma.recommendationLog.findMany({
      where: { requestId },
      orderBy: { requestedAt: 'desc' },
      take: 10,
    });
    return rows.map((row) => ({
      requestId: row.requestId,
      userId: row.userId,
      requestedAt: row.requestedAt,
      modelVersion: row.modelVersion,
      status: row.status,
      items: row.items,
      latencyMs: row.latencyMs,
      source: row.source,
    }));
  }

  async snapshot(id: string): Promise<DatasetSnapshotInfo | null> {
    const row = await this.storage.prisma.datasetSnapshot.findUnique({ where: { id } });
    return row ? { ...row, rowCounts: row.rowCounts } : null;
  }
}
