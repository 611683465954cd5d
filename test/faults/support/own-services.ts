import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../support/services';

/**
 * Throwaway PostgreSQL, Kafka and Redis instances for fault injection, started
 * with the project's own `infra/` scripts on free loopback ports under a
 * temporary directory. Fault cases stop and kill these — never the shared
 * instances other suites use (15432 / 19092 / 16379).
 */
const ROOT = path.resolve(__dirname, '../../..');

/** Runs an infra script with a hard time limit; resolves with its output, rejects on a non-zero exit. */
export function infra(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'infra', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`infra/${script} ${args.join(' ')} failed (${code ?? signal}):\n${output}`));
    });
  });
}

/** A temporary directory every service user can traverse (the postgres user must reach its data dir). */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface OwnPostgres {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  /** `immediate`: no clean shutdown, as a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server and deletes its cluster. */
  destroy(): Promise<void>;
}

export async function ownPostgres(): Promise<OwnPostgres> {
  const dir = scratchDir('marquee-fault-pg-');
  const port = await freePort();
  const env = { PG_PORT: String(port), PG_DATA_DIR: path.join(dir, 'data') };
  const pg: OwnPostgres = {
    url: `postgres://marquee:marquee@127.0.0.1:${port}/marquee`,
    port,
    start: async () => void (await infra('pg-start.sh', [], env)),
    stop: async (mode = 'fast') => void (await infra('pg-stop.sh', mode === 'immediate' ? ['--immediate'] : [], env)),
    destroy: async () => {
      await infra('pg-stop.sh', ['--clean'], env).catch((error: unknown) =>
        process.stderr.write(`cleanup: ${String(error)}\n`),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

export interface OwnKafka {
  readonly brokers: string[];
  start(): Promise<void>;
  /** SIGKILL, as a crashed broker. */
  kill(): Promise<void>;
  destroy(): Promise<void>;
}

export async function ownKafka(): Promise<OwnKafka> {
  const dir = scratchDir('marquee-fault-kafka-');
  const port = await freePort();
  const controller = await freePort();
  const env = {
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controller),
    KAFKA_DIR: dir,
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
    KAFKA_START_TIMEOUT: '150',
  };
  const kafka: OwnKafka = {
    brokers: [`127.0.0.1:${port}`],
    start: async () => void (await infra('kafka-start.sh', [], env, 180_000)),
    kill: async () => void (await infra('kafka-stop.sh', ['--kill'], env)),
    destroy: async () => {
      await infra('kafka-stop.sh', ['--clean'], env).catch((error: unknown) =>
        process.stderr.write(`cleanup: ${String(error)}\n`),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await kafka.start();
  return kafka;
}

export interface OwnRedis {
  readonly url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  destroy(): Promise<void>;
}

export async function ownRedis(): Promise<OwnRedis> {
  const dir = scratchDir('marquee-fault-redis-');
  const port = await freePort();
  const env = { REDIS_PORT: String(port), REDIS_DIR: dir };
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    start: async () => void (await infra('redis-start.sh', [], env)),
    kill: async () => void (await infra('redis-stop.sh', ['--kill'], env)),
    destroy: async () => {
      await infra('redis-stop.sh', ['--clean'], env).catch((error: unknown) =>
        process.stderr.write(`cleanup: ${String(error)}\n`),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}
