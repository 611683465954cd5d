import { ApiKeyService, AuditService, type Principal } from '@modules/governance';
import { summariseHistogram } from './console-pages.service';
import { ConsoleSessionService, SESSION_TTL_MS, sameToken } from './console-session.service';
import { escapeHtml, html, raw } from './html';
import { barChart, lineChart } from './views/charts';
import { page, PageContext } from './views/layout';
import { tuningSection } from './views/models.view';

describe('html templates', () => {
  it('escapes every interpolated value unless it is already safe markup', () => {
    const evil = `<script>alert("x")</script>&'`;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
    expect(html`<div>${html`<b>${'a<b'}</b>`}${raw('<i>ok</i>')}</div>`.value).toBe(
      '<div><b>a&lt;b</b><i>ok</i></div>',
    );
    expect(html`${['<', 1, null, undefined, false, 2n]}`.value).toBe('&lt;12');
    expect(escapeHtml('"&"')).toBe('&quot;&amp;&quot;');
  });

  it('puts a user-controlled name in a page only escaped', () => {
    const ctx: PageContext = {
      user: { name: '<img src=x onerror=alert(1)>', role: 'viewer' },
      csrf: 'tok"en',
      can: {
        promote: false,
        override: false,
        rollback: false,
        auditRead: false,
        reportsRead: false,
        experimentsRead: true,
      },
    };
    const out = page(ctx, 'models', 'T<', html`<p>body</p>`).value;
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('value="tok&quot;en"');
    expect(out).not.toContain('href="/console/audit"'); // no audit link without audit:read
  });

  it('draws bar charts with the values written out and an accessible name', () => {
    const svg = barChart('PSI <per> feature', [
      { label: 'genres', value: 0.05 },
      { label: 'ratings', value: 0.01, note: '3 users' },
    ]).value;
    expect(svg).toContain('<figcaption>PSI &lt;per&gt; feature</figcaption>');
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(/aria-labelledby="chart-\d+-t chart-\d+-d"/);
    expect(svg).toContain('0.010 (3 users)');
    expect(barChart('empty', []).value).toContain('no data');
  });
});

