import { Injectable } from '@nestjs/common';
import { SqlConnection, StorageService } from '@modules/storage';

export type QuarantineStatus = 'pending' | 'genuine' | 'malicious';
export const QUARANTINE_STATUSES: readonly QuarantineStatus[] = ['pending', 'genuine', 'malicious'];

export interface QuarantineEntry {
  readonly id: string;
  readonly userId: number;
  readonly detector: string;
  readonly reasons: readonly string[];
  readonly scores: Record<string, number | null>;
  readonly targetMovies: readonly string[];
  readonly heldEvents: number;
  readonly flaggedAt: Date;
  readonly status: QuarantineStatus;
  readonly reviewedBy: string | null;
  readonly reviewedAt: Date | null;
  readonly reviewNote: string | null;
}

export interface NewQuarantineFlag {
  readonly userId: number;
  readonly detector: string;
  readonly reasons: readonly string[];
  readonly scores: Record<string, number | null>;
  readonly targetMovies: readonly string[];
  readonly heldEvents: number;
}

interface Row extends Record<string, unknown> {
  id: string | number | bigint;
  user_id: number;
  detector: string;
  reasons: string[];
  scores: Record<string, number | null>;
  target_movies: string[];
  held_events: number;
  flagged_at: Date | string;
  status: QuarantineStatus;
  reviewed_by: string | null;
  reviewed_at: Date | string | null;
  review_note: string | null;
}

function toEntry(row: Row): QuarantineEntry {
  return {
    id: String(row.id),
    userId: Number(row.user_id),
    detector: row.detector,
    reasons: row.reasons,
    scores: row.scores,
    targetMovies: row.target_movies,
    heldEvents: Number(row.held_events),
    flaggedAt: new Date(row.flagged_at),
    status: row.status,
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at === null ? null : new Date(row.reviewed_at),
    reviewNote: row.review_note,
  };
}

/** The quarantine table (the shilling scan reads activity through the interactions module). */
@Injectable()
export class QuarantineRepository {
  constructor(private readonly storage: StorageService) {}

  private get sql(): SqlConnection {
    return this.storage.sql;
  }

  /** Inserts new flags; refreshes the evidence of pending ones; never touches a reviewed verdict. */
  async upsertFlags(flags: readonly NewQuarantineFlag[], tx: SqlConnection = this.sql): Promise<number> {
    let created = 0;
    for (const f of flags) {
      const rows = await tx.query<{ inserted: boolean }>(
        `INSERT INTO quarantine (user_id, detector, reasons, scores, target_movies, held_events)
         VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6)
         ON CONFLICT (user_id) DO UPDATE SET
           detector = EXCLUDED.detector, reasons = EXCLUDED.reasons, scores = EXCLUDED.scores,
           target_movies = EXCLUDED.target_movies, held_events = EXCLUDED.held_events
         WHERE quarantine.status = 'pending'
         RETURNING (xmax = 0) AS inserted`,
        [
          f.userId,
          f.detector,
          JSON.stringify(f.reasons),
          JSON.stringify(f.scores),
          JSON.stringify(f.targetMovies),
          f.heldEvents,
        ],
      );
      if (rows[0]?.inserted) created++;
    }
    return created;
  }

  async list(status: QuarantineStatus | undefined, limit: number): Promise<QuarantineEntry[]> {
    const rows = await this.sql.query<Row>(
      `SELECT * FROM quarantine WHERE ($1::text IS NULL OR status = $1) ORDER BY flagged_at DESC, id DESC LIMIT $2`,
      [status ?? null, limit],
    );
    return rows.map(toEntry);
  }

  async findById(id: string, tx: SqlConnection = this.sql): Promise<QuarantineEntry | null> {
    const rows = await tx.query<Row>(`SELECT * FROM quarantine WHERE id = $1`, [id]);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async review(
    id: string,
    verdict: Exclude<QuarantineStatus, 'pending'>,
    reviewer: string,
    note: string | null,
    tx: SqlConnection,
  ): Promise<QuarantineEntry | null> {
    const rows = await tx.query<Row>(
      `UPDATE quarantine SET status = $2, reviewed_by = $3, reviewed_at = now(), review_note = $4
        WHERE id = $1 RETURNING *`,
      [id, verdict, reviewer, note],
    );
    return rows[0] ? toEntry(rows[0]) : null;
  }

  /** Accounts whose events training snapshots must leave out (pending review or confirmed malicious). */
  async excludedUserIds(): Promise<Set<number>> {
    const rows = await this.sql.query<{ user_id: number }>(
      `SELECT user_id FROM quarantine WHERE status IN ('pending', 'malicious')`,
    );
    return new Set(rows.map((r) => Number(r.user_id)));
  }

  /** Pending flags raised before `cutoff` (all when null): accounts and held events. */
  async unreviewed(cutoff: Date | null): Promise<{ accounts: number; events: number }> {
    const rows = await this.sql.query<{ accounts: string | number; events: string | number | null }>(
      `SELECT count(*) AS accounts, sum(held_events) AS events FROM quarantine
        WHERE status = 'pending' AND ($1::timestamptz IS NULL OR flagged_at <= $1)`,
      [cutoff],
    );
    return { accounts: Number(rows[0]?.accounts ?? 0), events: Number(rows[0]?.events ?? 0) };
  }

  async countsByStatus(): Promise<Record<QuarantineStatus, number>> {
    const rows = await this.sql.query<{ status: QuarantineStatus; n: string | number }>(
      `SELECT status, count(*) AS n FROM quarantine GROUP BY status`,
    );
    const out: Record<QuarantineStatus, number> = { pending: 0, genuine: 0, malicious: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }
}
