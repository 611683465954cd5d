import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Prisma } from '@app/generated/prisma/client';
import { AppConfig } from '@modules/config';
import { Database, openDatabase } from '@modules/storage/database';
import { readMigrations, runMigrations } from '@modules/storage';
import { MODEL_FIXTURES } from '../support/model-fixtures';
import { createScratchDatabase } from '../support/services';

type Backend = { name: string; open(): Promise<{ config: AppConfig['database']; cleanup(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: 'PGlite (embedded)',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'marquee-pglite-'));
      return { config: { kind: 'pglite', dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL (real server)',
    async open() {
      const scratch = await createScratchDatabase('marquee_roundtrip');
      return { config: { kind: 'postgres', url: scratch.url, poolSize: 4 }, cleanup: scratch.drop };
    },
  },
];

/** Prisma delegate name for a model name: `DeadLetter` → `deadLetter`. */
const delegateOf = (db: Database, model: string) =>
  (
    db.prisma as unknown as Record<
      string,
      { create(a: unknown): Promise<unknown>; findUnique(a: unknown): Promise<unknown> }
    >
  )[model.charAt(0).toLowerCase() + model.slice(1)];

describe.each(backends)('migrations and models on $name', (backend) => {
  let db: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    db = await openDatabase(opened.config);
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await cleanup?.();
  });

  it('applies every migration once, then nothing on a second run', async () => {
    const migrations = await readMigrations();
    const first = await runMigrations(db.sql, migrations);
    expect(first.applied).toEqual(migrations.map((m) => m.name));
    const second = await runMigrations(db.sql, migrations);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toHaveLength(migrations.length);
  });

  it('has a fixture for every Prisma model', () => {
    const missing = Object.values(Prisma.ModelName).filter((m) => !(m in MODEL_FIXTURES));
    expect(missing).toEqual([]);
  });

  it.each(Object.values(Prisma.ModelName))('round-trips a %s row', async (model) => {
    const fixture = MODEL_FIXTURES[model];
    const delegate = delegateOf(db, model);
    await delegate.create({ data: fixture.data });
    const row = (await delegate.findUnique({ where: fixture.where })) as Record<string, unknown>;
    expect(row).not.toBeNull();
    for (const [field, value] of Object.entries(fixture.data)) {
      expect([field, normalise(row[field])]).toEqual([field, normalise(value)]);
    }
  });

  it('refuses to run when an applied migration was edited', async () => {
    const migrations = await readMigrations();
    const tampered = migrations.map((m, i) =>
      i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: 'f'.repeat(64) } : m,
    );
    await expect(runMigrations(db.sql, tampered)).rejects.toThrow(/was changed after it was applied/);
  });
});

function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Prisma.Decimal) return value.toString();
  return value;
}
