import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { SECURITY_HEADERS } from '@modules/security/hardening/security-headers';

/** The app's HTTP protections: rate limits (429 + Retry-After, counted), headers, body limit, opaque errors. */
describe('HTTP hardening (embedded PGlite)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-hardening-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      INGESTION_ENABLED: 'false',
      RATE_LIMIT_WINDOW_MS: '60000',
      RATE_LIMIT_CLIENT_MAX: '40',
      RATE_LIMIT_USER_MAX: '3',
      RATE_LIMIT_ADMIN_MAX: '5',
      ADMIN_API_KEYS: 'ops:admin:0123456789abcdef0123',
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const inject = (opts: {
    method?: string;
    url: string;
    ip?: string;
    payload?: string;
    headers?: Record<string, string>;
  }) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: (opts.method ?? 'GET') as 'GET',
        url: opts.url,
        remoteAddress: opts.ip ?? '127.0.0.1',
        payload: opts.payload,
        headers: opts.headers,
      });

  it('sends the security headers on every answer, including errors', async () => {
    for (const url of ['/healthz', '/no/such/route', '/recommend/abc']) {
      const res = await inject({ url, ip: '10.1.0.1' });
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name]).toBe(value);
    }
    const admin = await inject({ url: '/admin/models', ip: '10.1.0.1' });
    expect(admin.headers['cache-control']).toBe('no-store');
  });

  it('limits one user id across clients: 429 JSON with Retry-After, counted', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await inject({ url: '/recommend/77', ip: `10.2.0.${i}` })).statusCode);
    expect(statuses.slice(0, 3).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(3)).toEqual([429, 429]);
    const res = await inject({ url: '/recommend/77', ip: '10.2.0.9' });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    const body = res.json();
    expect(body).toEqual({
      error: { status: 429, code: 'too_many_requests', message: expect.stringContaining('user') },
      requestId: res.headers['x-request-id'],
    });
    // Another user is unaffected.
    expect((await inject({ url: '/recommend/78', ip: '10.2.0.9' })).statusCode).not.toBe(429);
    const metrics = (await inject({ url: '/metrics', ip: '10.9.9.9' })).body;
    expect(metrics).toMatch(/marquee_rate_limited_total\{route="recommend",scope="user"\} [1-9]/);
  });

  it('limits one client across user ids, and the admin API more strictly', async () => {
    let limited = 0;
    for (let i = 0; i < 45; i++)
      if ((await inject({ url: `/recommend/${1000 + i}`, ip: '10.3.0.1' })).statusCode === 429) limited++;
    expect(limited).toBe(5);
    const admin: number[] = [];
    for (let i = 0; i < 7; i++) admin.push((await inject({ url: '/admin/models', ip: '10.4.0.1' })).statusCode);
    expect(admin.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(admin.slice(5)).toEqual([429, 429]);
    // Probes are never limited.
    for (let i = 0; i < 50; i++) expect((await inject({ url: '/healthz', ip: '10.3.0.1' })).statusCode).toBe(200);
  });

  it('refuses bodies over 64 KiB with a JSON 413', async () => {
    const res = await inject({
      method: 'POST',
      url: '/admin/api-keys',
      ip: '10.5.0.1',
      payload: JSON.stringify({ name: 'x'.repeat(70 * 1024), role: 'admin' }),
      headers: { 'content-type': 'application/json', 'x-api-key': '0123456789abcdef0123' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ status: 413 });
  });

  it('never puts stack traces or internals into error bodies', async () => {
    const res = await inject({
      method: 'POST',
      url: '/admin/models',
      ip: '10.6.0.1',
      payload: '{"artifactDir": ',
      headers: { 'content-type': 'application/json', 'x-api-key': '0123456789abcdef0123' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.body).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|\/work\/|Error:/);
  });
});
