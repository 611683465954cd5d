import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { CatalogService } from './catalog.service';
import { MovieRecord } from './catalog.types';

const shawshank: MovieRecord = {
  id: 'the+shawshank+redemption+1994',
  tmdb_id: 278,
  imdb_id: 'tt0111161',
  title: 'The Shawshank Redemption',
  original_title: 'The Shawshank Redemption',
  adult: false,
  genres: [
    { id: 18, name: 'Drama' },
    { id: 80, name: 'Crime' },
  ],
  original_language: 'en',
  overview: 'Framed in the 1940s for the double murder of his wife and her lover…',
  popularity: 51.645,
  release_date: '1994-09-23',
  runtime: 142,
  spoken_languages: [{ iso_639_1: 'en', name: 'English' }],
  vote_average: 8.5,
  vote_count: 8358,
  budget: 25_000_000,
  revenue: 28_341_469,
  status: 'Released',
};

describe('catalog API', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let catalog: CatalogService;

  const KEYS = { auditor: 'auditor-key-0123456789abcdef', viewer: 'viewer-key-0123456789abcdef' };
  const get = (url: string, key?: string) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-catalog-'));
    app = await createApp(
      loadConfig({
        DATA_DIR: dir,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        ADMIN_API_KEYS: `aud:auditor:${KEYS.auditor},eve:viewer:${KEYS.viewer}`,
      }),
      createRootLogger('silent'),
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    catalog = app.get(CatalogService);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports movies and users in bulk, keeping the last row per id and reporting invalid rows', async () => {
    const movies: MovieRecord[] = [
      shawshank,
      { ...shawshank, id: 'untitled+', title: 'Untitled', release_date: null, budget: null, revenue: null },
      { ...shawshank, id: '', title: 'no id' },
    ];
    const movieResult = await catalog.importMovies(movies);
    expect(movieResult.imported).toBe(2);
    expect(movieResult.rejected).toEqual([{ index: 2, reason: expect.stringContaining('id') }]);

    const users = Array.from({ length: 25_000 }, (_, i) => ({
      user_id: i + 1,
      age: 18 + (i % 50),
      occupation: 'college/grad student',
      gender: i % 2 ? 'F' : 'M',
    }));
    users.push({ user_id: 7, age: 15, occupation: 'K-12 student', gender: 'F' });
    users.push({ user_id: -3, age: 20, occupation: 'writer', gender: 'M' });
    const userResult = await catalog.importUsers(users);
    expect(userResult.imported).toBe(25_001); // user 7 arrived in a later batch and was written twice
    expect(userResult.rejected).toHaveLength(1);
    expect(await catalog.counts()).toEqual({ movies: 2, users: 25_000 });
    // Re-importing is an update, not a duplicate.
    await catalog.importMovies([{ ...shawshank, vote_count: 9000 }]);
    expect((await catalog.getMovie(shawshank.id))?.vote_count).toBe(9000);
    await catalog.importMovies([shawshank]);
  });

  it('GET /movie/<id> answers 200 with the platform movie JSON', async () => {
    const res = await get('/movie/the+shawshank+redemption+1994');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toEqual(shawshank);
    const noYear = await get('/movie/untitled+');
    expect(noYear.statusCode).toBe(200);
    expect(noYear.json()).toMatchObject({ id: 'untitled+', release_date: null, budget: null });
  });

  it('GET /user/<id> answers 200 with the platform user JSON to a role that may read profiles', async () => {
    const res = await get('/user/7', KEYS.auditor);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user_id: 7, age: 15, occupation: 'K-12 student', gender: 'F' });
    expect(res.headers['x-demographics']).toBeUndefined();
  });

  it('GET /user/<id> withholds demographics from anonymous callers and roles without profiles:read', async () => {
    for (const key of [undefined, KEYS.viewer]) {
      const res = await get('/user/7', key);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ user_id: 7 });
      expect(res.headers['x-demographics']).toBe('withheld');
    }
  });

  it('GET /user/<id> refuses an unknown API key with a JSON 401 instead of downgrading silently', async () => {
    const res = await get('/user/7', 'not-a-key-0123456789abcdef');
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ status: 401 });
  });

  it('answers 404 with a JSON error for unknown ids', async () => {
    for (const url of ['/movie/no+such+movie+1999', '/user/99999999']) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: { status: 404, code: 'not_found', message: expect.stringContaining('not found') },
        requestId: expect.any(String),
      });
    }
  });

  it('answers 400 for a malformed user id', async () => {
    for (const url of ['/user/abc', '/user/-1', '/user/1.5', '/user/99999999999']) {
      const res = await get(url);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ status: 400, code: 'bad_request' });
    }
  });
});
