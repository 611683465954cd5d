import { Injectable } from '@nestjs/common';
import { ActivityWriteRepository } from '@modules/interactions';
import { SqlConnection, StorageService } from '@modules/storage';
import { CollapsedBatch, DeadLetterRow } from './batch-collapse';

/**
 * Stores a collapsed batch: its activity rows through the interactions module
 * (the owner of those tables) and its dead letters (ingestion's own table),
 * in ONE transaction, so a batch is stored whole or not at all. Every
 * statement is an idempotent merge, so a redelivered batch changes nothing
 * (see README.md).
 */
@Injectable()
export class IngestionRepository {
  constructor(
    private readonly storage: StorageService,
    private readonly activity: ActivityWriteRepository,
  ) {}

  async write(batch: CollapsedBatch): Promise<void> {
    const letters = batch.deadLetters;
    await this.activity.writeBatch(batch, letters.length > 0 ? (tx) => insertDeadLetters(tx, letters) : undefined);
  }

  /** Of the given dead letters, those not yet published to the dead-letter topic. */
  async unpublished(letters: readonly DeadLetterRow[]): Promise<DeadLetterRow[]> {
    if (letters.length === 0) return [];
    const rows = await this.storage.sql.query<{ topic: string; partition: number; offset: string }>(
      `SELECT d.topic, d.partition, d."offset"
         FROM dead_letter d
         JOIN unnest($1::text[], $2::int[], $3::text[]) AS t(topic, partition, "offset")
           ON d.topic = t.topic AND d.partition = t.partition AND d."offset" = t."offset"
        WHERE d.published_at IS NULL`,
      [letters.map((l) => l.topic), letters.map((l) => l.partition), letters.map((l) => l.offset)],
    );
    const pending = new Set(rows.map((r) => `${r.topic}\u0000${r.partition}\u0000${r.offset}`));
    return letters.filter((l) => pending.has(`${l.topic}\u0000${l.partition}\u0000${l.offset}`));
  }

  async markPublished(letters: readonly DeadLetterRow[]): Promise<void> {
    if (letters.length === 0) return;
    await this.storage.sql.query(
      `UPDATE dead_letter d SET published_at = now()
         FROM unnest($1::text[], $2::int[], $3::text[]) AS t(topic, partition, "offset")
        WHERE d.topic = t.topic AND d.partition = t.partition AND d."offset" = t."offset"`,
      [letters.map((l) => l.topic), letters.map((l) => l.partition), letters.map((l) => l.offset)],
    );
  }

  /** Dead letters per rejection reason, with the latest arrival (one row per reason: a handful). */
  async deadLettersByReason(): Promise<DeadLetterReasonCount[]> {
    const rows = await this.storage.sql.query<{ reason: string; count: string; last: number }>(
      `SELECT reason, count(*)::text AS count, (extract(epoch FROM max(received_at)) * 1000)::float8 AS last
         FROM dead_letter GROUP BY reason ORDER BY count(*) DESC, reason`,
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count), lastReceivedAt: new Date(Number(r.last)) }));
  }
}

async function insertDeadLetters(tx: SqlConnection, letters: readonly DeadLetterRow[]): Promise<void> {
  // Raw bytes travel as hex text: both drivers serialise text arrays alike, not bytea arrays.
  await tx.query(
    `INSERT INTO dead_letter (topic, partition, "offset", raw, reason, detail)
     SELECT topic, partition, "offset", decode(raw, 'hex'), reason, detail
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS t(topic, partition, "offset", raw, reason, detail)
     ON CONFLICT (topic, partition, "offset") DO NOTHING`,
    [
      letters.map((l) => l.topic),
      letters.map((l) => l.partition),
      letters.map((l) => l.offset),
      letters.map((l) => l.raw.toString('hex')),
      letters.map((l) => l.reason),
      letters.map((l) => l.detail),
    ],
  );
}

export interface DeadLetterReasonCount {
  readonly reason: string;
  readonly count: number;
  readonly lastReceivedAt: Date;
}
