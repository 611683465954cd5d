import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';
import { SnapshotManifest } from '@lib/dataset';

export interface SnapshotRecord {
  readonly id: string;
  readonly cutoff: Date;
  readonly rangeStart: Date | null;
  readonly contentHash: string;
  readonly schemaVersion: number;
  readonly rowCounts: Record<string, number>;
  readonly location: string;
  readonly createdAt: Date;
}

const epochMs = (expr: string): string => `(extract(epoch FROM ${expr}) * 1000)::float8`;

/** Records snapshots (the dataset_snapshot table); what they freeze is read through the interactions module. */
@Injectable()
export class SnapshotRepository {
  constructor(private readonly storage: StorageService) {}

  /** Records a snapshot; the same id (same cutoff and content) is recorded once. */
  async record(manifest: SnapshotManifest, location: string): Promise<void> {
    await this.storage.sql.query(
      `INSERT INTO dataset_snapshot (id, range_start, cutoff, schema_version, row_counts, content_hash, location)
       VALUES ($1, $2::timestamp, $3::timestamp, $4, $5::jsonb, $6, $7)
       ON CONFLICT (id) DO NOTHING`,
      [
        manifest.id,
        manifest.rangeStart,
        manifest.cutoff,
        manifest.schemaVersion,
        JSON.stringify(manifest.rowCounts),
        manifest.contentHash,
        location,
      ],
    );
  }

  async find(id: string): Promise<SnapshotRecord | null> {
    const rows = await this.storage.sql.query<{
      id: string;
      cutoff: number;
      range_start: number | null;
      content_hash: string;
      schema_version: number;
      row_counts: Record<string, number>;
      location: string;
      created_at: number;
    }>(
      `SELECT id, ${epochMs('cutoff')} AS cutoff, ${epochMs('range_start')} AS range_start, content_hash,
              schema_version, row_counts, location, ${epochMs('created_at')} AS created_at
         FROM dataset_snapshot WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      cutoff: new Date(r.cutoff),
      rangeStart: r.range_start === null ? null : new Date(r.range_start),
      contentHash: r.content_hash,
      schemaVersion: r.schema_version,
      rowCounts: r.row_counts,
      location: r.location,
      createdAt: new Date(r.created_at),
    };
  }
}
