import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../support/services';
import { get, metric, report, RunningService, startService, until } from './support/service';

/**
 * The embedded store killed (SIGKILL) during `npm start`'s bootstrap, then
 * started again: it resumes and never trains on, nor serves from, a
 * half-written world.
 *
 *  - killed mid-stream: the next start replays the (deterministic) world;
 *    it trains on exactly as many interactions as a start that was killed
 *    only after the whole world was in (the reference below);
 *  - killed after the training run was recorded: the next start fails the
 *    dead process's run (audited) instead of refusing "a training run is
 *    already in progress" until the 6 h sweep.
 */
const WORLD = { BOOTSTRAP_USERS: '400', BOOTSTRAP_MOVIES: '200', BOOTSTRAP_DAYS: '3', BOOTSTRAP_SEED: '42' };
const READY_MS = 240_000;

describe('fault: SIGKILL during the embedded bootstrap', () => {
  const dirs: string[] = [];
  const services: RunningService[] = [];

  afterAll(async () => {
    for (const s of services) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  const boot = async (dataDir: string): Promise<RunningService> => {
    const port = await freePort();
    // What `npm start` runs (BOOTSTRAP_WORLD=auto on the embedded store), from source.
    const s = startService(port, {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      KAFKA_BROKERS: '',
      REDIS_URL: '',
      // `npm start` runs with NODE_ENV unset, where auto means on.
      NODE_ENV: 'development',
      BOOTSTRAP_WORLD: 'auto',
      ...WORLD,
    });
    services.push(s);
    return s;
  };
  const trainedOn = (output: string): number[] =>
    [...output.matchAll(/training popularity on \S+ \((\d+) interactions\)/g)].map((m) => Number(m[1]));
  const phase = (dataDir: string): string | null =>
    existsSync(path.join(dataDir, 'bootstrap.json'))
      ? (JSON.parse(readFileSync(path.join(dataDir, 'bootstrap.json'), 'utf8')) as { phase: string }).phase
      : null;

  /** Kills the service with SIGKILL once `when` holds; fails if it became ready first. */
  const killWhen = async (s: RunningService, what: string, when: () => Promise<boolean>) => {
    await until(what, async () => (s.child.exitCode === null ? when() : true), READY_MS, 100);
    expect(s.child.exitCode).toBeNull();
    s.child.kill('SIGKILL');
    await s.exited;
  };

  const recoverAndServe = async (dataDir: string) => {
    const s = await boot(dataDir);
    const started = Date.now();
    await until(
      'ready after the restart',
      async () => {
        if (s.child.exitCode !== null) throw new Error(`service exited:\n${s.output().slice(-3000)}`);
        return (await get(s.port, '/readyz', 3_000)).status === 200;
      },
      READY_MS,
      500,
    );
    const secondsToReady = (Date.now() - started) / 1000;
    const answer = await get(s.port, '/recommend/1?format=json', 5_000);
    await s.stop();
    return { output: s.output(), secondsToReady, answer };
  };

  let reference = 0;

  it('killed after the training run was recorded: the next start fails that run (audited) and becomes ready', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-boot-b-'));
    dirs.push(dataDir);
    const first = await boot(dataDir);
    await killWhen(first, 'training started', async () => trainedOn(first.output()).length > 0);
    expect(phase(dataDir)).toBe('ingested');
    const streamed = trainedOn(first.output())[0];

    const second = await recoverAndServe(dataDir);
    reference = trainedOn(second.output)[0];
    const figures = report('bootstrap/kill-after-training-run', {
      interactionsBeforeKill: streamed,
      interactionsTrainedAfterRestart: reference,
      secondsToReady: second.secondsToReady,
      recommendStatus: second.answer.status,
    });
    expect(second.output).toMatch(/training run \S+ \(slot default, owner [^)]+\) was abandoned by its process/);
    expect(second.output).not.toContain('already in progress');
    expect(figures.interactionsTrainedAfterRestart).toBe(streamed);
    expect(figures.recommendStatus).toBe(200);
    const body = JSON.parse(second.answer.body) as { model: string | null; items: unknown[] };
    expect(body.model).not.toBeNull();
    expect(body.items.length).toBeGreaterThan(0);
    expect(phase(dataDir)).toBe('complete');
  }, 600_000);

  it('killed mid-stream: the next start replays the world and trains on all of it', async () => {
    expect(reference).toBeGreaterThan(0);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-boot-a-'));
    dirs.push(dataDir);
    const first = await boot(dataDir);
    let storedAtKill = 0;
    await killWhen(first, 'some of the world ingested', async () => {
      const r = await get(first.port, '/metrics', 2_000);
      storedAtKill = r.status === 200 ? metric(r.body, 'marquee_ingest_events_total') : 0;
      return storedAtKill > 0;
    });
    // The kill landed before the world was fully in (otherwise this case proves nothing).
    expect(phase(dataDir)).toBe('streaming');

    const second = await recoverAndServe(dataDir);
    const trained = trainedOn(second.output)[0];
    const figures = report('bootstrap/kill-mid-stream', {
      linesIngestedBeforeKill: storedAtKill,
      interactionsTrained: trained,
      interactionsReference: reference,
      secondsToReady: second.secondsToReady,
      recommendStatus: second.answer.status,
    });
    expect(second.output).toContain('replaying it from the start');
    expect(figures.interactionsTrained).toBe(reference);
    expect(figures.recommendStatus).toBe(200);
    expect(phase(dataDir)).toBe('complete');
  }, 600_000);
});