describe('lineChart', () => {
  it('draws one path per series, told apart by dash pattern, with a legend in words', () => {
    const t0 = Date.UTC(2026, 11, 4, 10, 0);
    const svg = lineChart(
      'Conversions per response',
      [
        {
          name: 'control',
          points: [
            { x: t0, y: 0.1 },
            { x: t0 + 60_000, y: 0.2 },
          ],
        },
        {
          name: 'candidate',
          points: [
            { x: t0, y: 0.05 },
            { x: t0 + 60_000, y: 0.1 },
          ],
        },
      ],
      'conversion',
    ).value;
    expect(svg.match(/<path\s/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toMatch(/>\s*control\s*</);
    expect(svg).toMatch(/>\s*candidate\s*</);
    expect(svg).toContain('10:00');
    expect(lineChart('none', [{ name: 'a', points: [{ x: 1, y: 1 }] }], 'y').value).toContain('not enough data yet');
  });
});

describe('summariseHistogram', () => {
  it('interpolates quantiles within cumulative buckets (seconds → ms)', () => {
    const s = summariseHistogram([
      [0.01, 50],
      [0.1, 100],
      [Infinity, 100],
    ]);
    expect(s.count).toBe(100);
    expect(s.p50Ms).toBeCloseTo(10, 6);
    expect(s.p95Ms).toBeCloseTo(10 + 90 * 0.9, 6);
    expect(summariseHistogram([[0.1, 0]])).toEqual({ count: 0, p50Ms: null, p95Ms: null, p99Ms: null });
  });

  it('reports the last finite bound when the quantile falls in +Inf', () => {
    expect(
      summariseHistogram([
        [0.2, 1],
        [Infinity, 10],
      ]).p95Ms,
    ).toBe(200);
  });
});

describe('ConsoleSessionService', () => {
  /** The key rows (name → role, hash) and the audit trail, in memory. */
  function fakes() {
    const rows = new Map<string, { principal: Principal; keyHash: string; key: string }>([
      ['rick', { principal: { name: 'rick', role: 'release-manager' }, keyHash: 'a'.repeat(64), key: 'good-key' }],
    ]);
    const trail: { kind: string; subject: string }[] = [];
    const apiKeys = {
      authenticate: (key: string) => Promise.resolve([...rows.values()].find((r) => r.key === key)?.principal ?? null),
      activeByName: (name: string) => Promise.resolve(rows.get(name) ?? null),
    } as unknown as ApiKeyService;
    const audit = {
      append: (e: { kind: string; subject: string }) => Promise.resolve(trail.push(e)),
      search: (f: { kind: string; subject: string }) =>
        Promise.resolve(trail.filter((e) => e.kind === f.kind && e.subject === f.subject)),
    } as unknown as AuditService;
    return { rows, sessions: new ConsoleSessionService(apiKeys, audit) };
  }

  it('exchanges a valid key for a signed cookie that any instance accepts until it expires', async () => {
    const { sessions } = fakes();
    expect(await sessions.signIn('bad-key')).toBeNull();
    const s = (await sessions.signIn('good-key', 1_000))!;
    expect(s.principal).toEqual({ name: 'rick', role: 'release-manager' });
    expect(s.cookie).not.toContain('good-key');
    const elsewhere = fakes().sessions; // another replica: no shared memory
    const resolved = await elsewhere.resolve(s.cookie, 2_000);
    expect(resolved).toMatchObject({ id: s.id, csrf: s.csrf, principal: { name: 'rick' } });
    expect(await sessions.resolve(s.cookie, 1_000 + SESSION_TTL_MS)).toBeNull();
    expect(await sessions.resolve(undefined)).toBeNull();
  });

  it('refuses forged, altered and malformed cookies', async () => {
    const { sessions } = fakes();
    const s = (await sessions.signIn('good-key'))!;
    const [payload, signature] = s.cookie.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, n: 'rick', sid: 'x', exp: Date.now() + 1e9 })).toString(
      'base64url',
    );
    for (const bad of [
      `${forged}.${signature}`,
      `${payload}.${signature.slice(1)}x`,
      `${payload}`,
      'garbage',
      `${payload}.${signature}.x`,
      '%%%.%%%',
    ]) {
      expect(await sessions.resolve(bad)).toBeNull();
    }
  });

  it('ends a session at sign-out (on every instance), and all of them when the key is revoked or rotated', async () => {
    const { sessions, rows } = fakes();
    const a = (await sessions.signIn('good-key'))!;
    const b = (await sessions.signIn('good-key'))!;
    await sessions.signOut(a, '127.0.0.1');
    expect(await sessions.resolve(a.cookie)).toBeNull();
    expect(await sessions.resolve(b.cookie)).not.toBeNull();
    rows.set('rick', { ...rows.get('rick')!, keyHash: 'b'.repeat(64) }); // rotated
    expect(await sessions.resolve(b.cookie)).toBeNull();
    rows.delete('rick'); // revoked
    expect(await sessions.resolve(b.cookie)).toBeNull();
  });

  it('compares tokens in constant time and refuses missing ones', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
    expect(sameToken('', '')).toBe(false);
  });
});

describe('hyper-parameter search section', () => {
  it('lists every trial with the chosen one marked, and says why when the record is missing', () => {
    const tuning = {
      method: 'random-search',
      metric: 'ndcg@20',
      budget: { trials: 2, seconds: 60 },
      stoppedBy: 'trials',
      validation: { description: 'global temporal split', sourceRows: 1200 },
      best: { trial: 1, metric: 0.21 },
      trials: [
        { trial: 0, params: {}, metric: 0.2, seconds: 0.4, status: 'ok' },
        { trial: 1, params: { alpha: '<b>' }, metric: 0.21, seconds: 0.5, status: 'ok' },
      ],
    };
    const out = String((tuningSection(tuning, 'verified') as { value: string }).value);
    expect(out).toContain('<td>1 (chosen)</td>');
    expect(out).toContain('<td>0.2000</td>');
    expect(out).toContain('&lt;b&gt;');
    expect(out).not.toContain('<b>');
    const missing = String((tuningSection(null, 'artifact-altered') as { value: string }).value);
    expect(missing).toContain('Not available (artifact-altered)');
  });
});
