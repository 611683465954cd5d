import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '@lib/artifacts';
import { loadConfig } from '@modules/config';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { createScratchDatabase, freePort, requireKafkaBrokers, waitFor } from '../support/services';

/**
 * HTTP_WORKERS=2 (the real `src/main.ts` on PostgreSQL + Kafka): two service
 * processes share the port under one supervisor; both answer, /metrics
 * reports both (labelled by worker), SIGHUP reaches both, a killed process is
 * replaced, and SIGTERM drains both and exits 0.
 */
const ROOT = path.resolve(__dirname, '../..');

/** One GET on a fresh connection (fetch would reuse one pooled connection, i.e. one process). */
function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('HTTP_WORKERS: several service processes on one port', () => {
  jest.setTimeout(180_000);
  let database: { url: string; drop(): Promise<void> };
  let dir: string;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    database = await createScratchDatabase('marquee_workers');
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-workers-'));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses several processes on the embedded store, naming the variable', () => {
    expect(() => loadConfig({ HTTP_WORKERS: '2' })).toThrow(
      /HTTP_WORKERS: 2 processes need DATABASE_URL and KAFKA_BROKERS/,
    );
  });

  it('serves from both processes, aggregates their metrics, reloads both on SIGHUP, replaces a dead one, drains on SIGTERM', async () => {
    const brokers = requireKafkaBrokers();
    const modelDir = path.join(dir, 'model');
    await writeArtifact(modelDir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, 1));
    const port = await freePort();
    child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-ts.js'), path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dir,
        DATABASE_URL: database.url,
        KAFKA_BROKERS: brokers.join(','),
        SERVING_MODEL_DIR: modelDir,
        INGESTION_ENABLED: 'false',
        HTTP_WORKERS: '2',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    const loads = () => output.split('\n').filter((line) => line.includes('loaded model')).length;

    // Both processes listening (not just one ready): connections are dealt only to listening processes.
    const listening = () => output.split('\n').filter((line) => line.includes('Marquee listening on')).length;
    const readyz = () =>
      // eslint-disable-next-line no-restricted-syntax -- polled until the port answers
      fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    await waitFor(async () => listening() >= 2 && (await readyz())?.status === 200, 120_000);
    // New connections are dealt round-robin: enough of them reach both processes.
    for (let i = 0; i < 20; i++) {
      const response = await getOnNewConnection(`${base}/recommend/${i + 1}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatch(/^[^,\s]+(,[^,\s]+)*$/);
    }
    const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const served = [...metrics.matchAll(/^marquee_recommend_requests_total\{[^}]*worker="(\d)"[^}]*\} (\d+)/gm)];
    expect(new Set(served.map((m) => m[1]))).toEqual(new Set(['1', '2']));
    expect(served.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(20);

    child.kill('SIGHUP');
    await waitFor(async () => loads() >= 4, 60_000);

    const workers = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(workers).toHaveLength(2);
    process.kill(Number(workers[0]), 'SIGKILL');
    await waitFor(async () => loads() >= 5, 60_000);
    expect(output).toContain('service process died; restarting it');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('every service process has drained');
  });
});
