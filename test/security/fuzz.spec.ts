import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';

const ADMIN_KEY = 'fuzz-admin-key-0123456789';

/**
 * 5xx answers found by this test in code owned by other modules, reported to their owners and tolerated
 * here (only these operations, only with a valid key) until fixed. Delete an entry once its fix lands.
 *   POST /admin/retraining/runs: on an empty store the retraining trigger throws a plain Error → 500
 *   (should answer 409/422 saying there is nothing to train on).
 */
const KNOWN_5XX = new Set<string>();

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters?: { name: string; in: string }[];
}

/** Strings that break naive handlers: traversal, NUL, format strings, huge, unicode, numbers out of range. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '../../etc/passwd',
    '%00',
    '%',
    '%zz',
    '%2e%2e%2f',
    '-1',
    '1e309',
    '99999999999999999999',
    'NaN',
    '0x10',
    "' OR 1=1 --",
    '${jndi:ldap://x}',
    '{{7*7}}',
    '<script>alert(1)</script>',
    '__proto__',
    'constructor',
    'a'.repeat(5000),
  ),
  fc.integer().map(String),
);

const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[]',
    'null',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"verdict":"genuine","note":' + '"x"'.repeat(1) + '}',
    '{"lookbackDays":1e308}',
    '{"name":"a","role":"superuser"}',
    '{"artifactDir":"/etc"}',
    '{"to":"production","override":true}',
    'x'.repeat(70 * 1024),
  ),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json\u0000',
  '',
);

/**
 * Walks the service's own OpenAPI document and sends malformed paths, queries,
 * headers and bodies to every operation, with and without a valid admin key:
 * nothing may answer 5xx (except /readyz's documented 503) and the process
 * must keep answering.
 */
describe('fuzz: every route of /openapi.json (fast-check)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  let operations: Operation[];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fuzz-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      INGESTION_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'false',
      ADMIN_API_KEYS: `fuzz:admin:${ADMIN_KEY}`,
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: p,
        parameters: op.parameters,
      })),
    );
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const inject = (opts: { method: string; url: string; headers?: Record<string, string>; payload?: string }) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject(opts as never);

  it('publishes an OpenAPI 3.1 document covering the public and admin routes', () => {
    const keys = operations.map((o) => `${o.method} ${o.path}`);
    for (const expected of [
      'GET /recommend/{userId}',
      'GET /healthz',
      'GET /openapi.json',
      'GET /admin/quarantine',
      'POST /admin/quarantine/{id}/review',
      'POST /admin/models',
    ])
      expect(keys).toContain(expected);
  });

  it('answers malformed requests to every route without a 5xx', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            pathValues: fc.array(nasty, { minLength: 4, maxLength: 4 }),
            queryPairs: fc.array(
              fc.tuple(fc.oneof(fc.constantFrom('format', 'limit', 'status', 'anchor', 'slot', 'kind'), nasty), nasty),
              {
                maxLength: 4,
              },
            ),
            withKey: fc.boolean(),
            badKey: fc.option(nasty, { nil: undefined }),
            contentType,
            body: fc.option(body, { nil: undefined }),
            requestId: fc.option(nasty, { nil: undefined }),
          }),
          async (input) => {
            let k = 0;
            const p = op.path.replace(/\{\w+\}/g, () => encodeURIComponent(input.pathValues[k++ % 4]));
            const qs = input.queryPairs
              .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
              .join('&');
            const headers: Record<string, string> = {};
            if (input.withKey) headers['x-api-key'] = ADMIN_KEY;
            else if (input.badKey !== undefined)
              headers.authorization = `Bearer ${input.badKey.replace(/[^\x20-\x7e]/g, '')}`;
            if (input.requestId !== undefined) headers['x-request-id'] = input.requestId.replace(/[^\x20-\x7e]/g, '');
            const hasBody = input.body !== undefined && op.method !== 'GET' && op.method !== 'DELETE';
            if (hasBody && input.contentType) headers['content-type'] = input.contentType;
            const res = await inject({
              method: op.method,
              url: qs ? `${p}?${qs}` : p,
              headers,
              ...(hasBody ? { payload: input.body } : {}),
            });
            const documented503 = op.path === '/readyz' && res.statusCode === 503;
            const known = KNOWN_5XX.has(`${op.method} ${op.path}`) && input.withKey;
            if (res.statusCode >= 500 && !documented503 && !known) {
              // Keep going: the list of every failing route is more useful than one shrunk case.
              failures.push(`${op.method} ${op.path} [${p}?${qs}] → ${res.statusCode} ${res.body.slice(0, 160)}`);
            }
            // Error bodies are JSON and never carry internals.
            if (res.statusCode >= 400 && res.statusCode !== 404) {
              expect(res.body).not.toMatch(/node_modules|\.ts:\d+|\n\s+at /);
            }
            return true;
          },
        ),
        { numRuns: 25, seed: 20261126 },
      );
    }
    expect(failures).toEqual([]);
    expect((await inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  }, 600_000);
});
