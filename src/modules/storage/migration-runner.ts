import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SqlConnection } from './sql-connection';

/**
 * Applies the SQL migrations under prisma/migrations/<name>/migration.sql in
 * name order, recording them in Prisma's own `_prisma_migrations` table (same
 * columns and sha256 checksum), so `prisma migrate status` would agree with us
 * if the schema engine were available.
 */
export interface Migration {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

export class MigrationChecksumError extends Error {
  constructor(
    readonly migration: string,
    readonly recorded: string,
    readonly current: string,
  ) {
    super(
      `Migration ${migration} was changed after it was applied (recorded checksum ${recorded.slice(0, 12)}…, ` +
        `file now ${current.slice(0, 12)}…). Write a new migration instead of editing an applied one.`,
    );
    this.name = 'MigrationChecksumError';
  }
}

export const DEFAULT_MIGRATIONS_DIR = path.resolve(__dirname, '../../../prisma/migrations');

const BOOKKEEPING_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);`;

// Arbitrary constant: serialises concurrent runners (e.g. several replicas starting at once).
const ADVISORY_LOCK_KEY = 724_019_113;

export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await fs.readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export async function runMigrations(
  db: SqlConnection,
  migrations: readonly Migration[],
  log: (message: string) => void = () => undefined,
): Promise<MigrationResult> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
    await tx.exec(BOOKKEEPING_TABLE);
    const rows = await tx.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const recorded = new Map(rows.map((r) => [r.migration_name, r.checksum]));

    // Check every applied migration before applying anything new.
    for (const m of migrations) {
      const checksum = recorded.get(m.name);
      if (checksum !== undefined && checksum !== m.checksum)
        throw new MigrationChecksumError(m.name, checksum, m.checksum);
    }

    const applied: string[] = [];
    const alreadyApplied: string[] = [];
    for (const m of migrations) {
      if (recorded.has(m.name)) {
        alreadyApplied.push(m.name);
        continue;
      }
      log(`applying migration ${m.name}`);
      await tx.exec(m.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
         VALUES ($1, $2, now(), $3, 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      applied.push(m.name);
    }
    return { applied, alreadyApplied };
  });
}
