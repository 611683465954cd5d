import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';

describe('generic HTTP metrics (onResponse hook)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-http-metrics-'));
    app = await createApp(
      loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', INGESTION_ENABLED: 'false', NODE_ENV: 'test' }),
      createRootLogger('silent'),
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it('counts requests by route pattern, method and status, never by raw URL', async () => {
    await get('/healthz');
    await get('/healthz');
    await get('/recommend/12345');
    await get('/recommend/67890');
    await get('/no/such/route/abc123');
    const text = (await get('/metrics')).body;
    expect(text).toMatch(/marquee_http_requests_total\{route="\/healthz",method="GET",status="200"\} 2/);
    // Both users land on the one pattern (whatever the status, with or without a model loaded).
    expect(text).toMatch(/marquee_http_requests_total\{route="\/recommend\/:userId",method="GET",status="\d{3}"\} 2/);
    expect(text).toMatch(/marquee_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/);
    expect(text).not.toMatch(/12345|67890|abc123/);
    expect(text).toMatch(
      /marquee_http_request_duration_seconds_bucket\{le="[^"]+",route="\/healthz",method="GET"\} \d+/,
    );
    expect(text).toMatch(/marquee_http_request_duration_seconds_count\{route="\/healthz",method="GET"\} 2/);
  });

  it('exports the audit-chain gauge once the first verification has run at start-up', async () => {
    const deadline = Date.now() + 30_000;
    let text = '';
    while (Date.now() < deadline) {
      text = (await get('/metrics')).body;
      if (/marquee_audit_chain_ok 1/.test(text)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(/marquee_audit_chain_ok 1/);
  });
});
