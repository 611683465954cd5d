import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { MetricsRegistry } from '@modules/metrics';

const ROOT = path.resolve(__dirname, '../..');
const DASHBOARDS = path.join(ROOT, 'grafana/dashboards');

/** Words PromQL reserves (aggregations, set and vector-matching operators, modifiers). */
const KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'atan2',
  'inf', 'nan',
]); // prettier-ignore

/** Series Prometheus creates itself for every target. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/**
 * Metric names a PromQL expression selects: identifiers that are not
 * functions (followed by `(`), keywords, label names (inside `{…}` or a
 * `by (…)`-style list), durations or strings.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?=\s*([({[\s)+\-*/^%<>=!,]|$))/g)) {
    const [, word, next] = match;
    if (next === '(' || KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

interface Panel {
  type: string;
  title: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function dashboards(): { file: string; json: { title: string; uid: string; panels: Panel[] } }[] {
  return readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8')) }));
}

function queries(panels: Panel[]): { panel: string; expr: string }[] {
  return panels.flatMap((p) => [
    ...(p.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: p.title, expr: t.expr as string })),
    ...queries(p.panels ?? []),
  ]);
}

describe('PromQL metric-name extraction', () => {
  it('finds selectors, not functions, keywords, label names or strings', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(marquee_http_request_duration_seconds_bucket{route=~"/a.*"}[5m])))',
      ),
    ).toEqual(['marquee_http_request_duration_seconds_bucket']);
    expect(
      metricNames(
        'sum by (x) (rate(a_total[5m])) / ignoring (x) group_left sum(rate(b_total[5m])) > 0.1 and on (feature) c == 1',
      ).sort(),
    ).toEqual(['a_total', 'b_total', 'c']);
    expect(metricNames('time() - marquee_x_seconds')).toEqual(['marquee_x_seconds']);
    expect(metricNames('up{job="marquee"} == 0')).toEqual(['up']);
  });
});

describe('Grafana dashboards', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  const registered = new Map<string, string>();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-dashboards-'));
    app = await createApp(
      loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test', INGESTION_ENABLED: 'false' }),
      createRootLogger('silent'),
    );
    await app.init();
    // Every metric registered by the service's modules, sampled or not.
    for (const metric of await app.get(MetricsRegistry).registry.getMetricsAsJSON())
      registered.set(metric.name, String(metric.type));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A series name the service exports: the metric itself, or a histogram's / summary's _bucket, _sum, _count. */
  function exported(name: string): boolean {
    if (registered.has(name) || SYNTHETIC.has(name)) return true;
    const m = /^(.*)_(bucket|sum|count)$/.exec(name);
    if (!m) return false;
    const type = registered.get(m[1]);
    return type === 'histogram' || (type === 'summary' && m[2] !== 'bucket');
  }

  it('exist for service health, model quality online, data and drift, experiments and governance', () => {
    expect(
      dashboards()
        .map((d) => d.file)
        .sort(),
    ).toEqual([
      'data-and-drift.json',
      'experiments.json',
      'governance.json',
      'model-quality-online.json',
      'service-health.json',
    ]);
    const uids = dashboards().map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('query only metrics the service actually exports', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const { file, json } of dashboards()) {
      const qs = queries(json.panels);
      expect({ file, queries: qs.length > 0 }).toEqual({ file, queries: true });
      for (const { panel, expr } of qs) {
        const names = metricNames(expr);
        expect({ file, panel, expr, names: names.length > 0 }).toEqual({ file, panel, expr, names: true });
        for (const name of names) {
          checked++;
          if (!exported(name)) missing.push(`${file} / ${panel}: ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('monitoring/METRICS.md says which metrics exist, truthfully', () => {
    const metricsDoc = readFileSync(path.join(ROOT, 'monitoring/METRICS.md'), 'utf8');
    const rows = [...metricsDoc.matchAll(/^\| `(marquee_\w+)` +\|.*\| (yes|no) +\|$/gm)].map((m) => ({
      name: m[1],
      documented: m[2],
    }));
    expect(rows.length).toBeGreaterThan(40);
    const wrong = rows.filter((r) => (r.documented === 'yes') !== registered.has(r.name));
    expect(wrong).toEqual([]);
    const undocumented = [...registered.keys()].filter(
      (name) => !name.startsWith('marquee_process_') && !rows.some((r) => r.name === name),
    );
    expect(undocumented).toEqual([]);
  });

  it('the alert rules also name only exported metrics, except the documented pending ones', () => {
    const rules = readFileSync(path.join(ROOT, 'monitoring/rules/marquee.rules.yml'), 'utf8');
    const exprs = [...rules.matchAll(/expr: (?:\|\n((?: {10}.*\n)+)|(.*)\n)/g)].map((m) => (m[1] ?? m[2]).trim());
    expect(exprs.length).toBeGreaterThanOrEqual(7);
    const metricsDoc = readFileSync(path.join(ROOT, 'monitoring/METRICS.md'), 'utf8');
    const pending = new Set([...metricsDoc.matchAll(/^\| `(marquee_\w+)` \|.*\| no \|/gm)].map((m) => m[1]));
    // Series the rules record themselves (`record: <name>`), e.g. the availability SLO's ratios.
    const recorded = new Set([...rules.matchAll(/^\s*- record: ([\w:]+)/gm)].map((m) => m[1]));
    expect(recorded.size).toBeGreaterThan(0);
    const unknown = exprs
      .flatMap(metricNames)
      .filter((name) => !exported(name) && !pending.has(name) && !recorded.has(name));
    expect(unknown).toEqual([]);
  });
});
