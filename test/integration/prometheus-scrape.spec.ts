import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { freePort } from '../support/services';

function requirePrometheus(): string {
  const found = spawnSync('bash', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  if (found.status !== 0 || !bin)
    throw new Error('prometheus is not installed: run `bash infra/prometheus-install.sh` (Debian package prometheus)');
  return bin;
}

interface QueryResult {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * A real Prometheus (Debian's binary) scrapes the running service every second
 * on loopback; the test reads metrics back through Prometheus' HTTP API.
 */
describe('Prometheus scrapes the service', () => {
  let app: NestFastifyApplication;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let dir: string;
  let promUrl: string;

  beforeAll(async () => {
    const bin = requirePrometheus();
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-prom-'));
    app = await createApp(
      loadConfig({
        DATA_DIR: path.join(dir, 'data'),
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        INGESTION_ENABLED: 'false',
      }),
      createRootLogger('silent'),
    );
    await app.listen(0, '127.0.0.1');
    const servicePort = (app.getHttpServer().address() as AddressInfo).port;

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: marquee',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${servicePort}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      bin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
  }, 120_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = once(prometheus, 'exit');
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function query(expr: string): Promise<QueryResult['data']['result']> {
    // connection: close: no keep-alive socket outlives Prometheus.
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`, {
      headers: { connection: 'close' },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as QueryResult;
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  async function eventually<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown = null;
    while (Date.now() < deadline) {
      if (prometheus?.exitCode !== null && prometheus?.exitCode !== undefined)
        throw new Error(`prometheus exited (${prometheus.exitCode}):\n${prometheusLog}`);
      try {
        const value = await probe();
        if (value !== null) return value;
      } catch (error) {
        lastError = error; // Prometheus still starting
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`timed out waiting for ${what} (last error: ${String(lastError)})\n${prometheusLog}`);
  }

  it('sees the target up and reads a marquee_ metric back through /api/v1/query', async () => {
    const up = await eventually('up == 1', async () => {
      const result = await query('up{job="marquee"}');
      return result.length === 1 && result[0].value[1] === '1' ? result[0] : null;
    });
    expect(up.metric).toMatchObject({ job: 'marquee' });

    // Prometheus' own scrapes are counted by the HTTP hook under the route pattern /metrics.
    const scrapes = await eventually('marquee_http_requests_total{route="/metrics"}', async () => {
      const result = await query('sum(marquee_http_requests_total{route="/metrics",method="GET",status="200"})');
      return result.length === 1 && Number(result[0].value[1]) >= 2 ? Number(result[0].value[1]) : null;
    });
    expect(scrapes).toBeGreaterThanOrEqual(2);

    const chain = await eventually('marquee_audit_chain_ok', async () => {
      const result = await query('marquee_audit_chain_ok');
      return result.length === 1 ? result[0].value[1] : null;
    });
    expect(chain).toBe('1');
  }, 120_000);
});
