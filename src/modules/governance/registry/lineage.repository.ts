import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';

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
 * Read-only look-up into a table another module owns (dataset_snapshot from
 * datasets), for lineage queries only. Logged recommendations are read through
 * the interactions module.
 */
@Injectable()
export class LineageRepository {
  constructor(private readonly storage: StorageService) {}

  async snapshot(id: string): Promise<DatasetSnapshotInfo | null> {
    const row = await this.storage.prisma.datasetSnapshot.findUnique({ where: { id } });
    return row ? { ...row, rowCounts: row.rowCounts } : null;
  }
}
