/**
 * Every kind of SVG plot the repository commits (reports/, audits/) is drawn
 * with the axes of @lib/svg-chart, and each kind, rendered here with awkward
 * data (negative values, long labels, many ticks), keeps its axes readable:
 * a y axis with labelled ticks, no axis text over another text, nothing
 * outside the picture, bars on one zero line (negative ones below it). The
 * flaws this guards against were real: a loop timeline whose axis titles
 * overlapped the tick labels, a poisoning chart without a y axis whose
 * negative shifts were drawn as zero-height bars.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { timelineSvg } from '@app/cli/loop-report';
import { poisoningSvg } from '@app/cli/poisoning-chart';
import { placedTexts, textsOverlap } from '@lib/svg-chart';
import { scatterPlot } from '@lib/training';
import { conversionPlot } from '@modules/experiments';
import { barChart, lineChart } from '@modules/fairness';
import { distributionSvg } from '@modules/monitoring';

const ROOT = path.resolve(__dirname, '../..');
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 24);

interface PlotKind {
  readonly kind: string;
  /** Committed files of this kind (paths relative to the repository root). */
  readonly files: RegExp;
  readonly render: () => string;
}

const KINDS: PlotKind[] = [
  {
    kind: 'poisoning bars (security:poisoning-report)',
    files: /^reports\/security\/poisoning\.svg$/,
    render: () =>
      poisoningSvg(
        ['random', 'average', 'bandwagon'].flatMap((attack, a) =>
          [0.01, 0.03, 0.05].map((size, s) => ({
            attack,
            size,
            hitShiftUndefended: (a - 1) * 0.02 + s * 0.01 - 0.004,
            hitShiftDefended: s === 1 ? -0.003 : 0,
          })),
        ),
      ),
  },
  {
    kind: 'retraining loop timeline (loop:simulate)',
    files: /^reports\/loop\/[^/]+\/timeline\.svg$/,
    render: () =>
      timelineSvg(
        Array.from({ length: 4 * 48 + 1 }, (_, i) => ({
          simTime: new Date(T0 + i * 30 * 60_000).toISOString(),
          wallSeconds: i,
          production: i < 100 ? 'item-knn-aaaaaaaaaaaa' : 'item-knn-bbbbbbbbbbbb',
          canary: i > 60 && i < 100 ? { id: 'c1', candidate: 'item-knn-bbbbbbbbbbbb', share: i < 80 ? 0.1 : 1 } : null,
          responses: 300,
          conversions: 200,
          conversion: i === 0 ? null : 0.6 + 0.3 * Math.sin(i / 7),
          perVersion: {},
        })),
        new Date(T0).toISOString(),
        new Date(T0 + 4 * DAY).toISOString(),
      ),
  },
  {
    kind: 'drift distributions (drift:report)',
    files: /^reports\/drift\/[^/]+\/s\d+-\w+\.svg$/,
    render: () =>
      distributionSvg(
        {
          feature: 'user_activity',
          kind: 'data',
          psi: 0.3,
          referenceSamples: 1000,
          recentSamples: 800,
          insufficient: false,
          drifted: true,
          bins: {
            labels: ['1', '2', '3', '4–6', '7–10', '11–20', '21–50', '51–100', '≥ 101 movies a day'],
            reference: [400, 200, 120, 90, 70, 50, 40, 20, 10],
            recent: [100, 150, 160, 140, 100, 80, 40, 20, 10],
          },
        },
        'Taste drift scenario: user_activity',
      )!,
  },
  {
    kind: 'experiment conversion (experiment:report)',
    files: /^reports\/experiments\/[^/]+\/conversion\.svg$/,
    render: () =>
      conversionPlot(
        'Experiment exp-1: cumulative conversion per arm',
        ['control', 'treatment'].map((arm, a) => ({
          arm,
          points: Array.from({ length: 30 }, (_, i) => ({
            at: T0 + i * 60_000,
            recommendations: 10 * (i + 1),
            conversions: 3 * (i + 1) + a,
            rate: 0.3 + a * 0.05 + 0.01 * Math.sin(i),
          })),
        })),
      ),
  },
  {
    kind: 'fairness bars (fairness:report quality per group, exposure per genre)',
    files: /^audits\/fairness-.+-(quality-\w+|genres)\.svg$/,
    render: () =>
      barChart({
        title: 'NDCG@20 per occupation group (95% bootstrap interval)',
        xLabel: 'occupation',
        yLabel: 'NDCG@20 difference to the mean',
        bars: [
          'academic/educator',
          'artist',
          'clerical/admin',
          'college/grad student',
          'customer service',
          'doctor/health care',
        ].map((label, i) => ({
          label,
          value: (i - 2.5) * 0.01,
          ci: [(i - 2.5) * 0.01 - 0.005, (i - 2.5) * 0.01 + 0.005] as const,
        })),
        reference: { value: 0, label: 'overall' },
      }),
  },
  {
    kind: 'lines (fairness:report Lorenz curve, feedback:study metrics)',
    files: /^(audits\/fairness-.+-lorenz\.svg|reports\/feedback\/(?:[\w-]+\/)?\w+\.svg)$/,
    render: () =>
      lineChart({
        title: 'Exposure Gini per cycle',
        xLabel: 'cycle',
        yLabel: 'exposureGini',
        yFromZero: false,
        series: ['control', 'loop', 'mitigated', 'frozen'].map((label, s) => ({
          label,
          dashed: s === 3,
          points: Array.from({ length: 11 }, (_, i) => ({ x: i, y: -0.2 + 0.05 * s + 0.01 * i })),
        })),
      }),
  },
  {
    kind: 'offline scatter (eval: quality vs training time / latency)',
    files: /^reports\/offline\/[^/]+\/quality-vs-[\w-]+\.svg$/,
    render: () =>
      scatterPlot({
        title: 'NDCG@20 vs training time',
        xLabel: 'training time (s)',
        yLabel: 'NDCG@20',
        logX: true,
        points: [
          { label: 'popularity', x: 0.4, y: 0.05 },
          { label: 'item-knn', x: 40, y: 0.12 },
          { label: 'als', x: 900, y: 0.16 },
        ],
      }),
  },
];

