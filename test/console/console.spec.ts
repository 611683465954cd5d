import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import puppeteer, { Browser, BrowserContext, Page } from 'puppeteer-core';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { writeArtifact } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { loadConfig } from '@modules/config';
import { CanaryService, ExperimentsRepository, ExperimentsService } from '@modules/experiments';
import { AuditService, ModelRegistryService, PromotionGate } from '@modules/governance';
import { LiveModels } from '@modules/serving';
import { StorageService } from '@modules/storage';
import { waitFor } from '../support/services';

/**
 * The operator console in a real headless Chromium (Debian's `chromium`,
 * driven by puppeteer-core: nothing is downloaded). The service runs on the
 * embedded store (PGlite, in-process bus) as after `npm start`; the registry,
 * a denied and an overridden promotion, and a canary that rolls back on its own
 * are made through the same services the admin API calls. Screenshots of the
 * main pages are always taken; they go to docs/console/ (the committed ones)
 * when CONSOLE_SCREENSHOTS=docs, else to a temporary directory, so a test run
 * leaves the checkout clean. In CI a missing browser fails the suite.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS =
  process.env.CONSOLE_SCREENSHOTS === 'docs'
    ? path.resolve(__dirname, '../../docs/console')
    : mkdtempSync(path.join(tmpdir(), 'marquee-console-shots-'));
const KEYS = {
  viewer: 'viewer-key-0123456789abcdef',
  'data-scientist': 'scientist-key-0123456789abcdef',
  'release-manager': 'release-key-0123456789abcdef',
  auditor: 'auditor-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
} as const;
type Role = keyof typeof KEYS;
const NAMES: Record<Role, string> = {
  viewer: 'vera',
  'data-scientist': 'dana',
  'release-manager': 'rick',
  auditor: 'audrey',
  admin: 'ada',
};

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  throw new Error(
    `chromium not found at ${CHROMIUM}: run infra/chromium-install.sh (CI must not skip the console tests)`,
  );
}
const describeWithBrowser = haveChromium ? describe : describe.skip;
if (!haveChromium)
  console.warn(`console browser tests skipped: no chromium at ${CHROMIUM} (bash infra/chromium-install.sh)`);

/** A small dataset: 40 users, 12 movies, deterministic. */
function tinyDataset(): InteractionDataset {
  const users = Array.from({ length: 40 }, (_, i) => ({
    id: i + 1,
    age: 20 + (i % 40),
    gender: i % 2 ? ('M' as const) : ('F' as const),
    occupation: null,
  }));
  const movies = Array.from({ length: 12 }, (_, i) => ({
    id: `movie+${i}+2000`,
    genres: [],
    year: 2000,
    language: 'en',
    adult: false,
    runtime: 100,
  }));
  const u: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < users.length; i++) {
    for (let j = 0; j <= i % 6; j++) {
      u.push(i);
      m.push((i + j * 5) % movies.length);
    }
  }
  return {
    snapshotId: 'console-snap',
    contentHash: 'console-hash',
    users,
    movies,
    userIndex: Int32Array.from(u),
    itemIndex: Int32Array.from(m),
    watchMinutes: Float32Array.from(u, () => 90),
    rating: new Float32Array(u.length),
    timestamp: new Float64Array(u.length).fill(Date.UTC(2026, 10, 30)),
    ratingScaleMax: 5,
  };
}

const GATES = {
  fairness: {
    passed: true,
    qualityGap: 0.04,
    maxQualityGap: 0.1,
    dimension: 'age',
    metric: 'ndcg@20',
    groups: {
      age: [
        { group: '<25', users: 120, mean: 0.31 },
        { group: '25-44', users: 340, mean: 0.33 },
        { group: '45+', users: 140, mean: 0.29 },
      ],
    },
  },
  drift: { passed: true, snapshotAgeHours: 5, psi: { activity: 0.02, genres: 0.05, ratings: 0.01 }, reasons: [] },
  poisoning: { passed: true, unreviewedSuspiciousEvents: 0 },
};

