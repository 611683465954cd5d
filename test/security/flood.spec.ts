import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { AppConfig, loadConfig } from '@modules/config';
import { writeArtifact } from '@lib/artifacts';
import { LiveModels } from '@modules/serving';
import { alsTrainer } from '@lib/training/models/als/als.trainer';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { waitFor } from '../support/services';

const FLOOD_REQUESTS = 3_000;
const FLOOD_CONCURRENCY = 32;
const FLOOD_MAX_MS = 15_000;
const LEGIT_REQUESTS = 150;
/** The legitimate client stops after this long even if it has not sent all its requests (a loaded machine). */
const LEGIT_MAX_MS = 40_000;
/** Every request gives up after this long: a stuck request is a failure, never a hung test. */
const REQUEST_TIMEOUT_MS = 10_000;

/** fetch with a per-request deadline; a timeout or network error is status 0. */
async function get(url: string): Promise<{ status: number; retryAfter: string | null }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch (error) {
    process.stderr.write(`flood: ${url} failed: ${String(error)}\n`);
    return { status: 0, retryAfter: null };
  }
}

/**
 * The real service on loopback. One abusive client hammers one user's
 * recommendations (scraping / request flood); legitimate clients ask for other
 * users meanwhile. Every client is 127.0.0.1 (the service does not trust
 * x-forwarded-for: it is spoofable unless set by a trusted proxy), so the
 * per-user bucket is what separates them. Bounded in count and time.
 */
describe('flood on loopback: the limiter holds, legitimate traffic is answered', () => {
  let app: NestFastifyApplication;
  let dir: string;
  let base: string;
  let config: AppConfig;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-flood-'));
    const modelDir = path.join(dir, 'artifacts/als');
    await writeArtifact(
      modelDir,
      await alsTrainer.train(twoTasteGroups(20, 3), { factors: 8, iterations: 4 }, 1, { workers: 1 }),
    );
    config = loadConfig({
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'silent',
      INGESTION_ENABLED: 'false',
      SERVING_MODEL_DIR: modelDir,
      SERVING_LOG_RESPONSES: 'false',
      RATE_LIMIT_WINDOW_MS: '60000',
      RATE_LIMIT_USER_MAX: '20',
      RATE_LIMIT_CLIENT_MAX: '100000',
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    await waitFor(() => app.get(LiveModels).production !== null, 60_000);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the flood with 429 + Retry-After and the other users with 200', async () => {
    const flood = { sent: 0, limited: 0, ok: 0, other: 0, retryAfterMissing: 0 };
    const started = Date.now();
    const attacker = async (): Promise<void> => {
      while (flood.sent < FLOOD_REQUESTS && Date.now() - started < FLOOD_MAX_MS) {
        flood.sent++;
        const res = await get(`${base}/recommend/42`);
        if (res.status === 429) {
          flood.limited++;
          if (!res.retryAfter) flood.retryAfterMissing++;
        } else if (res.status === 200) flood.ok++;
        else flood.other++;
      }
    };
    const legit: { status: number; ms: number }[] = [];
    const user = async (): Promise<void> => {
      for (let i = 0; i < LEGIT_REQUESTS && Date.now() - started < LEGIT_MAX_MS; i++) {
        const t0 = performance.now();
        const res = await get(`${base}/recommend/${1 + (i % 40)}`);
        legit.push({ status: res.status, ms: performance.now() - t0 });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await Promise.all([...Array.from({ length: FLOOD_CONCURRENCY }, attacker), user()]);
    const seconds = (Date.now() - started) / 1000;

    const latencies = legit.map((r) => r.ms).sort((a, b) => a - b);
    const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    const figures = {
      floodSent: flood.sent,
      floodLimited: flood.limited,
      floodOk: flood.ok,
      seconds,
      floodRps: Math.round(flood.sent / seconds),
      legitRequests: legit.length,
      legitOk: legit.filter((r) => r.status === 200).length,
      legitP50Ms: Math.round(q(0.5)),
      legitP95Ms: Math.round(q(0.95)),
      legitMaxMs: Math.round(latencies[latencies.length - 1]),
      servingTimeoutMs: config.serving.timeoutMs,
    };
    process.stdout.write(`flood figures ${JSON.stringify(figures)}\n`);

    // The limiter holds: the flooded user got at most its 20 per window, everything else 429 with Retry-After.
    expect(flood.ok).toBeLessThanOrEqual(20);
    expect(flood.limited).toBe(flood.sent - flood.ok - flood.other);
    expect(flood.other).toBe(0);
    expect(flood.retryAfterMissing).toBe(0);
    expect(flood.sent).toBeGreaterThan(100);
    // Legitimate users (≤ 4 requests each per window): every one sent is answered (how many are sent
    // depends on the machine's load; the loop is bounded in count and time).
    expect(figures.legitRequests).toBeGreaterThanOrEqual(20);
    expect(figures.legitOk).toBe(figures.legitRequests);
    const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).text();
    expect(metrics).toMatch(/marquee_rate_limited_total\{route="recommend",scope="user"\} \d+/);
  }, 120_000);
});
