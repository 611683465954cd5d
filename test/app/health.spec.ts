import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { ReadinessRegistry } from '@modules/health';

const ROOT = path.resolve(__dirname, '../..');

describe('service skeleton (embedded PGlite + in-process bus)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-app-'));
    app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createRootLogger('silent'));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it('answers liveness', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('reports each dependency, and is not ready before a model is loaded', async () => {
    const res = await get('/readyz');
    expect(res.json().checks).toMatchObject({ database: true, eventBus: true, model: false, notDraining: true });
    expect(res.statusCode).toBe(503);
  });

  it('answers unknown routes with a JSON 404 carrying the request id', async () => {
    const res = await get('/no/such/route');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.json();
    expect(body.error).toMatchObject({ status: 404, code: 'not_found' });
    expect(body.requestId).toBe(res.headers['x-request-id']);
  });

  it('becomes unready while draining, before anything closes', async () => {
    app.get(ReadinessRegistry).startDraining();
    const res = await get('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not-ready', checks: { notDraining: false } });
    expect((await get('/healthz')).statusCode).toBe(200);
  });
});

describe('start-up with a bad configuration', () => {
  it('exits with a message naming the variable', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts/run-ts.js'), path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'not-a-port', KAFKA_BROKERS: 'nohostport', DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).toMatch(/KAFKA_BROKERS: expected host:port/);
  });
});
