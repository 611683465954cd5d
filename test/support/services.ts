import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { Client } from 'pg';

/**
 * Real services for integration tests. A missing service is a failure with
 * instructions, never a skip: `npm test` starts both (scripts/test.js) and
 * `.ci/run` starts them explicitly.
 */
export function requirePostgresUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: this test needs a real PostgreSQL. Run `bash infra/pg-start.sh` or use `npm test`, which starts it.',
    );
  }
  return url;
}

export function requireKafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    throw new Error(
      'KAFKA_BROKERS is not set: this test needs a real Kafka broker. Run `bash infra/kafka-start.sh` or use `npm test`, which starts it.',
    );
  }
  return brokers.split(',').map((b) => b.trim());
}

/** A free loopback port (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const uniqueSuffix = (): string => `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** A throwaway database on the real server; drop() removes it. */
export async function createScratchDatabase(prefix = 'marquee_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const baseUrl = requirePostgresUrl();
  const name = `${prefix}_${uniqueSuffix()}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: baseUrl });
      await c.connect();
      try {
        // FORCE may only end our own role's sessions: an autovacuum worker that
        // happens to be in the new database refuses (42501) until it finishes.
        for (let attempt = 1; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
            return;
          } catch (error) {
            if ((error as { code?: string }).code !== '42501' || attempt >= 20) throw error;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  stepMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
