import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '@lib/artifacts';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { freePort } from '../support/services';
import { OwnRedis, ownRedis } from './support/own-services';
import { outageMs } from './support/outage';
import { get, report, RunningService, startService, until } from './support/service';

/**
 * Redis (the shared rate-limit store) killed under traffic: the limiter
 * behaves as documented (src/modules/security/README.md: Redis errors fail
 * open), never answers 5xx, and enforces limits again by itself once Redis is
 * back. Observed through HTTP only. A Redis of this test's own.
 */
describe('fault: Redis killed under traffic', () => {
  let redis: OwnRedis;
  let service: RunningService | undefined;
  let dataDir: string;

  beforeAll(async () => {
    redis = await ownRedis();
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-redis-'));
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await redis?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('fails open without a 5xx while Redis is down and limits again after it returns', async () => {
    const modelDir = path.join(dataDir, 'artifacts/popularity');
    await writeArtifact(modelDir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, 1));
    const port = await freePort();
    const LIMIT = 5;
    service = startService(port, {
      DATA_DIR: path.join(dataDir, 'store'),
      DATABASE_URL: '',
      KAFKA_BROKERS: '',
      REDIS_URL: redis.url,
      SERVING_MODEL_DIR: modelDir,
      RATE_LIMIT_USER_MAX: String(LIMIT),
      RATE_LIMIT_WINDOW_MS: '60000',
    });
    const s = service;
    await until('ready', async () => (await get(port, '/readyz')).status === 200, 120_000, 500);

    /** LIMIT + 3 requests for one user: the statuses, in order. */
    const burst = async (user: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 3; i++) statuses.push((await get(port, `/recommend/${user}`, 3_000)).status);
      return statuses;
    };
    const limitedBefore = (await burst(1)).filter((x) => x === 429).length;

    await redis.kill();
    const statuses = new Map<number, number>();
    const end = Date.now() + outageMs();
    for (let n = 0; Date.now() < end && n < 5_000; n++) {
      // The same few users over and over: with Redis counting, most of these would be 429.
      const r = await get(port, `/recommend/${100 + (n % 3)}`, 3_000);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await redis.start();
    const restartedAt = Date.now();
    let user = 1_000;
    await until('limits enforced again', async () => (await burst(user++)).includes(429), 60_000, 500);
    const recovered = (Date.now() - restartedAt) / 1000;

    const during = Object.fromEntries(statuses);
    const figures = report('redis/killed', {
      limitedBeforeOfBurst: limitedBefore,
      requestsDuringOutage: [...statuses.values()].reduce((a, b) => a + b, 0),
      statusesDuringOutage: during,
      secondsToLimitsEnforced: recovered,
    });
    expect(figures.limitedBeforeOfBurst).toBe(3);
    // Documented: fail open — every request answered, none limited, none a server error.
    expect(Object.keys(during)).toEqual(['200']);
    expect(s.child.exitCode).toBeNull();
    // ioredis errors are JSON log lines, not raw "[ioredis] Unhandled error event" text.
    expect(s.output()).not.toContain('[ioredis]');
  }, 300_000);
});
