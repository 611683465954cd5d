import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Global, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { StorageModule } from '../storage/storage.module';
import { StorageService } from '../storage/storage.service';
import { DatasetSnapshotService, loadSnapshot } from './dataset-snapshot.service';
import { DatasetsModule } from './datasets.module';
import { interactionCount } from './interaction-dataset';
import { SNAPSHOT_EXCLUSIONS } from './snapshot-exclusions';

const iso = (ms: number): string => new Date(ms).toISOString();
const T = Date.UTC(2026, 10, 20, 0, 0, 0);
const HOUR = 3_600_000;

describe('dataset snapshots (PGlite)', () => {
  let dir: string;
  let app: INestApplicationContext;
  let snapshots: DatasetSnapshotService;
  let sql: StorageService['sql'];
  let excluded = new Set<number>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-snap-'));
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    // Stands in for the security module's quarantine.
    @Global()
    @Module({
      providers: [{ provide: SNAPSHOT_EXCLUSIONS, useValue: { excludedUserIds: async () => excluded } }],
      exports: [SNAPSHOT_EXCLUSIONS],
    })
    class QuarantineModule {}
    @Module({ imports: [ConfigModule.forRoot(config), StorageModule, QuarantineModule, DatasetsModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    snapshots = app.get(DatasetSnapshotService);
    sql = app.get(StorageService).sql;

    await sql.query(
      `INSERT INTO app_user (id, age, gender, occupation) VALUES (1, 34, 'F', 'scientist'), (2, NULL, NULL, NULL), (10, 17, 'M', NULL)`,
    );
    await sql.query(
      `INSERT INTO movie (id, title, genres, release_date, original_language, adult, runtime)
       VALUES ('heat+1995', 'Heat', '[{"id":1,"name":"Crime"},{"id":2,"name":"Drama"}]', '1995-12-15', 'en', false, 170),
              ('alien+1979', 'Alien', '["Horror"]', '1979-05-25', 'en', false, 117),
              ('b+', 'b+', '[]', NULL, NULL, false, NULL)`,
    );
    await sql.query(
      `INSERT INTO watch_aggregate (user_id, movie_id, max_minute, first_seen_at, last_seen_at) VALUES
         (1, 'heat+1995', 99, $1, $2),
         (2, 'heat+1995', 9, $1, $1),
         (10, 'b+', 0, $3, $3)`,
      [iso(T), iso(T + 5 * HOUR), iso(T + 50 * HOUR)],
    );
    await sql.query(
      `INSERT INTO rating_event (user_id, movie_id, rated_at, rating) VALUES
         (1, 'heat+1995', $1, 3), (1, 'heat+1995', $2, 5), (2, 'alien+1979', $1, 2)`,
      [iso(T + HOUR), iso(T + 40 * HOUR)],
    );
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('freezes interactions as of the cutoff, in (user, movie) order, and loads them back', async () => {
    const snap = await snapshots.createSnapshot({ cutoff: new Date(T + 10 * HOUR) });
    expect(snap.id).toMatch(/^snap-20261120100000-[0-9a-f]{8}$/);
    expect(snap.rowCounts).toEqual({ interactions: 3, users: 2, movies: 2, watched: 2, rated: 2 });

    const data = await snapshots.load(snap.id);
    expect(data.snapshotId).toBe(snap.id);
    expect(data.contentHash).toBe(snap.contentHash);
    expect(interactionCount(data)).toBe(3);
    expect(data.users).toEqual([
      { id: 1, age: 34, gender: 'F', occupation: 'scientist' },
      { id: 2, age: null, gender: null, occupation: null },
    ]);
    expect(data.movies).toEqual([
      { id: 'alien+1979', genres: ['Horror'], year: 1979, language: 'en', adult: false, runtime: 117 },
      { id: 'heat+1995', genres: ['Crime', 'Drama'], year: 1995, language: 'en', adult: false, runtime: 170 },
    ]);
    expect([...data.userIndex]).toEqual([0, 1, 1]);
    expect([...data.itemIndex]).toEqual([1, 0, 1]);
    expect([...data.watchMinutes]).toEqual([100, 0, 10]);
    // The rating at T+40h is after the cutoff: the snapshot keeps the one before it.
    expect([...data.rating]).toEqual([3, 2, 0]);
    // Times are capped at the cutoff (user 1 last watched at T+5h; user 2 rated alien at T+1h).
    expect([...data.timestamp]).toEqual([T + 5 * HOUR, T + HOUR, T]);

    const manifest = JSON.parse(await fs.readFile(path.join(snap.location, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: snap.id, schemaVersion: 1, contentHash: snap.contentHash });
    expect(manifest.semantics.quarantineApplied).toBe(true);
    expect(await snapshots.find(snap.id)).toMatchObject({ id: snap.id, contentHash: snap.contentHash });
  });

  it('gives the same data the same hash and id, and different data a different one', async () => {
    const a = await snapshots.createSnapshot({ cutoff: new Date(T + 10 * HOUR) });
    const b = await snapshots.createSnapshot({ cutoff: new Date(T + 10 * HOUR) });
    expect(b).toEqual(a);
    // A later cutoff over the same rows (nothing happened in between): same content hash, another id.
    const c = await snapshots.createSnapshot({ cutoff: new Date(T + 11 * HOUR) });
    expect(c.contentHash).toBe(a.contentHash);
    expect(c.id).not.toBe(a.id);
    const d = await snapshots.createSnapshot({ cutoff: new Date(T + 100 * HOUR) });
    expect(d.contentHash).not.toBe(a.contentHash);
    expect(d.rowCounts.interactions).toBe(4);
    const rows = await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM dataset_snapshot`);
    expect(Number(rows[0].n)).toBe(3);
  });

  it('respects rangeStart', async () => {
    const s = await snapshots.createSnapshot({ cutoff: new Date(T + 100 * HOUR), rangeStart: new Date(T + 30 * HOUR) });
    const data = await snapshots.load(s.location);
    expect(data.users.map((u) => u.id)).toEqual([1, 10]);
    // User 1's pair: the watch ended before rangeStart, the T+40h rating is inside it.
    expect([...data.watchMinutes]).toEqual([0, 1]);
    expect([...data.rating]).toEqual([5, 0]);
  });

  it('leaves quarantined users out', async () => {
    excluded = new Set([2]);
    try {
      const s = await snapshots.createSnapshot({ cutoff: new Date(T + 10 * HOUR) });
      const data = await snapshots.load(s.id);
      expect(data.users.map((u) => u.id)).toEqual([1]);
      expect([...data.userIndex]).toEqual([0]);
      expect([...data.rating]).toEqual([3]);
    } finally {
      excluded = new Set();
    }
  });

  it('refuses a snapshot whose files no longer match its hash', async () => {
    const s = await snapshots.createSnapshot({ cutoff: new Date(T + 10 * HOUR) });
    const copy = path.join(dir, 'tampered');
    await fs.cp(s.location, copy, { recursive: true });
    const f = path.join(copy, 'rating.f32');
    const bytes = await fs.readFile(f);
    bytes.writeFloatLE(1, 0);
    await fs.writeFile(f, bytes);
    await expect(loadSnapshot(copy, path.join(dir, 'snapshots'))).rejects.toThrow(/corrupt/);
    await expect(snapshots.load('snap-nope')).rejects.toThrow(/unknown dataset snapshot/);
  });
});