function committedSvgs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      const rel = `${dir}/${name}`;
      if (statSync(path.join(ROOT, rel)).isDirectory()) walk(rel);
      else if (name.endsWith('.svg')) out.push(rel);
    }
  };
  walk('reports');
  walk('audits');
  return out.sort();
}

/** What the axes of one rendered plot must satisfy. */
function axisProblems(svg: string): string[] {
  const problems: string[] = [];
  const size = /<svg[^>]*width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  if (!size) return ['no <svg width height>'];
  const [width, height] = [Number(size[1]), Number(size[2])];
  if (!svg.includes('data-axes="svg-chart"')) problems.push('axes not drawn by @lib/svg-chart');
  const texts = placedTexts(svg);
  const axes = texts.filter((t) => t.inAxes);
  if (axes.length < 3) problems.push(`only ${axes.length} axis labels`);
  for (const t of texts) {
    const b = t.box;
    if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > width + 0.5 || b.y + b.height > height + 0.5)
      problems.push(`"${b.text}" outside the ${width}×${height} picture`);
  }
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++)
      if ((texts[i].inAxes || texts[j].inAxes) && textsOverlap(texts[i], texts[j]))
        problems.push(`"${texts[i].box.text}" overlaps "${texts[j].box.text}"`);
  // Bars: one zero line for all; positive bars end on it from above, negative ones hang from it.
  const zeros = new Set<string>();
  for (const m of svg.matchAll(
    /<rect x="[\d.-]+" y="([\d.-]+)" width="[\d.]+" height="([\d.]+)" data-value="([^"]+)"/g,
  )) {
    const [y, h, v] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (v !== 0 && h < 1) problems.push(`bar of ${v} drawn ${h} px tall`);
    if (v > 0) zeros.add((y + h).toFixed(0));
    if (v < 0) zeros.add(y.toFixed(0));
  }
  if (zeros.size > 1) problems.push(`bars do not share one zero line: ${[...zeros].join(', ')}`);
  return problems;
}

describe('SVG plots', () => {
  it('every committed plot is of a kind rendered here', () => {
    const files = committedSvgs();
    expect(files.length).toBeGreaterThan(30);
    const unknown = files.filter((f) => KINDS.filter((k) => k.files.test(f)).length !== 1);
    expect(unknown).toEqual([]);
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))('%s: axes from the shared helper, readable', (_, k) => {
    expect(axisProblems(k.render())).toEqual([]);
  });

  it('every committed plot is drawn with the shared axes and passes the same checks', () => {
    const problems = committedSvgs().flatMap((f) =>
      axisProblems(readFileSync(path.join(ROOT, f), 'utf8')).map((p) => `${f}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('the checks catch the flaws they are for', () => {
    const flawed =
      '<svg width="200" height="100" font-size="12"><g class="axes" data-axes="svg-chart">' +
      '<text x="40" y="20" text-anchor="end">100%</text><text x="40" y="50" text-anchor="end">0%</text>' +
      '<text x="4" y="20">canary share</text></g>' +
      '<rect x="50" y="50" width="10" height="0" data-value="-0.2"/></svg>';
    const problems = axisProblems(flawed);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/overlaps/), expect.stringMatching(/bar of -0.2 drawn 0 px/)]),
    );
  });
});
