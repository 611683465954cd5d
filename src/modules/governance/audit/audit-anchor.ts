import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EventBus } from '@modules/events';
import { ChainAnchor } from './audit-chain';

/** An anchor as written outside the database: the chain's last seq and head hash, and when it was taken. */
export interface ExternalAnchor extends ChainAnchor {
  readonly at: string;
}

/**
 * Where anchors are kept outside the database. Someone with owner rights on
 * audit_record can rewrite a record and re-hash everything after it, and the
 * chain alone still verifies; an anchor held elsewhere does not follow.
 */
export interface AnchorSink {
  readonly kind: 'file' | 'kafka';
  /** Where, for messages (file path or topic). */
  readonly location: string;
  write(anchor: ExternalAnchor): Promise<void>;
  /** The anchor with the highest seq, or null when none was written yet. */
  latest(): Promise<ExternalAnchor | null>;
}

const ANCHOR_FILE = 'audit-anchors.jsonl';

/** Parses one stored anchor; anything else (a torn last line, a foreign record) is skipped, not trusted. */
export function parseAnchor(text: string): ExternalAnchor | null {
  try {
    const value = JSON.parse(text) as Partial<ExternalAnchor>;
    if (typeof value.seq !== 'string' || !/^\d+$/.test(value.seq)) return null;
    if (typeof value.hash !== 'string' || !/^[0-9a-f]{64}$/.test(value.hash)) return null;
    return { seq: value.seq, hash: value.hash, at: typeof value.at === 'string' ? value.at : '' };
    // eslint-disable-next-line no-restricted-syntax -- a line that is not JSON (a torn write) is no anchor: skipped by design
  } catch {
    return null;
  }
}

const higher = (a: ExternalAnchor | null, b: ExternalAnchor | null): ExternalAnchor | null =>
  !a ? b : !b ? a : BigInt(b.seq) >= BigInt(a.seq) ? b : a;

/**
 * Anchors as JSON lines appended to DIR/audit-anchors.jsonl (opened with
 * O_APPEND, never rewritten). Meant for a directory apart from the database
 * — another volume, a WORM mount, or a file the OS keeps append-only
 * (`chattr +a`) — so that the database's owner cannot change both.
 */
export class FileAnchorSink implements AnchorSink {
  readonly kind = 'file' as const;
  readonly location: string;

  constructor(dir: string) {
    this.location = path.join(dir, ANCHOR_FILE);
  }

  async write(anchor: ExternalAnchor): Promise<void> {
    await fs.mkdir(path.dirname(this.location), { recursive: true });
    await fs.appendFile(this.location, `${JSON.stringify(anchor)}\n`, { flag: 'a', mode: 0o640 });
  }

  async latest(): Promise<ExternalAnchor | null> {
    let text: string;
    try {
      text = await fs.readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let best: ExternalAnchor | null = null;
    for (const line of text.split('\n')) if (line.trim()) best = higher(best, parseAnchor(line));
    return best;
  }
}

/**
 * Anchors as records of a Kafka topic (one partition's worth of keys: every
 * anchor has the key `anchor`). The topic's retention and ACLs, not the
 * database, protect them. `latest()` reads the topic from the beginning with a
 * throw-away consumer group until it has caught up (anchors are few: one per
 * AUDIT_ANCHOR_MS), bounded by `readTimeoutMs`.
 */
export class BusAnchorSink implements AnchorSink {
  readonly kind = 'kafka' as const;
  private ensured = false;

  constructor(
    private readonly bus: EventBus,
    readonly location: string,
    private readonly readTimeoutMs = 30_000,
  ) {}

  private async ensureTopic(): Promise<void> {
    if (this.ensured) return;
    await this.bus.ensureTopics([this.location], 1);
    this.ensured = true;
  }

  async write(anchor: ExternalAnchor): Promise<void> {
    await this.ensureTopic();
    await this.bus.publish(this.location, [{ key: 'anchor', value: JSON.stringify(anchor) }]);
  }

  async latest(): Promise<ExternalAnchor | null> {
    await this.ensureTopic();
    let best: ExternalAnchor | null = null;
    let received = 0;
    const subscription = await this.bus.subscribe({
      groupId: `marquee-anchor-reader-${randomUUID()}`,
      topics: [this.location],
      fromBeginning: true,
      handleBatch: async (batch) => {
        for (const record of batch.records) {
          received++;
          best = higher(best, parseAnchor(record.value.toString('utf8')));
        }
      },
    });
    try {
      const deadline = Date.now() + this.readTimeoutMs;
      for (;;) {
        // Offsets are committed once a batch is handled: no lag left means every anchor was read.
        const lag = await subscription.lag();
        if (lag.every((p) => p.lag === 0)) return best;
        if (Date.now() > deadline) {
          throw new Error(
            `reading anchors from topic ${this.location}: ${received} read, still behind after ${this.readTimeoutMs} ms`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await subscription.stop();
    }
  }
}
