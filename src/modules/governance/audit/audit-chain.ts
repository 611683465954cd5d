import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * The audit trail is a hash chain: each record carries the hash of the one
 * before it, and its own hash covers its content and that link. Editing a
 * record breaks its own hash; deleting or inserting one breaks the next
 * record's link. (The tail can only be trusted up to the last hash someone
 * kept elsewhere; see verifyChain's `head`.)
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecordContent {
  readonly seq: bigint;
  readonly at: Date;
  readonly actor: string;
  readonly kind: string;
  readonly subject: string;
  readonly payload: unknown;
  readonly prevHash: string;
}

export interface StoredAuditRecord extends AuditRecordContent {
  readonly hash: string;
}

export function hashAuditRecord(record: AuditRecordContent): string {
  const canonical = canonicalJson({
    seq: record.seq.toString(),
    at: record.at.toISOString(),
    actor: record.actor,
    kind: record.kind,
    subject: record.subject,
    payload: record.payload,
    prevHash: record.prevHash,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

export interface ChainBreak {
  readonly seq: string;
  readonly problem: 'hash-mismatch' | 'broken-link' | 'anchor-mismatch' | 'anchor-missing';
  readonly detail: string;
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly checked: number;
  /** Hash of the last record checked: keep it elsewhere to detect truncation of the tail later. */
  readonly head: string;
  readonly lastSeq: string | null;
  readonly firstBroken: ChainBreak | null;
}

/**
 * A (seq, hash) pair kept outside the database (e.g. the head printed by an
 * earlier verify). Anchors catch what the chain alone cannot: a truncated tail
 * or a chain rewritten from some record on with recomputed hashes.
 */
export interface ChainAnchor {
  readonly seq: string;
  readonly hash: string;
}

/** Incremental verifier: feed records in seq order, read the result at the end. */
export class ChainVerifier {
  private readonly anchors: Map<string, string>;
  private expectedPrev = GENESIS_HASH;
  private checked = 0;
  private lastSeq: string | null = null;
  private firstBroken: ChainBreak | null = null;

  constructor(anchors: readonly ChainAnchor[] = []) {
    this.anchors = new Map(anchors.map((a) => [a.seq, a.hash]));
  }

  /** Returns false once the chain is broken (the caller may stop early). */
  push(record: StoredAuditRecord): boolean {
    if (this.firstBroken) return false;
    this.checked += 1;
    const seq = record.seq.toString();
    if (record.prevHash !== this.expectedPrev) {
      this.firstBroken = {
        seq,
        problem: 'broken-link',
        detail:
          `record ${seq} links to ${record.prevHash.slice(0, 12)}… but the previous record` +
          `${this.lastSeq === null ? ' (genesis)' : ` ${this.lastSeq}`} hashes to ${this.expectedPrev.slice(0, 12)}…` +
          ' (a record was deleted, inserted or re-ordered)',
      };
      return false;
    }
    const recomputed = hashAuditRecord(record);
    if (recomputed !== record.hash) {
      this.firstBroken = {
        seq,
        problem: 'hash-mismatch',
        detail: `record ${seq} content does not match its hash (it was edited after it was written)`,
      };
      return false;
    }
    const anchored = this.anchors.get(seq);
    if (anchored !== undefined && anchored !== record.hash) {
      this.firstBroken = {
        seq,
        problem: 'anchor-mismatch',
        detail: `record ${seq} hashes to ${record.hash.slice(0, 12)}… but was anchored as ${anchored.slice(0, 12)}… (the chain was rewritten)`,
      };
      return false;
    }
    this.anchors.delete(seq);
    this.expectedPrev = record.hash;
    this.lastSeq = seq;
    return true;
  }

  result(): ChainVerification {
    if (!this.firstBroken && this.anchors.size > 0) {
      const [seq] = [...this.anchors.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      this.firstBroken = {
        seq,
        problem: 'anchor-missing',
        detail: `anchored record ${seq} is no longer in the chain (records were deleted)`,
      };
    }
    return {
      ok: this.firstBroken === null,
      checked: this.checked,
      head: this.expectedPrev,
      lastSeq: this.lastSeq,
      firstBroken: this.firstBroken,
    };
  }
}

export function verifyChain(
  records: Iterable<StoredAuditRecord>,
  anchors: readonly ChainAnchor[] = [],
): ChainVerification {
  const verifier = new ChainVerifier(anchors);
  for (const record of records) if (!verifier.push(record)) break;
  return verifier.result();
}
