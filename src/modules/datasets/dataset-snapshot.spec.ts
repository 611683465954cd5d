import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Global, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { activityBatch, movieRecord } from '@test/support/activity-store';
import { loadConfig, ConfigModule } from '@modules/config';
import { ActivityWriteRepository, CatalogRepository, MovieRecord } from '@modules/interactions';
import { StorageModule, StorageService } from '@modules/storage';
import { DatasetSnapshotService, loadSnapshot } from './dataset-snapshot.service';
import { DatasetsModule } from './datasets.module';
import { interactionCount } from '@lib/dataset/interaction-dataset';
import { SNAPSHOT_EXCLUSIONS } from './snapshot-exclusions';

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

    const catalog = app.get(CatalogRepository);
    await catalog.upsertUsers([
      { user_id: 1, age: 34, gender: 'F', occupation: 'scientist' },
      { user_id: 2, age: null, gender: null, occupation: null },
      { user_id: 10, age: 17, gender: 'M', occupation: null },
    ]);
    await catalog.upsertMovies([
      movieRecord('heat+1995', {
        title: 'Heat',
        genres: [
          { id: 1, name: 'Crime' },
          { id: 2, name: 'Drama' },
        ],
        release_date: '1995-12-15',
        original_language: 'en',
        runtime: 170,
      }),
      movieRecord('alien+1979', {
        title: 'Alien',
        // Genres as plain names, not {id, name} objects: snapshots read both.
        genres: ['Horror'] as unknown as MovieRecord['genres'],
        release_date: '1979-05-25',
        original_language: 'en',
        runtime: 117,
      }),
      movieRecord('b+'),
    ]);
    // Watch aggregates and rating history only (no latest-rating rows: snapshots read the history).
    await app.get(ActivityWriteRepository).writeBatch(
      activityBatch({
        watches: [
          { userId: 1, movieId: 'heat+1995', maxMinute: 99, firstSeenAt: T, lastSeenAt: T + 5 * HOUR },
          { userId: 2, movieId: 'heat+1995', maxMinute: 9, firstSeenAt: T, lastSeenAt: T },
          { userId: 10, movieId: 'b+', maxMinute: 0, firstSeenAt: T + 50 * HOUR, lastSeenAt: T + 50 * HOUR },
        ],
        ratingEvents: [
          { userId: 1, movieId: 'heat+1995', ratedAt: T + HOUR, rating: 3 },
          { userId: 1, movieId: 'heat+1995', ratedAt: T + 40 * HOUR, rating: 5 },
          { userId: 2, movieId: 'alien+1979', ratedAt: T + HOUR, rating: 2 },
        ],
      }),
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
