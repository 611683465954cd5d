import { ApiKeyService, type Principal } from '@modules/governance';
import { summariseHistogram } from './console-pages.service';
import { ConsoleSessionService, SESSION_TTL_MS, sameToken } from './console-session.service';
import { escapeHtml, html, raw } from './html';
import { barChart, lineChart } from './views/charts';
import { page, PageContext } from './views/layout';

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
  const keys = new Map<string, Principal>([['good-key', { name: 'rick', role: 'release-manager' }]]);
  const apiKeys = { authenticate: (key: string) => Promise.resolve(keys.get(key) ?? null) } as unknown as ApiKeyService;

  it('exchanges a valid key for a session, re-checks the key, and expires', async () => {
    const sessions = new ConsoleSessionService(apiKeys);
    expect(await sessions.signIn('bad-key')).toBeNull();
    const s = (await sessions.signIn('good-key', 1_000))!;
    expect(s.principal).toEqual({ name: 'rick', role: 'release-manager' });
    expect(s.id).not.toBe(s.csrf);
    expect((await sessions.resolve(s.id, 2_000))?.principal.name).toBe('rick');
    expect(await sessions.resolve(s.id, 1_000 + SESSION_TTL_MS)).toBeNull();
    expect(await sessions.resolve(undefined)).toBeNull();
  });

  it('ends sessions at sign-out and when the key is revoked', async () => {
    const sessions = new ConsoleSessionService(apiKeys);
    const a = (await sessions.signIn('good-key'))!;
    expect(sessions.signOut(a.id)).toBe(true);
    expect(await sessions.resolve(a.id)).toBeNull();
    const b = (await sessions.signIn('good-key'))!;
    keys.delete('good-key');
    expect(await sessions.resolve(b.id)).toBeNull();
  });

  it('compares tokens in constant time and refuses missing ones', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
    expect(sameToken('', '')).toBe(false);
  });
});