describeWithBrowser('operator console in Chromium', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let url: string;
  let browser: Browser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-console-'));
    const dataDir = path.join(dir, 'data');
    const artifact = await popularityTrainer.train(tinyDataset(), { segmented: false }, 1, { workers: 1 });
    for (const name of ['champion', 'worse', 'flagged', 'tampered']) {
      await writeArtifact(path.join(dataDir, 'artifacts', name), { ...artifact, seed: name.length });
    }
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      RATE_LIMIT_ENABLED: 'false',
      SERVING_MODEL_POLL_MS: '300',
      CANARY_TICK_MS: '600000',
      ADMIN_API_KEYS: (Object.keys(KEYS) as Role[]).map((r) => `${NAMES[r]}:${r}:${KEYS[r]}`).join(','),
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpAdapter().getInstance().server.address() as AddressInfo).port}`;

    const registry = app.get(ModelRegistryService);
    const metrics = { champion: 0.3, worse: 0.1, flagged: 0.32, tampered: 0.31 } as const;
    for (const name of Object.keys(metrics) as (keyof typeof metrics)[]) {
      const gates =
        name === 'flagged'
          ? { ...GATES, poisoning: { passed: false, unreviewedSuspiciousEvents: 3, reason: '3 rating bursts' } }
          : GATES;
      ids[name] = (
        await registry.register(
          { artifactDir: `artifacts/${name}`, metrics: { 'ndcg@20': metrics[name], coverage: 0.5 }, gates },
          'dana',
        )
      ).id;
    }
    const gate = app.get(PromotionGate);
    for (const to of ['canary', 'production'] as const) {
      const { decision } = await gate.requestTransition({
        modelId: ids.champion,
        to,
        actor: 'rick',
        role: 'release-manager',
        canaryTelemetry: { requests: 1000, errorRate: 0, latencyP95Ms: 40, onlineMetric: 0.1 },
      });
      expect(decision.reasons).toEqual([]);
    }
    // A canary whose candidate's artifact is altered on disk after registration: the loader refuses it,
    // and the canary controller rolls it back on its own with that reason.
    appendFileSync(path.join(dataDir, 'artifacts/tampered/manifest.json'), '\n');
    await app
      .get(CanaryService)
      .start({ id: 'canary-tampered', candidate: ids.tampered, steps: [0.25, 1] }, 'rick', 'release-manager');
    const live = app.get(LiveModels);
    await waitFor(async () => live.loadFailure(ids.tampered) !== undefined, 30_000);
    await app.get(CanaryService).evaluateAll();
    expect((await app.get(ExperimentsService).get('canary-tampered')).status).toBe('rolled_back');
    // Outcomes the stream join would have written while the canary ran (30 minutes, both arms), through the
    // experiments module's repository, so the page has arms, users and a chart to show.
    const started = Date.UTC(2026, 11, 4, 9, 0);
    const buckets = [];
    const usersOut = [];
    for (const [arm, model, rate] of [
      ['control', ids.champion, 0.3],
      ['candidate', ids.tampered, 0.22],
    ] as const) {
      for (let minute = 0; minute < 30; minute++) {
        const recommendations = 40 + (minute % 7);
        buckets.push({
          experimentId: 'canary-tampered',
          arm,
          modelVersion: model,
          bucketStart: new Date(started + minute * 60_000),
          recommendations,
          conversions: Math.round(recommendations * (rate + 0.04 * Math.sin(minute / 3))),
          errors: 0,
          watchMinutes: recommendations * 20,
          watchMinutesSquares: recommendations * 400,
          ratingSum: 0,
          ratingCount: 0,
          latencySumMs: recommendations * 12,
          latencyHistogram: [recommendations],
        });
      }
      for (let user = 1; user <= (arm === 'control' ? 300 : 100); user++) {
        usersOut.push({
          experimentId: 'canary-tampered',
          userId: user + (arm === 'control' ? 0 : 1000),
          arm,
          recommendations: 4,
          conversions: user % 3 === 0 ? 1 : 0,
          watchMinutes: 30,
        });
      }
    }
    await app.get(ExperimentsRepository).addOutcomes(buckets, usersOut);

    // A few recommendations, so the data & health page has latencies to show.
    const http = app.getHttpAdapter().getInstance();
    for (let user = 1; user <= 20; user++) {
      expect((await http.inject({ method: 'GET', url: `/recommend/${user}` })).statusCode).toBe(200);
    }

    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
      timeout: 60_000,
    });
    mkdirSync(SHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function session(role: Role): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.setBypassCSP(true); // lets the test inject axe-core; the pages themselves run no script
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${url}/console/sign-in`);
    await page.type('#key', KEYS[role]);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return { context, page };
  }

  async function open(page: Page, pathname: string): Promise<number> {
    const response = await page.goto(`${url}${pathname}`);
    return response?.status() ?? 0;
  }

  async function text(page: Page, selector: string): Promise<string> {
    return page.$eval(selector, (el) => (el as unknown as { innerText: string }).innerText);
  }

  /** axe-core in the page: labels, names, contrast, landmarks, ARIA (WCAG 2 A/AA rules). */
  async function expectAccessible(page: Page): Promise<void> {
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const violations = (await page.evaluate(`
      axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) =>
        result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))
    `)) as string[];
    expect(violations).toEqual([]);
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  it('signs in with each role, shows only what the role may use, and signs out', async () => {
    for (const role of Object.keys(KEYS) as Role[]) {
      const { context, page } = await session(role);
      try {
        expect(page.url()).toBe(`${url}/console/models`);
        expect(await text(page, 'header.top .who')).toContain(`${NAMES[role]} ${role}`);
        const nav = await text(page, 'header.top nav');
        expect(nav.includes('Audit')).toBe(role === 'auditor' || role === 'admin');
        const cookies = await context.cookies();
        const cookie = cookies.find((c) => c.name === 'marquee_console')!;
        expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
        await open(page, `/console/models/${ids.worse}`);
        const canPromote = role === 'data-scientist' || role === 'release-manager' || role === 'admin';
        expect((await page.$('form[action$="/promotions"]')) !== null).toBe(canPromote);
        expect((await page.$('#override')) !== null).toBe(role === 'admin');
        await Promise.all([page.waitForNavigation(), page.click('header.top .who button')]);
        expect(page.url()).toBe(`${url}/console/sign-in`);
        // The old cookie, replayed after sign-out, is refused by the server (not just forgotten by the browser).
        const replay = await app
          .getHttpAdapter()
          .getInstance()
          .inject({ method: 'GET', url: '/console/models', headers: { cookie: `marquee_console=${cookie.value}` } });
        expect([replay.statusCode, replay.headers.location]).toEqual([303, '/console/sign-in']);
        await open(page, '/console/models');
        expect(page.url()).toBe(`${url}/console/sign-in`);
      } finally {
        await context.close();
      }
    }
    const signIns = await app.get(AuditService).search({ kind: 'console.sign-in', limit: 50 });
    expect(new Set(signIns.map((r) => r.actor))).toEqual(new Set(Object.values(NAMES)));
    const signOuts = await app.get(AuditService).search({ kind: 'console.sign-out', limit: 50 });
    expect(signOuts).toHaveLength(5);
  }, 180_000);

  it('signs in with the keyboard alone, and refuses a wrong key', async () => {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await page.setBypassCSP(true);
      await page.goto(`${url}/console/sign-in`);
      await page.keyboard.press('Tab'); // the skip link comes first
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
      let guard = 0;
      while ((await page.evaluate('document.activeElement.id')) !== 'key' && guard++ < 10) {
        await page.keyboard.press('Tab');
      }
      await page.keyboard.type('not-a-key-at-all-000000');
      const [refused] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      expect(refused?.status()).toBe(401);
      expect(await text(page, '[role=alert]')).toContain('Unknown or revoked API key');
      await expectAccessible(page);
      await shot(page, 'sign-in');
      await page.focus('#key');
      await page.keyboard.type(KEYS.viewer);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      expect(page.url()).toBe(`${url}/console/models`);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("shows a denied promotion with the policy's reasons", async () => {
    const { context, page } = await session('release-manager');
    try {
      await open(page, `/console/models/${ids.worse}`);
      await page.select('#to', 'canary');
      await page.type('#justification', 'try the new popularity variant');
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/promotions"] button[type=submit]')]);
      const panel = await text(page, '#decision');
      expect(panel).toContain('Denied by the promotion policy: candidate → canary');
      expect(panel).toContain(`candidate ndcg@20 0.1 is worse than champion ${ids.champion}'s 0.3`);
      expect(panel).toMatch(/Policy version \S+/);
      expect(await text(page, 'body')).toContain('denied');
      await expectAccessible(page);
      await shot(page, 'promotion-denied');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('records an override with its justification, visible in the audit view', async () => {
    const justification = 'Poisoning alert reviewed by hand: the bursts are a festival premiere, not an attack.';
    const admin = await session('admin');
    try {
      const page = admin.page;
      await open(page, `/console/models/${ids.flagged}`);
      await page.select('#to', 'canary');
      await page.type('#justification', justification);
      await page.click('#override');
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/promotions"] button[type=submit]')]);
      const panel = await text(page, '#decision');
      expect(panel).toContain('Allowed by override: candidate → canary');
      expect(panel).toContain('poisoning gate failed');
    } finally {
      await admin.context.close();
    }
    const { context, page } = await session('auditor');
    try {
      await open(page, `/console/audit?kind=policy.override`);
      const rows = await text(page, '#audit-records tbody');
      expect(rows).toContain('ada');
      expect(rows).toContain(`model:${ids.flagged}`);
      expect(rows).toContain(justification.slice(0, 60));
      await expectAccessible(page);
      await open(page, `/console/audit`);
      await shot(page, 'audit');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('shows a canary rolled back automatically, with its reason', async () => {
    const { context, page } = await session('data-scientist');
    try {
      await open(page, '/console/experiments?kind=canary');
      expect(await text(page, 'table tbody')).toContain('canary-tampered');
      await expectAccessible(page);
      await shot(page, 'experiments');
      await open(page, '/console/experiments/canary-tampered');
      const panel = await text(page, '#rollback');
      expect(panel).toContain('Rolled back automatically');
      expect(panel).toContain('candidate model could not be loaded');
      expect(await page.$$eval('svg.chart path', (paths) => paths.length)).toBe(2);
      expect(await text(page, 'main')).toContain('Guardrails (at the decision)');
      expect(await text(page, 'main')).toMatch(/control\s+\S+\s+300\s/);
      await expectAccessible(page);
      await shot(page, 'canary-rolled-back');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('lets a viewer see but not act: no button, and a direct POST is refused and audited', async () => {
    const { context, page } = await session('viewer');
    try {
      await open(page, `/console/models/${ids.worse}`);
      expect(await page.$('form[action$="/promotions"]')).toBeNull();
      expect(await page.$('form[action$="/rollback"]')).toBeNull();
      expect(await text(page, 'main')).toContain('cannot change its state');
      // Even with the session's own CSRF token, the role decides.
      const statuses = await page.evaluate(`(async () => {
        const csrf = document.querySelector('input[name=_csrf]').value;
        const post = (action, fields) =>
          fetch(action, { method: 'POST', body: new URLSearchParams({ ...fields, _csrf: csrf }) }).then((r) => r.status);
        return [
          await post('/console/models/${ids.worse}/promotions', { to: 'canary' }),
          await post('/console/slots/default/rollback', { reason: 'viewer tries' }),
        ];
      })()`);
      expect(statuses).toEqual([403, 403]);
      expect(await open(page, '/console/audit')).toBe(403);
      const denied = await app.get(AuditService).search({ kind: 'access.denied', actor: 'vera', limit: 10 });
      expect(denied.map((r) => (r.payload as { reason: string }).reason)).toEqual(
        expect.arrayContaining(['role viewer may not request promotions', 'role viewer may not rollback models']),
      );
      expect((await app.get(ModelRegistryService).get(ids.worse)).state).toBe('candidate');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('refuses a state-changing form without its CSRF token', async () => {
    const { context, page } = await session('admin');
    try {
      await open(page, `/console/models/${ids.worse}`);
      const status = await page.evaluate(`fetch('/console/models/${ids.worse}/promotions', {
        method: 'POST',
        body: new URLSearchParams({ to: 'rejected', _csrf: 'forged' }),
      }).then((r) => r.status)`);
      expect(status).toBe(403);
      expect((await app.get(ModelRegistryService).get(ids.worse)).state).toBe('candidate');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('renders models, a model, data & health and the compliance report, accessibly', async () => {
    const { context, page } = await session('admin');
    try {
      for (const [pathname, name] of [
        ['/console/models', 'models'],
        [`/console/models/${ids.champion}`, 'model'],
        ['/console/health', 'health'],
        [`/console/reports/models/${ids.champion}`, 'compliance-report'],
      ] as const) {
        expect(await open(page, pathname)).toBe(200);
        await expectAccessible(page);
        await shot(page, name);
      }
      // Bad input gets a clear 4xx page, never a crash.
      expect(await open(page, '/console/models?page=abc')).toBe(400);
      expect(await text(page, '[role=alert]')).toContain('page');
      expect(await open(page, '/console/audit?before=1;DROP')).toBe(400);
      expect(await open(page, '/console/models/no-such-model')).toBe(404);
      expect(await text(page, '[role=alert]')).toContain('no-such-model is not registered');
      await open(page, '/console/health');
      const health = await text(page, 'main');
      expect(health).toContain(ids.champion);
      const charts = await page.$$eval('svg.chart title', (titles) => titles.map((t) => t.textContent));
      expect(charts).toEqual(['Population stability index (PSI) per feature', 'ndcg@20 by age']);
      await open(page, `/console/reports/models/${ids.champion}`);
      expect(await text(page, 'article.report')).toContain(`Compliance report: model ${ids.champion}`);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('verifies the audit chain with an anchor and flags a tampered row at its seq', async () => {
    const { context, page } = await session('auditor');
    const sql = app.get(StorageService).sql;
    const [target] = await app.get(AuditService).search({ kind: 'policy.override', limit: 1 });
    try {
      await open(page, '/console/audit/verify');
      expect(await text(page, '#verification')).toContain('Chain verified');
      const anchor = await text(page, '#anchor');
      expect(anchor).toMatch(/^\d+:[0-9a-f]{64}$/);
      await open(page, `/console/audit/verify?anchor=${anchor}`);
      expect(await text(page, '#verification')).toContain('anchor');

      await sql.query('ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_update_delete');
      await sql.query(`UPDATE audit_record SET actor = 'mallory' WHERE seq = $1`, [target.seq]);
      await sql.query('ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_update_delete');
      await page.goto(`${url}/console/audit`);
      await page.type('#anchor-in', anchor);
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/audit/verify"] button')]);
      expect(await text(page, '#verification')).toContain('Chain broken');
      expect(await text(page, '#broken-seq')).toBe(target.seq);
      expect(await text(page, `#audit-records tr[data-seq="${target.seq}"] td`)).toBe(`${target.seq} (broken)`);
      await expectAccessible(page);
      await shot(page, 'audit-tampered');
    } finally {
      await sql.query('ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_update_delete');
      await sql.query(`UPDATE audit_record SET actor = $2 WHERE seq = $1`, [target.seq, target.actor]);
      await sql.query('ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_update_delete');
      await context.close();
    }
    expect((await app.get(AuditService).verify()).ok).toBe(true);
  }, 90_000);
  it('rolls a slot back from the console, as the release manager', async () => {
    const admin = await session('admin');
    try {
      // Through the earlier test the flagged model is a canary already; run alone, it is first overridden to canary.
      const targets =
        (await app.get(ModelRegistryService).get(ids.flagged)).state === 'candidate'
          ? ['canary', 'production']
          : ['production'];
      for (const target of targets) {
        await open(admin.page, `/console/models/${ids.flagged}`);
        await admin.page.select('#to', target);
        await admin.page.type(
          '#justification',
          'Emergency: the champion mis-ranks the new catalogue; reviewed by the board.',
        );
        await admin.page.click('#override');
        await Promise.all([
          admin.page.waitForNavigation(),
          admin.page.click('form[action$="/promotions"] button[type=submit]'),
        ]);
      }
      expect(await text(admin.page, '#decision')).toContain('Allowed by override: canary → production');
    } finally {
      await admin.context.close();
    }
    const { context, page } = await session('release-manager');
    try {
      await open(page, `/console/models/${ids.flagged}`);
      await page.type('#reason', 'online conversion dropped after the override');
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/rollback"] button[type=submit]')]);
      expect(await text(page, '[role=status]')).toContain(`${ids.champion} serves again`);
      const registry = app.get(ModelRegistryService);
      expect((await registry.serving('default')).production?.id).toBe(ids.champion);
      const [record] = await app.get(AuditService).search({ kind: 'model.rolled-back', limit: 1 });
      expect(record).toMatchObject({ actor: 'rick' });
      expect(JSON.stringify(record.payload)).toContain('online conversion dropped after the override');
    } finally {
      await context.close();
    }
  }, 90_000);
  it('marks the session cookie Secure behind a TLS-terminating ingress', async () => {
    const http = app.getHttpAdapter().getInstance();
    const headers = { 'x-forwarded-proto': 'https' };
    const form = await http.inject({ method: 'GET', url: '/console/sign-in', headers });
    const pre = String(form.headers['set-cookie']);
    expect(pre).toMatch(/; Secure/);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
    const signedIn = await http.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { ...headers, cookie: pre.split(';')[0], 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ key: KEYS.auditor, _csrf: token }).toString(),
    });
    expect(signedIn.statusCode).toBe(303);
    const cookies = ([] as string[]).concat(signedIn.headers['set-cookie'] as string | string[]);
    expect(cookies.find((c) => c.startsWith('marquee_console='))).toMatch(/HttpOnly; Secure; SameSite=Strict/);
  });
});
