/**
 * The OpenAPI document is generated from the routes the app maps and the zod
 * schemas their handlers validate with (issue 24): it is a valid OpenAPI 3.1
 * document, lists every mapped route with its own summary, and each query or
 * body schema it publishes is the one the handler passes to parseInput.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { createMarqueeClient } from '@marquee/client';

const ROOT = path.resolve(__dirname, '../..');

interface Operation {
  summary: string;
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

function controllerFiles(dir = path.join(ROOT, 'src')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'generated' ? [] : controllerFiles(full);
    return name.endsWith('.controller.ts') ? [full] : [];
  });
}

/**
 * Per route handler in a controller's source: the schemas named in its
 * @ApiOperation (query/body) and the ones it passes to parseInput for its
 * @Query() / @Body() argument.
 */
function declaredAndValidated(source: string): { handler: string; declared: string[]; validated: string[] }[] {
  const out: { handler: string; declared: string[]; validated: string[] }[] = [];
  const blocks = source.split(/\n {2}@(?:Get|Post|Put|Delete|Patch)\(/).slice(1);
  for (const block of blocks) {
    const op = /@ApiOperation\(\{([\s\S]*?)\}\)\n/.exec(block)?.[1] ?? '';
    const declared = [...op.matchAll(/\b(query|body): (\w+)/g)].map((m) => `${m[1]}:${m[2]}`).sort();
    const bodyArg = /@Body\(\) (\w+)/.exec(block)?.[1];
    const queryArg = /@Query\(\) (\w+)/.exec(block)?.[1];
    const validated = [...block.matchAll(/parseInput\((\w+), (\w+)\)/g)]
      .filter((m) => m[2] === bodyArg || m[2] === queryArg)
      .map((m) => `${m[2] === bodyArg ? 'body' : 'query'}:${m[1]}`)
      .sort();
    const handler = /\n {2}(?:async )?(\w+)\(/.exec(block)?.[1] ?? '?';
    out.push({ handler, declared, validated });
  }
  return out;
}

describe('OpenAPI document', () => {
  let app: NestFastifyApplication;
  let dir: string;
  let doc: Doc;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-openapi-'));
    app = await createApp(
      loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'test', INGESTION_ENABLED: 'false' }),
      createRootLogger('silent'),
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', () => {
    expect(doc.openapi).toBe('3.1.0');
    // The validator is an ES module: scripts/validate-openapi.mjs runs it in a plain node child.
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/validate-openapi.mjs'), file], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ status: r.status, out: r.stdout.trim(), err: r.stderr.trim() }).toEqual({
      status: 0,
      out: JSON.stringify({ valid: true }),
      err: '',
    });
  });

  it('lists every route the app maps, each with its own summary, and only those', () => {
    const fastify = app.getHttpAdapter().getInstance();
    const documented: string[] = [];
    const undocumented: string[] = [];
    for (const [route, operations] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(operations)) {
        const url = route.replace(/\{(\w+)\}/g, ':$1');
        documented.push(`${method.toUpperCase()} ${url}`);
        if (!op.summary || op.summary === 'UNDOCUMENTED') undocumented.push(`${method.toUpperCase()} ${route}`);
        expect({ route, method, mapped: fastify.hasRoute({ method: method.toUpperCase() as 'GET', url }) }).toEqual({
          route,
          method,
          mapped: true,
        });
      }
    expect(undocumented).toEqual([]);
    // Fastify's own route table (not Nest's discovery, which the generator uses): every route is documented.
    const table = fastify.printRoutes({ commonPrefix: false });
    // printRoutes draws a tree (4 characters per level); a route is its ancestors' segments joined.
    const mapped: string[] = [];
    const stack: string[] = [];
    for (const line of table.split('\n')) {
      const m = /^([│├└─ ]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
      if (!m) continue;
      const depth = Math.round(m[1].length / 4);
      stack.length = depth;
      stack[depth] = m[2];
      if (m[3])
        for (const verb of m[3].split(', '))
          if (verb !== 'HEAD' && verb !== 'OPTIONS') mapped.push(`${verb} ${stack.join('')}`);
    }
    expect(mapped.length).toBeGreaterThanOrEqual(35);
    // Fastify merges parameter names at one position (":id|:slot"): compare with names erased.
    const shape = (r: string): string => r.replace(/:\w+(?:\|:\w+)*/g, ':_');
    const documentedShapes = new Set(documented.map(shape));
    const mappedShapes = new Set(mapped.map(shape));
    expect([...mappedShapes].filter((r) => !documentedShapes.has(r))).toEqual([]);
    expect([...documentedShapes].filter((r) => !mappedShapes.has(r))).toEqual([]);
  });

  it('publishes, for each route, the schema its handler validates with', () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const file of controllerFiles())
      for (const h of declaredAndValidated(readFileSync(file, 'utf8'))) {
        if (h.validated.length === 0 && h.declared.every((d) => !/^(query|body):/.test(d))) continue;
        checked++;
        // A handler that validates its @Body()/@Query() must declare exactly those schemas.
        if (h.validated.length > 0 && JSON.stringify(h.declared) !== JSON.stringify(h.validated))
          mismatches.push(
            `${path.relative(ROOT, file)} ${h.handler}: declares ${h.declared} but validates ${h.validated}`,
          );
      }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('describes bodies and queries with the zod schemas (required fields, enums, bounds)', () => {
    const op = (route: string, method: string) => doc.paths[route][method];
    const review = op('/admin/quarantine/{id}/review', 'post').requestBody!.content['application/json'].schema;
    expect(review).toMatchObject({
      type: 'object',
      required: ['verdict'],
      properties: { verdict: { enum: ['genuine', 'malicious'] } },
    });
    const experiment = op('/admin/experiments', 'post').requestBody!.content['application/json'].schema;
    expect(experiment).toMatchObject({ type: 'object' });
    expect(Object.keys(experiment.properties as object).length).toBeGreaterThan(2);
    const list = op('/admin/quarantine', 'get').parameters!.find((p) => p.name === 'status');
    expect(list).toMatchObject({ in: 'query', schema: { enum: ['pending', 'genuine', 'malicious'] } });
    expect(op('/recommend/{userId}', 'get').parameters!.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:userId',
      'query:format',
    ]);
  });

  it('the typed client (packages/client) is generated from this very document', () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'packages/client/openapi.json'), 'utf8')) as Doc;
    expect(committed).toEqual(doc);
    expect(readFileSync(path.join(ROOT, 'packages/client/schema.d.ts'), 'utf8')).toContain(
      '"/admin/quarantine/{id}/review"',
    );
  });

  it('the typed client talks to the service: public routes, typed errors on admin routes', async () => {
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const client = createMarqueeClient(url, { signal: AbortSignal.timeout(10_000) });
    const health = await client.GET('/healthz');
    expect(health.response.status).toBe(200);
    const denied = await client.GET('/admin/quarantine', {
      params: { query: { status: 'pending' } },
      headers: { 'x-api-key': 'not-a-key' },
    });
    expect(denied.response.status).toBe(401);
    expect(denied.error).toMatchObject({ error: { status: 401 } });
    const invalid = await client.POST('/admin/quarantine/scan', { body: { lookbackDays: 2 } });
    expect([401, 403]).toContain(invalid.response.status);
  });

  it('the static check notices a handler that validates with another schema', () => {
    const source = `
  @Post()
  @ApiOperation({ summary: 'x', body: A })
  create(@Body() body: unknown) {
    return parseInput(B, body);
  }
`;
    expect(declaredAndValidated(source)).toEqual([{ handler: 'create', declared: ['body:A'], validated: ['body:B'] }]);
  });
});
