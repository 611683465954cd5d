import { Injectable } from '@nestjs/common';
import { SqlConnection, StorageService } from '@modules/storage';
import { GENESIS_HASH, hashAuditRecord, StoredAuditRecord } from './audit-chain';
import { toJsonValue } from './canonical-json';

export interface NewAuditRecord {
  readonly actor: string;
  readonly kind: string;
  readonly subject: string;
  readonly payload: Record<string, unknown>;
}

interface AuditRow extends Record<string, unknown> {
  seq: string | number | bigint;
  at: Date | string;
  actor: string;
  kind: string;
  subject: string;
  payload: unknown;
  prev_hash: string;
  hash: string;
}

// Arbitrary constant, distinct from the migration runner's: serialises appends
// so two writers can never both link to the same predecessor (a fork).
const AUDIT_APPEND_LOCK_KEY = 724_019_201;
const COLUMNS = 'seq, at, actor, kind, subject, payload, prev_hash, hash';

function toRecord(row: AuditRow): StoredAuditRecord {
  return {
    seq: BigInt(String(row.seq)),
    at: row.at instanceof Date ? row.at : new Date(row.at),
    actor: row.actor,
    kind: row.kind,
    subject: row.subject,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The audit_record table: append (hash-chained) and read; it is never updated. */
@Injectable()
export class AuditRepository {
  constructor(private readonly storage: StorageService) {}

  /** Appends inside `tx` when given (so the record commits with the change it describes). */
  async append(entry: NewAuditRecord, tx?: SqlConnection): Promise<StoredAuditRecord> {
    const work = async (db: SqlConnection): Promise<StoredAuditRecord> => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_APPEND_LOCK_KEY]);
      const [last] = await db.query<{ hash: string }>('SELECT hash FROM audit_record ORDER BY seq DESC LIMIT 1');
      const [{ seq }] = await db.query<{ seq: string }>(
        `SELECT nextval(pg_get_serial_sequence('audit_record', 'seq'))::text AS seq`,
      );
      const payload = toJsonValue(entry.payload);
      const content = {
        seq: BigInt(seq),
        at: new Date(),
        actor: entry.actor,
        kind: entry.kind,
        subject: entry.subject,
        payload,
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const hash = hashAuditRecord(content);
      await db.query(`INSERT INTO audit_record (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`, [
        seq,
        content.at.toISOString(),
        content.actor,
        content.kind,
        content.subject,
        JSON.stringify(payload),
        content.prevHash,
        hash,
      ]);
      return { ...content, hash };
    };
    return tx ? work(tx) : this.storage.sql.transaction(work);
  }

  /**
   * Appends unless the latest record of this kind and subject already carries
   * the same `payload.fingerprint` (check and append under the append lock, so
   * replicas starting together record a change once).
   */
  async appendIfChanged(
    entry: NewAuditRecord & { payload: { fingerprint: string } },
  ): Promise<StoredAuditRecord | null> {
    return this.storage.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_APPEND_LOCK_KEY]);
      const [last] = await tx.query<{ fingerprint: string | null }>(
        `SELECT payload->>'fingerprint' AS fingerprint FROM audit_record
          WHERE kind = $1 AND subject = $2 ORDER BY seq DESC LIMIT 1`,
        [entry.kind, entry.subject],
      );
      if (last?.fingerprint === entry.payload.fingerprint) return null;
      return this.append(
        { ...entry, payload: { ...entry.payload, previousFingerprint: last?.fingerprint ?? null } },
        tx,
      );
    });
  }

  /** Records with seq > after, in seq order (keyset pagination). */
  async page(after: bigint | null, limit: number): Promise<StoredAuditRecord[]> {
    const rows = await this.storage.sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_record WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [(after ?? 0n).toString(), limit],
    );
    return rows.map(toRecord);
  }

  async forSubjects(subjects: readonly string[]): Promise<StoredAuditRecord[]> {
    if (subjects.length === 0) return [];
    const rows = await this.storage.sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_record WHERE subject = ANY($1::text[]) ORDER BY seq`,
      [subjects],
    );
    return rows.map(toRecord);
  }

  async latest(limit: number, kind?: string): Promise<StoredAuditRecord[]> {
    const rows = await this.storage.sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_record WHERE ($1::text IS NULL OR kind = $1) ORDER BY seq DESC LIMIT $2`,
      [kind ?? null, limit],
    );
    return rows.map(toRecord);
  }

  /** Newest first, optionally filtered (exact kind, subject, actor), keyset-paginated by `beforeSeq`. */
  async search(filter: AuditSearch): Promise<StoredAuditRecord[]> {
    const rows = await this.storage.sql.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_record
        WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR subject = $2)
          AND ($3::text IS NULL OR actor = $3) AND ($4::bigint IS NULL OR seq < $4)
        ORDER BY seq DESC LIMIT $5`,
      [
        filter.kind ?? null,
        filter.subject ?? null,
        filter.actor ?? null,
        filter.beforeSeq?.toString() ?? null,
        filter.limit,
      ],
    );
    return rows.map(toRecord);
  }
}

export interface AuditSearch {
  readonly kind?: string;
  readonly subject?: string;
  readonly actor?: string;
  /** Only records with a smaller seq (the next page of a newest-first listing). */
  readonly beforeSeq?: bigint;
  readonly limit: number;
}
