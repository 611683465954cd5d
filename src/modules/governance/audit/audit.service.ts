import { Injectable } from '@nestjs/common';
import { SqlConnection } from '@modules/storage';
import { ChainAnchor, ChainVerification, ChainVerifier, StoredAuditRecord } from './audit-chain';
import { AuditRepository, AuditSearch } from './audit.repository';

/** What kinds of event the trail holds (free-form strings are allowed; these are the ones Marquee writes). */
export const AuditKind = {
  ModelRegistered: 'model.registered',
  GateRecorded: 'model.gate-recorded',
  ModelTransition: 'model.transition',
  ModelRolledBack: 'model.rolled-back',
  PolicyDecision: 'policy.decision',
  PolicyOverride: 'policy.override',
  AccessDenied: 'access.denied',
  ApiKeyCreated: 'apikey.created',
  ApiKeyRevoked: 'apikey.revoked',
  ConfigChanged: 'config.changed',
  PolicyLoaded: 'policy.loaded',
  ExperimentDecision: 'experiment.decision',
} as const;

export interface AuditEntry {
  /** Who did it: an API key name, `system`, or a service name. */
  readonly actor: string;
  /** What happened, e.g. `experiment.decision` (see AuditKind). */
  readonly kind: string;
  /** What it happened to, as `<type>:<id>`, e.g. `model:als-1a2b…`, `experiment:exp-7`. */
  readonly subject: string;
  readonly payload?: Record<string, unknown>;
}

export interface AuditRecordView {
  readonly seq: string;
  readonly at: string;
  readonly actor: string;
  readonly kind: string;
  readonly subject: string;
  readonly payload: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export function viewAuditRecord(record: StoredAuditRecord): AuditRecordView {
  return { ...record, seq: record.seq.toString(), at: record.at.toISOString() };
}

/**
 * The append-only, hash-chained audit trail. Other modules call `append` for
 * anything an auditor may ask about later (lifecycle events, policy decisions,
 * overrides, access denials, configuration changes, experiment decisions).
 */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  /** Appends a record; pass `tx` to commit it atomically with the change it describes. */
  async append(entry: AuditEntry, tx?: SqlConnection): Promise<AuditRecordView> {
    const record = await this.repository.append({ ...entry, payload: entry.payload ?? {} }, tx);
    return viewAuditRecord(record);
  }

  /** Appends only when `payload.fingerprint` differs from the last record of this kind and subject. */
  async appendIfChanged(
    entry: AuditEntry & { payload: { fingerprint: string } & Record<string, unknown> },
  ): Promise<AuditRecordView | null> {
    const record = await this.repository.appendIfChanged(entry);
    return record ? viewAuditRecord(record) : null;
  }

  /**
   * Walks the whole chain in seq order and reports the first broken link.
   * Anchors (seq and hash kept elsewhere, e.g. an earlier result's lastSeq/head)
   * also catch truncation and wholesale rewrites.
   */
  async verify(anchors: readonly ChainAnchor[] = []): Promise<ChainVerification> {
    const verifier = new ChainVerifier(anchors);
    let after: bigint | null = null;
    for (;;) {
      const page = await this.repository.page(after, 1000);
      if (page.length === 0) break;
      for (const record of page) if (!verifier.push(record)) return verifier.result();
      after = page[page.length - 1].seq;
    }
    return verifier.result();
  }

  async forSubjects(subjects: readonly string[]): Promise<AuditRecordView[]> {
    return (await this.repository.forSubjects(subjects)).map(viewAuditRecord);
  }

  async latest(limit = 100, kind?: string): Promise<AuditRecordView[]> {
    return (await this.repository.latest(Math.min(Math.max(limit, 1), 1000), kind)).map(viewAuditRecord);
  }

  /** Newest first, filtered by exact kind, subject and actor; `beforeSeq` pages back (limit 1..500). */
  async search(filter: AuditSearch): Promise<AuditRecordView[]> {
    const limit = Math.min(Math.max(filter.limit, 1), 500);
    return (await this.repository.search({ ...filter, limit })).map(viewAuditRecord);
  }
}
