import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { SNAPSHOT_EXCLUSIONS, SnapshotExclusions, withoutUsers } from '@modules/datasets/snapshot-exclusions';
import { StorageService } from '@modules/storage';
import { MODEL_FIXTURES } from '../support/model-fixtures';
import { answer, injectedClient } from '../support/marquee-client';

const ADMIN = '0123456789abcdef0123';
const SCIENTIST = 'scientist-key-0123456789';
const VIEWER = 'viewer-key-0123456789ab';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The poisoning defence on the store: a burst of young accounts pushing one movie is
 * quarantined by a scan, listed for review, excluded from snapshots until released, and
 * holds the poisoning gate closed while unreviewed.
 */
describe('quarantine: scan, review, snapshot exclusion, poisoning gate (PGlite)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  const now = Date.now();
  const fakes = Array.from({ length: 12 }, (_, i) => 5000 + i);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-quarantine-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      INGESTION_ENABLED: 'false',
      ADMIN_API_KEYS: `ops:admin:${ADMIN},sci:data-scientist:${SCIENTIST},view:viewer:${VIEWER}`,
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const sql = app.get(StorageService).sql;
    // 120 established users rating 15 movies over a week, having watched them.
    let seed = 7;
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const start = now - 7 * DAY;
    for (let u = 1; u <= 120; u++) {
      await sql.query(`INSERT INTO app_user (id, first_seen_at) VALUES ($1, $2)`, [u, new Date(start - 30 * DAY)]);
      for (let k = 0; k < 5; k++) {
        const movie = `m${Math.floor(rand() * 15)}`;
        const at = new Date(start + rand() * 6 * DAY);
        await sql.query(`INSERT INTO watch_aggregate VALUES ($1, $2, 90, $3, $3) ON CONFLICT DO NOTHING`, [
          u,
          movie,
          at,
        ]);
        await sql.query(`INSERT INTO rating VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
          u,
          movie,
          1 + Math.floor(rand() * 5),
          at,
        ]);
      }
    }
    // Twelve accounts created an hour ago rate m9 at 5 within minutes, plus fillers, watching nothing.
    for (const [i, id] of fakes.entries()) {
      const created = new Date(now - HOUR + i * 60_000);
      await sql.query(`INSERT INTO app_user (id, first_seen_at) VALUES ($1, $2)`, [id, created]);
      await sql.query(`INSERT INTO rating VALUES ($1, 'm9', 5, $2)`, [id, new Date(created.getTime() + 30_000)]);
      for (let k = 0; k < 4; k++)
        await sql.query(`INSERT INTO rating VALUES ($1, $2, 3, $3)`, [
          id,
          `m${(i + k * 2) % 15 === 9 ? 14 : (i + k * 2) % 15}`,
          new Date(created.getTime() + 60_000 * (k + 2)),
        ]);
    }
    await app.get(StorageService).prisma.modelVersion.create({ data: MODEL_FIXTURES.ModelVersion.data as never });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The typed client as one API key (in process: app.inject behind it). */
  const as = (key: string) => injectedClient(app.getHttpAdapter().getInstance(), { headers: { 'x-api-key': key } });
  const pending = (key: string) =>
    answer(as(key).GET('/admin/quarantine', { params: { query: { status: 'pending' } } }));
  const scan = (key: string, body: { lookbackDays?: number } = {}) =>
    answer(as(key).POST('/admin/quarantine/scan', { body }));
  const gate = (modelId: string) =>
    answer(as(SCIENTIST).POST('/admin/quarantine/gate/{modelId}', { params: { path: { modelId } } }));
  const review = (id: number | string, body: { verdict: 'genuine' | 'malicious'; note?: string }) =>
    answer(as(SCIENTIST).POST('/admin/quarantine/{id}/review', { params: { path: { id: String(id) } }, body }));

  it('only roles with quarantine permissions may read or review', async () => {
    expect((await answer(as(VIEWER).GET('/admin/quarantine'))).status).toBe(403);
    expect((await scan(VIEWER)).status).toBe(403);
    expect((await answer(as('wrong-key-0123456789').GET('/admin/quarantine'))).status).toBe(401);
  });

  it('quarantines exactly the burst accounts and keeps them out of snapshots', async () => {
    const scanned = await scan(SCIENTIST, { lookbackDays: 30 });
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({ flagged: 12, newlyQuarantined: 12 });
    const list = (await pending(SCIENTIST)).body;
    expect(list.entries.map((e: { userId: number }) => e.userId).sort()).toEqual(fakes);
    expect(list.entries[0]).toMatchObject({ detector: 'shilling/v1', targetMovies: ['m9'], heldEvents: 5 });
    expect(list.entries[0].reasons).toEqual(expect.arrayContaining(['rating_burst', 'unwatched_ratings']));

    const excluded = await app.get<SnapshotExclusions>(SNAPSHOT_EXCLUSIONS).excludedUserIds();
    expect([...excluded].sort()).toEqual(fakes);
    // The hook's filter: rows of excluded users go, the rest are re-indexed.
    const content = withoutUsers(
      {
        users: [1, 5000, 2].map((id) => ({ id, age: null, gender: null, occupation: null })),
        movies: [],
        userIndex: Int32Array.from([0, 1, 2, 1]),
        itemIndex: Int32Array.from([0, 0, 1, 2]),
        watchMinutes: Float32Array.from([1, 0, 2, 0]),
        rating: Float32Array.from([0, 5, 0, 3]),
        timestamp: Float64Array.from([1, 2, 3, 4]),
        ratingScaleMax: 5,
      },
      excluded,
    );
    expect(content.users.map((u) => u.id)).toEqual([1, 2]);
    expect(Array.from(content.userIndex)).toEqual([0, 1]);
    expect(Array.from(content.itemIndex)).toEqual([0, 1]);

    // A second scan finds the same accounts and creates nothing new.
    expect((await scan(SCIENTIST)).body).toMatchObject({ newlyQuarantined: 0 });
  });

  it('holds the poisoning gate closed until every flag is reviewed; reviews are audited', async () => {
    const modelId = MODEL_FIXTURES.ModelVersion.data.id as string;
    const closed = await gate(modelId);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ passed: false, unreviewedSuspiciousEvents: 60, unreviewedAccounts: 12 });

    const entries = (await pending(SCIENTIST)).body.entries;
    // An invalid verdict, sent raw: the typed client would not let it through.
    const invalid = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: `/admin/quarantine/${entries[0].id}/review`,
        headers: { 'x-api-key': SCIENTIST },
        payload: { verdict: 'maybe' },
      });
    expect(invalid.statusCode).toBe(400);
    expect((await review(999999, { verdict: 'genuine' })).status).toBe(404);
    for (const [i, entry] of entries.entries()) {
      const verdict = i === 0 ? 'genuine' : 'malicious';
      const res = await review(entry.id, { verdict, note: 'checked' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: verdict, reviewedBy: 'apikey:sci' });
    }
    const open = (await gate(modelId)).body;
    expect(open).toMatchObject({ passed: true, unreviewedSuspiciousEvents: 0, maliciousAccounts: 11 });
    const model = (await answer(as(ADMIN).GET('/admin/models/{id}', { params: { path: { id: modelId } } }))).body;
    expect(JSON.stringify(model)).toContain('"poisoning"');
    // Released account is back in the snapshots; malicious ones stay out.
    const excluded = await app.get<SnapshotExclusions>(SNAPSHOT_EXCLUSIONS).excludedUserIds();
    expect(excluded.size).toBe(11);
    expect(excluded.has(entries[0].userId)).toBe(false);
    const audit = (
      await answer(as(ADMIN).GET('/admin/audit', { params: { query: { kind: 'poisoning.review', limit: 50 } } }))
    ).body;
    expect(audit.records).toHaveLength(12);
    // A rescan never overrides a reviewer's verdict.
    await scan(SCIENTIST);
    expect((await pending(SCIENTIST)).body.entries).toHaveLength(0);
  });
});
