import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import pino from 'pino';
import { createApp } from '@app/app.factory';
import { AppConfig, loadConfig } from '@modules/config';
import { AuditService } from '@modules/governance';
import { MetricsRegistry } from '@modules/metrics';
import { writeArtifact } from '@lib/artifacts';
import { trainAndEvaluate, generateLatentWorld } from '@lib/training';

/**
 * Governance end to end on a real PostgreSQL (a fresh database per run):
 * registry, OPA-gated promotion through the admin API, casbin access control,
 * the hash-chained audit trail (and its tamper detection), lineage and the
 * compliance report CLI.
 */
const root = path.resolve(__dirname, '../..');
const KEYS = {
  root: `root-${randomBytes(12).toString('hex')}`,
  rm: `rm-${randomBytes(12).toString('hex')}`,
  ds: `ds-${randomBytes(12).toString('hex')}`,
  eve: `eve-${randomBytes(12).toString('hex')}`,
  aud: `aud-${randomBytes(12).toString('hex')}`,
};
const GOOD_GATES = {
  fairness: { passed: true, qualityGap: 0.02 },
  drift: { passed: true, snapshotAgeHours: 6 },
  poisoning: { passed: true, unreviewedSuspiciousEvents: 0 },
};
const GOOD_CANARY = {
  requests: 1500,
  errorRate: 0.002,
  latencyP95Ms: 60,
  onlineMetric: 0.14,
  championOnlineMetric: 0.13,
};
const JUSTIFICATION = 'INC-4711: the current model serves stale titles; accepting a small offline regression';

function baseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: governance.pg.spec needs a real PostgreSQL. Run `bash infra/pg-start.sh` and export ' +
        'DATABASE_URL=postgres://marquee:marquee@127.0.0.1:15432/marquee (or use `npm test`).',
    );
  }
  return url;
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('governance on PostgreSQL', () => {
  let dbName: string;
  let dbUrl: string;
  let dataDir: string;
  let reportsDir: string;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let client: Client;

  const api = async (method: 'GET' | 'POST', url: string, key?: string, body?: unknown) => {
    const response = await app.inject({
      method,
      url,
      headers: key ? { 'x-api-key': key } : {},
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, body: type.includes('json') ? response.json() : response.body };
  };

  async function trainTinyModel(name: string, seed: number, metrics: Record<string, number>): Promise<string> {
    const dir = path.join(dataDir, 'artifacts', name);
    const factors = Float32Array.from({ length: 6 }, (_, i) => (i + seed) / 10);
    await writeArtifact(dir, {
      modelType: 'als',
      params: { factors: 2, regularization: 0.1, iterations: 3 },
      seed,
      snapshotId: 'snap-gov-1',
      snapshotHash: 'ab'.repeat(32),
      codeVersion: { commit: 'c0ffee0000000000000000000000000000000000', dirty: false },
      ids: { users: [1, 2], items: ['m1'] },
      tensors: {
        userFactors: { data: factors.slice(0, 4), shape: [2, 2] },
        itemFactors: { data: factors.slice(4), shape: [1, 2] },
      },
      extra: { metrics },
    });
    const registered = await api('POST', '/admin/models', KEYS.ds, {
      artifactDir: `artifacts/${name}`,
      trainingRunId: `run-${name}`,
    });
    expect(registered.status).toBe(201);
    return registered.body.id as string;
  }

  /** marquee_access_denied_total{route} as GET /metrics would show it. */
  const deniedCount = async (route: string): Promise<number> => {
    const metric = await app.get(MetricsRegistry).registry.getSingleMetric('marquee_access_denied_total')?.get();
    return (metric?.values ?? []).filter((v) => v.labels.route === route).reduce((sum, v) => sum + v.value, 0);
  };

  const promote = (id: string, key: string, body: Record<string, unknown>) =>
    api('POST', `/admin/models/${id}/promotions`, key, body);

  beforeAll(async () => {
    const base = baseUrl();
    dbName = `marquee_gov_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    await adminQuery(base, `CREATE DATABASE "${dbName}"`);
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    dbUrl = url.toString();
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-gov-'));
    reportsDir = path.join(dataDir, 'audits');
    config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      DATABASE_URL: dbUrl,
      DATABASE_POOL_SIZE: '8',
      ADMIN_API_KEYS: [
        `root:admin:${KEYS.root}`,
        `rm:release-manager:${KEYS.rm}`,
        `ds:data-scientist:${KEYS.ds}`,
        `eve:viewer:${KEYS.eve}`,
        `aud:auditor:${KEYS.aud}`,
      ].join(','),
    });
    app = await createApp(config, pino({ level: 'silent' }));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    client = new Client({ connectionString: dbUrl });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await app?.close();
    if (dbName) await adminQuery(baseUrl(), `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores API keys hashed only', async () => {
    const { rows } = await client.query('SELECT name, role, key_hash FROM api_key ORDER BY name');
    expect(rows.map((r) => `${r.name}:${r.role}`)).toEqual([
      'aud:auditor',
      'ds:data-scientist',
      'eve:viewer',
      'rm:release-manager',
      'root:admin',
    ]);
    for (const row of rows) {
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.values(KEYS)).not.toContain(row.key_hash);
    }
  });

  it('records the configuration and the policy version in force at start-up, without secrets', async () => {
    const { rows } = await client.query(
      `SELECT kind, subject, payload FROM audit_record WHERE kind IN ('config.changed', 'policy.loaded') ORDER BY seq`,
    );
    expect(rows.map((r) => `${r.kind} ${r.subject}`)).toEqual(
      expect.arrayContaining(['config.changed config:service', 'policy.loaded policy:promotion']),
    );
    const text = JSON.stringify(rows);
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
    expect(text).not.toContain('marquee:marquee@');
    const policy = rows.find((r) => r.kind === 'policy.loaded');
    expect(policy.payload.policyVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.find((r) => r.subject === 'config:service').payload.rbacVersion).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets an admin create and revoke API keys; a revoked key is refused', async () => {
    expect((await api('POST', '/admin/api-keys', KEYS.rm, { name: 'temp', role: 'viewer' })).status).toBe(403);
    const created = await api('POST', '/admin/api-keys', KEYS.root, { name: 'temp', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'temp', role: 'viewer' });
    expect(created.body.key).toMatch(/^mq_[\w-]{43}$/);
    expect((await api('GET', '/admin/models', created.body.key)).status).toBe(200);
    const { rows } = await client.query(`SELECT key_hash FROM api_key WHERE name = 'temp'`);
    expect(rows[0].key_hash).not.toBe(created.body.key);
    expect(
      (await app.inject({ method: 'DELETE', url: '/admin/api-keys/temp', headers: { 'x-api-key': KEYS.root } }))
        .statusCode,
    ).toBe(204);
    expect((await api('GET', '/admin/models', created.body.key)).status).toBe(401);
  });

  let champion: string; // A: first model, goes to production
  let challenger: string; // B: better, goes through canary to production
  let worse: string; // C: worse than the champion

  it('registers trained models with their provenance (data-scientist)', async () => {
    champion = await trainTinyModel('a', 1, { 'ndcg@20': 0.3, coverage: 0.4 });
    challenger = await trainTinyModel('b', 2, { 'ndcg@20': 0.32, coverage: 0.45 });
    worse = await trainTinyModel('c', 3, { 'ndcg@20': 0.2, coverage: 0.4 });
    const { status, body } = await api('GET', `/admin/models/${challenger}`, KEYS.eve);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: challenger,
      state: 'candidate',
      modelType: 'als',
      seed: 2,
      snapshotId: 'snap-gov-1',
      codeVersion: { commit: 'c0ffee0000000000000000000000000000000000', dirty: false },
      trainingRunId: 'run-b',
      trainedBy: 'ds',
      metrics: { 'ndcg@20': 0.32, coverage: 0.45 },
    });
    expect(body.artifactSha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await api('POST', '/admin/models', KEYS.ds, { artifactDir: 'artifacts/b' });
    expect(again.status).toBe(409);
    const outside = await api('POST', '/admin/models', KEYS.ds, { artifactDir: '/etc' });
    expect(outside.status).toBe(400);
  });

  it('refuses callers without a key (401) and a viewer who tries to promote (403, audited, counted)', async () => {
    const route = 'POST /admin/models/:id/promotions';
    const before = await deniedCount(route);
    expect((await promote(champion, '', { to: 'canary' })).status).toBe(401);
    const denied = await promote(champion, KEYS.eve, { to: 'canary' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toBe('role viewer may not request promotions');
    expect(await deniedCount(route)).toBe(before + 2);
    const { rows } = await client.query(
      `SELECT actor, payload FROM audit_record WHERE kind = 'access.denied' AND subject = $1 ORDER BY seq`,
      [`route:${route}`],
    );
    expect(rows.map((r) => r.actor)).toEqual(['anonymous', 'eve']);
    expect(rows[1].payload).toMatchObject({ status: 403, role: 'viewer', url: `/admin/models/${champion}/promotions` });
    const model = await api('GET', `/admin/models/${champion}`, KEYS.eve);
    expect(model.body.state).toBe('candidate');
  });

  it('denies a promotion whose gates were never evaluated, and lets the policy refuse a data-scientist', async () => {
    const noGates = await promote(champion, KEYS.rm, { to: 'canary' });
    expect(noGates.status).toBe(403);
    expect(noGates.body.reasons).toEqual([
      'drift gate has not been evaluated',
      'fairness gate has not been evaluated',
      'poisoning gate has not been evaluated',
    ]);
    expect(noGates.body.policyVersion).toMatch(/^[0-9a-f]{64}$/);
    for (const id of [champion, challenger, worse]) {
      for (const [gate, result] of Object.entries(GOOD_GATES)) {
        expect((await api('POST', `/admin/models/${id}/gates/${gate}`, KEYS.ds, result)).status).toBe(201);
      }
    }
    const ds = await promote(champion, KEYS.ds, { to: 'canary' });
    expect(ds.status).toBe(403);
    expect(ds.body.reasons).toEqual(['role data-scientist may not approve a transition to canary']);
  });

  it('takes the first model through canary to production (release-manager)', async () => {
    expect((await promote(champion, KEYS.rm, { to: 'production' })).status).toBe(409); // candidate cannot skip canary
    const canary = await promote(champion, KEYS.rm, { to: 'canary' });
    expect(canary.status).toBe(201);
    expect(canary.body).toMatchObject({ allowed: true, reasons: [], model: { state: 'canary' } });
    const blind = await promote(champion, KEYS.rm, { to: 'production' });
    expect(blind.status).toBe(403);
    expect(blind.body.reasons).toEqual(['canary telemetry is missing']);
    const slow = await promote(champion, KEYS.rm, {
      to: 'production',
      canaryTelemetry: { ...GOOD_CANARY, latencyP95Ms: 900 },
    });
    expect(slow.body.reasons).toEqual(['canary p95 latency 900ms exceeds the guardrail 300ms']);
    const prod = await promote(champion, KEYS.rm, { to: 'production', canaryTelemetry: GOOD_CANARY });
    expect(prod.status).toBe(201);
    expect(prod.body.model.state).toBe('production');
  });

  it('denies a candidate worse than the champion, with the reason', async () => {
    const denied = await promote(worse, KEYS.rm, { to: 'canary' });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ allowed: false, overridden: false, model: { state: 'candidate' } });
    expect(denied.body.reasons).toEqual([
      `candidate ndcg@20 0.2 is worse than champion ${champion}'s 0.3 by more than the tolerance 0.005`,
    ]);
    const { rows } = await client.query(
      'SELECT allowed, reasons, policy_version FROM promotion_decision WHERE id = $1',
      [denied.body.decisionId],
    );
    expect(rows[0]).toMatchObject({
      allowed: false,
      reasons: denied.body.reasons,
      policy_version: denied.body.policyVersion,
    });
  });

  it('refuses an override without justification, and audits an admin override with one', async () => {
    const bare = await promote(worse, KEYS.root, { to: 'canary', override: true });
    expect(bare.status).toBe(403);
    expect(bare.body.reasons).toContain('override requires a written justification of at least 20 characters');
    const notAdmin = await promote(worse, KEYS.rm, { to: 'canary', override: true, justification: JUSTIFICATION });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.reasons).toContain('override requires the admin role (actor has role release-manager)');

    const overridden = await promote(worse, KEYS.root, { to: 'canary', override: true, justification: JUSTIFICATION });
    expect(overridden.status).toBe(201);
    expect(overridden.body).toMatchObject({ allowed: true, overridden: true, model: { state: 'canary' } });
    const { rows } = await client.query(
      `SELECT actor, payload FROM audit_record WHERE kind = 'policy.override' AND subject = $1`,
      [`model:${worse}`],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].actor).toBe('root');
    expect(rows[0].payload).toMatchObject({
      decisionId: overridden.body.decisionId,
      justification: JUSTIFICATION,
      policyVersion: overridden.body.policyVersion,
    });
    expect(rows[0].payload.overriddenReasons[0]).toContain('is worse than champion');
    expect((await promote(worse, KEYS.rm, { to: 'rejected' })).status).toBe(201);
  });

  it('promotes a good challenger through canary to production, retiring the champion; rollback restores it', async () => {
    expect((await promote(challenger, KEYS.rm, { to: 'canary' })).status).toBe(201);
    const prod = await promote(challenger, KEYS.rm, { to: 'production', canaryTelemetry: GOOD_CANARY });
    expect(prod.status).toBe(201);
    expect(prod.body.retired).toMatchObject({ id: champion, state: 'retired' });
    const serving = await api('GET', '/admin/models?state=production', KEYS.eve);
    expect(serving.body.models.map((m: { id: string }) => m.id)).toEqual([challenger]);

    expect((await api('POST', '/admin/models/default/rollback', KEYS.ds, {})).status).toBe(403);
    const rollback = await api('POST', '/admin/models/default/rollback', KEYS.rm, {
      reason: 'error spike after deploy',
    });
    expect(rollback.status).toBe(201);
    expect(rollback.body).toMatchObject({
      rolledBack: { id: challenger, state: 'retired' },
      restored: { id: champion, state: 'production' },
    });
    const noFurther = await api('POST', '/admin/models/default/rollback', KEYS.rm, {});
    expect(noFurther.status).toBe(409);
  });

  it('answers lineage queries: request → model → snapshot, run and decisions; snapshot → models', async () => {
    await client.query(
      `INSERT INTO recommendation_log (line_hash, request_id, user_id, requested_at, model_version, status, items, latency_ms, source)
       VALUES ($1, 'req-42', 7, now(), $2, 200, ARRAY['m1'], 12, 'served')`,
      ['f'.repeat(64), champion],
    );
    const byRequest = await api('GET', '/admin/lineage/requests/req-42', KEYS.eve);
    expect(byRequest.status).toBe(200);
    expect(byRequest.body.lineage.model.id).toBe(champion);
    expect(byRequest.body.lineage.trainingRun).toMatchObject({ id: 'run-a', seed: 1, snapshotId: 'snap-gov-1' });
    expect(
      byRequest.body.lineage.decisions.map((d: { toState: string; allowed: boolean }) => `${d.toState}:${d.allowed}`),
    ).toEqual([
      'canary:false',
      'canary:false',
      'canary:true',
      'production:false',
      'production:false',
      'production:true',
    ]);
    const bySnapshot = await api('GET', '/admin/lineage/snapshots/snap-gov-1', KEYS.eve);
    expect(bySnapshot.body.models.map((m: { id: string }) => m.id).sort()).toEqual(
      [champion, challenger, worse].sort(),
    );
    expect((await api('GET', '/admin/lineage/requests/nope', KEYS.eve)).status).toBe(404);
  });

  it('writes a compliance report naming every decision and its policy version (npm run audit:report)', async () => {
    const result = spawnSync(
      process.execPath,
      [
        path.join(root, 'scripts/run-ts.js'),
        'src/cli/audit-report.ts',
        '--model',
        challenger,
        '--out',
        reportsDir,
        '--by',
        'aud',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: dbUrl, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const markdown = readFileSync(path.join(reportsDir, `compliance-${challenger}.md`), 'utf8');
    const html = readFileSync(path.join(reportsDir, `compliance-${challenger}.html`), 'utf8');
    const { rows } = await client.query(
      'SELECT id::text, to_state, allowed, policy_version FROM promotion_decision WHERE model_id = $1 ORDER BY id',
      [challenger],
    );
    expect(rows.map((r) => `${r.to_state}:${r.allowed}`)).toEqual(['canary:true', 'production:true']);
    for (const row of rows) {
      const line = markdown.split('\n').find((l) => l.startsWith(`| ${row.id} |`));
      expect(line).toBeDefined();
      expect(line).toContain(row.policy_version);
      expect(line).toContain(row.allowed ? 'allowed' : 'denied');
      expect(html).toContain(row.policy_version);
    }
    for (const section of [
      'Provenance and training run',
      'Data snapshot',
      'Offline metrics',
      'Gate results',
      'Approvals',
      'Overrides',
      'Deployment history',
    ]) {
      expect(markdown).toContain(`## ${section}`);
      expect(html).toContain(`<h2>${section}</h2>`);
    }
    expect(markdown).toContain('production → retired (rollback)');
    expect(markdown).toContain('canary → production');
    expect(markdown).toContain('Audit chain | intact');
    const viaApi = await api('GET', `/admin/reports/models/${challenger}?format=html`, KEYS.aud);
    expect(viaApi.status).toBe(200);
    expect(String(viaApi.body)).toContain('<!doctype html>');
    expect((await api('GET', `/admin/reports/models/${challenger}`, KEYS.eve)).status).toBe(403);
  });

  it('trains two real models on synthetic data, then promotes the better one through canary to production', async () => {
    // The training pipeline's own step: temporal-holdout evaluation, then the deployable model on the whole snapshot.
    const { dataset } = generateLatentWorld({ users: 240, movies: 80, interactions: 7_000, seed: 11 });
    const models: { id: string; ndcg: number }[] = [];
    for (const modelType of ['popularity', 'item-knn']) {
      const candidate = await trainAndEvaluate(
        dataset,
        { modelType, params: {}, seed: 7, artifactDir: path.join(dataDir, 'artifacts', `sim-${modelType}`) },
        { workers: 1 },
      );
      const registered = await api('POST', '/admin/models', KEYS.ds, {
        artifactDir: `artifacts/sim-${modelType}`,
        slot: 'sim',
        metrics: candidate.metrics,
        gates: GOOD_GATES,
      });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({ modelType, slot: 'sim', snapshotId: dataset.snapshotId });
      models.push({ id: registered.body.id, ndcg: candidate.metrics['ndcg@20'] as number });
    }
    const [better, weaker] = [...models].sort((a, b) => b.ndcg - a.ndcg);
    expect((await promote(better.id, KEYS.rm, { to: 'canary' })).status).toBe(201);
    const prod = await promote(better.id, KEYS.rm, { to: 'production', canaryTelemetry: GOOD_CANARY });
    expect(prod.status).toBe(201);
    expect(prod.body.model).toMatchObject({ slot: 'sim', state: 'production' });
    // The weaker model is judged against the new champion by the tolerance in policies/promotion/data.json.
    const challenge = await promote(weaker.id, KEYS.rm, { to: 'canary' });
    const withinTolerance = weaker.ndcg >= better.ndcg - 0.005;
    expect(challenge.body.allowed).toBe(withinTolerance);
    if (!withinTolerance) expect(challenge.body.reasons[0]).toContain(`is worse than champion ${better.id}'s`);
    // The default slot is untouched: one production model per slot.
    const production = await api('GET', '/admin/models?state=production', KEYS.eve);
    expect(production.body.models.map((m: { slot: string }) => m.slot).sort()).toEqual(['default', 'sim']);
  });

  it('serialises concurrent appends into one chain', async () => {
    const audit = app.get(AuditService);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        audit.append({
          actor: 'experiments',
          kind: 'experiment.decision',
          subject: `experiment:e${i}`,
          payload: { i },
        }),
      ),
    );
    const verify = await api('GET', '/admin/audit/verify', KEYS.aud);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, firstBroken: null });
    const { rows } = await client.query(
      'SELECT count(DISTINCT prev_hash)::int AS links, count(*)::int AS n FROM audit_record',
    );
    expect(rows[0].links).toBe(rows[0].n); // no two records share a predecessor: no fork
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit table', async () => {
    await expect(client.query(`UPDATE audit_record SET actor = 'mallory' WHERE seq = 3`)).rejects.toThrow(
      /append-only/,
    );
    await expect(client.query('DELETE FROM audit_record WHERE seq = 3')).rejects.toThrow(/append-only/);
    await expect(client.query('TRUNCATE audit_record')).rejects.toThrow(/append-only/);
  });

  it('detects a record edited behind the trigger, at its seq (API and npm run audit:verify)', async () => {
    const { rows } = await client.query(`SELECT seq::text, payload FROM audit_record WHERE kind = 'policy.override'`);
    const seq = rows[0].seq as string;
    const original = JSON.stringify(rows[0].payload);
    const tamper = async (payload: string) => {
      await client.query('ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_update_delete');
      await client.query('UPDATE audit_record SET payload = $2::jsonb WHERE seq = $1', [seq, payload]);
      await client.query('ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_update_delete');
    };
    await tamper(JSON.stringify({ ...rows[0].payload, justification: 'nothing to see here, routine change' }));

    const verify = await api('GET', '/admin/audit/verify', KEYS.aud);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { seq, problem: 'hash-mismatch' } });
    const cli = spawnSync(process.execPath, [path.join(root, 'scripts/run-ts.js'), 'src/cli/audit-verify.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: dbUrl, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`audit chain BROKEN at seq ${seq} (hash-mismatch)`);

    await tamper(original); // put it back: the chain verifies again
    const intact = await api('GET', '/admin/audit/verify', KEYS.aud);
    expect(intact.body.ok).toBe(true);
    const anchor = `${intact.body.lastSeq}:${intact.body.head}`;
    expect((await api('GET', `/admin/audit/verify?anchor=${anchor}`, KEYS.aud)).body.ok).toBe(true);
    // A chain re-hashed after an edit is self-consistent; a head kept elsewhere still exposes it.
    const rewritten = await api('GET', `/admin/audit/verify?anchor=${intact.body.lastSeq}:${'a'.repeat(64)}`, KEYS.aud);
    expect(rewritten.body).toMatchObject({
      ok: false,
      firstBroken: { seq: intact.body.lastSeq, problem: 'anchor-mismatch' },
    });
  });

  it('detects a deleted record and a forged one at the first broken seq', async () => {
    const { rows } = await client.query(
      'SELECT seq::text AS s, hash FROM audit_record ORDER BY audit_record.seq DESC LIMIT 1',
    );
    const last = { seq: rows[0].s as string };
    // A forged record appended with a made-up link.
    await client.query(
      `INSERT INTO audit_record (seq, at, actor, kind, subject, payload, prev_hash, hash)
       VALUES ($1, now(), 'mallory', 'policy.decision', 'model:x', '{"allowed":true}', $2, $3)`,
      [String(BigInt(last.seq) + 1000n), 'e'.repeat(64), 'd'.repeat(64)],
    );
    let verify = await api('GET', '/admin/audit/verify', KEYS.aud);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { seq: String(BigInt(last.seq) + 1000n) } });

    // Deleting a record in the middle breaks the link of the one after it.
    const { rows: middle } = await client.query(
      `SELECT seq::text AS s FROM audit_record WHERE kind = 'model.registered' ORDER BY audit_record.seq LIMIT 2`,
    );
    await client.query('ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_update_delete');
    await client.query('DELETE FROM audit_record WHERE seq = $1', [middle[1].s]);
    await client.query('ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_update_delete');
    const { rows: next } = await client.query(
      'SELECT seq::text AS s FROM audit_record WHERE seq > $1 ORDER BY audit_record.seq LIMIT 1',
      [middle[1].s],
    );
    verify = await api('GET', '/admin/audit/verify', KEYS.aud);
    expect(verify.body).toMatchObject({ ok: false, firstBroken: { seq: next[0].s, problem: 'broken-link' } });
  });
});
