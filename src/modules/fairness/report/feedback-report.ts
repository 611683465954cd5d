import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { lineChart } from './svg-charts';

/** The per-cycle figures of one arm, as the feedback study records them. */
export interface FeedbackCycle {
  readonly cycle: number;
  /** Watches started from a recommendation / recommendation requests (null without recommendations). */
  readonly conversion: number | null;
  readonly watchesPerSession: number;
  /** Share of started watches that were finished (the simulated user liked them). */
  readonly completionRate: number;
  /** Concentration of what was recommended (null without recommendations). */
  readonly exposureGini: number | null;
  readonly exposureTop10Share: number | null;
  readonly exposureCoverage: number | null;
  /** Concentration and coverage of what was watched (comparable across all arms). */
  readonly watchGini: number;
  readonly watchCoverage: number;
  /** Entropy (bits) of the genre mix of all watches in the cycle. */
  readonly genreEntropy: number;
  /** Mean cosine between each user's watched genre mix and their hidden genre affinities (1 = aligned). */
  readonly tasteAlignment: number;
}

export interface FeedbackStudyReportInput {
  readonly options: Record<string, unknown>;
  readonly arms: Record<string, readonly FeedbackCycle[]>;
  readonly command: string;
}

const METRICS: readonly { key: keyof FeedbackCycle; title: string; note: string }[] = [
  { key: 'exposureGini', title: 'Gini of recommendation exposure', note: 'concentration of what was shown' },
  {
    key: 'exposureCoverage',
    title: 'Catalog coverage of recommendations',
    note: 'share of movies shown at least once',
  },
  { key: 'watchGini', title: 'Gini of watches', note: 'concentration of consumption (all arms)' },
  { key: 'watchCoverage', title: 'Catalog coverage of watches', note: 'share of movies watched at least once' },
  { key: 'genreEntropy', title: 'Genre entropy of watches (bits)', note: 'diversity of what users watch' },
  {
    key: 'tasteAlignment',
    title: 'Alignment of watched genre mix with hidden tastes (cosine)',
    note: 'lower = observed behaviour further from hidden tastes',
  },
  { key: 'conversion', title: 'Conversion (watches from recommendations / requests)', note: 'online conversion' },
  { key: 'watchesPerSession', title: 'Watches per session', note: 'engagement (all arms)' },
  { key: 'completionRate', title: 'Completion rate of watches', note: 'share of started movies finished' },
];

const f = (v: unknown, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');

function mean(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Writes <dir>/study.md, study.json and one SVG per metric over cycles. */
export async function writeFeedbackStudyReport(
  input: FeedbackStudyReportInput,
  dir: string,
): Promise<{ markdownPath: string; jsonPath: string; plots: string[] }> {
  await fs.mkdir(dir, { recursive: true });
  const arms = Object.keys(input.arms);
  const plots: string[] = [];
  const lines: string[] = [
    '# Feedback-loop study',
    '',
    `Command: \`${input.command}\` (every figure is reproducible from these options; the seed fixes the world, the ` +
      'warm-up and each cycle’s random numbers, shared by the arms).',
    '',
    `Options: \`${JSON.stringify(input.options)}\``,
    '',
    'Cycle 0 is the recommendation-free warm-up shared by all arms; from cycle 1 each arm retrains its model on ' +
      'everything it has logged (data its own recommendations shaped) and serves one cycle.',
    '',
  ];

  const later = (arm: string) => input.arms[arm].filter((c) => c.cycle >= 1);
  lines.push(
    '## Summary (mean over cycles ≥ 1; first → last cycle in brackets)',
    '',
    `| metric | ${arms.join(' | ')} |`,
  );
  lines.push(`| --- | ${arms.map(() => '---:').join(' | ')} |`);
  for (const m of METRICS) {
    const cells = arms.map((arm) => {
      const cycles = later(arm);
      const values = cycles.map((c) => c[m.key] as number | null);
      if (values.every((v) => v === null)) return '—';
      return `${f(mean(values))} (${f(values[0])} → ${f(values[values.length - 1])})`;
    });
    lines.push(`| ${m.title} | ${cells.join(' | ')} |`);
  }
  lines.push('');

  lines.push(...findings(input.arms), '');

  lines.push('## Per cycle', '');
  for (const m of METRICS) {
    const series = arms
      .filter((arm) => input.arms[arm].some((c) => typeof c[m.key] === 'number'))
      .map((arm) => ({
        label: arm,
        points: input.arms[arm]
          .filter((c) => typeof c[m.key] === 'number')
          .map((c) => ({ x: c.cycle, y: c[m.key] as number })),
      }));
    const file = `${String(m.key)}.svg`;
    await fs.writeFile(
      path.join(dir, file),
      lineChart({ title: m.title, xLabel: 'cycle', yLabel: String(m.key), series, yFromZero: false }),
    );
    plots.push(file);
    const cycles = Math.max(...arms.map((a) => input.arms[a].length));
    lines.push(`### ${m.title}`, '', `${m.note}.`, '', `![${m.title}](${file})`, '');
    lines.push(`| cycle | ${arms.join(' | ')} |`, `| ---: | ${arms.map(() => '---:').join(' | ')} |`);
    for (let c = 0; c < cycles; c++)
      lines.push(`| ${c} | ${arms.map((a) => f(input.arms[a][c]?.[m.key])).join(' | ')} |`);
    lines.push('');
  }

  const markdownPath = path.join(dir, 'study.md');
  const jsonPath = path.join(dir, 'study.json');
  await fs.writeFile(markdownPath, lines.join('\n'));
  await fs.writeFile(jsonPath, JSON.stringify({ options: input.options, arms: input.arms }, null, 2) + '\n');
  return { markdownPath, jsonPath, plots };
}

/** Plain-language findings computed from the figures (loop vs. control; mitigation vs. loop). */
function findings(arms: Record<string, readonly FeedbackCycle[]>): string[] {
  const { control, loop, mitigated } = arms;
  if (!control || !loop) return [];
  const later = (cycles: readonly FeedbackCycle[]) => cycles.filter((c) => c.cycle >= 1);
  const avg = (cycles: readonly FeedbackCycle[], key: keyof FeedbackCycle) =>
    mean(later(cycles).map((c) => c[key] as number | null)) ?? NaN;
  const first = (cycles: readonly FeedbackCycle[], key: keyof FeedbackCycle) => later(cycles)[0]?.[key] as number;
  const last = (cycles: readonly FeedbackCycle[], key: keyof FeedbackCycle) =>
    later(cycles)[later(cycles).length - 1]?.[key] as number;
  const out = ['## Findings', ''];
  const dWatch = avg(loop, 'watchGini') - avg(control, 'watchGini');
  out.push(
    `- **Loop vs. control, concentration of watches:** mean watch Gini ${f(avg(loop, 'watchGini'))} with the ` +
      `model vs. ${f(avg(control, 'watchGini'))} without recommendations (${dWatch >= 0 ? '+' : ''}${f(dWatch)}); ` +
      `coverage of watches ${f(avg(loop, 'watchCoverage'))} vs. ${f(avg(control, 'watchCoverage'))}.`,
    `- **Loop over cycles:** exposure Gini ${f(first(loop, 'exposureGini'))} → ${f(last(loop, 'exposureGini'))}, ` +
      `recommendation coverage ${f(first(loop, 'exposureCoverage'))} → ${f(last(loop, 'exposureCoverage'))}, ` +
      `watch Gini ${f(first(loop, 'watchGini'))} → ${f(last(loop, 'watchGini'))}.`,
    `- **Distance from hidden tastes:** alignment (cosine of watched genre mix with hidden genre affinities) ` +
      `${f(avg(loop, 'tasteAlignment'))} with the model vs. ${f(avg(control, 'tasteAlignment'))} in control ` +
      `(first → last loop cycle ${f(first(loop, 'tasteAlignment'))} → ${f(last(loop, 'tasteAlignment'))}); ` +
      `genre entropy of watches ${f(avg(loop, 'genreEntropy'))} vs. ${f(avg(control, 'genreEntropy'))} bits.`,
    `- **What recommendations buy:** watches per session ${f(avg(loop, 'watchesPerSession'))} vs. ` +
      `${f(avg(control, 'watchesPerSession'))} in control; completion ${f(avg(loop, 'completionRate'))} vs. ` +
      `${f(avg(control, 'completionRate'))}.`,
  );
  const { frozen } = arms;
  if (frozen) {
    out.push(
      `- **Retraining on self-shaped data (loop vs. frozen cycle-1 model):** conversion ` +
        `${f(avg(loop, 'conversion'))} vs. ${f(avg(frozen, 'conversion'))} (last cycle ${f(last(loop, 'conversion'))} ` +
        `vs. ${f(last(frozen, 'conversion'))}); exposure Gini ${f(avg(loop, 'exposureGini'))} vs. ` +
        `${f(avg(frozen, 'exposureGini'))}; alignment with hidden tastes ${f(avg(loop, 'tasteAlignment'))} vs. ` +
        `${f(avg(frozen, 'tasteAlignment'))}. A decline shared by both is exhaustion (users have already seen ` +
        `their best matches, which are excluded), not the loop.`,
    );
  }
  if (frozen) {
    const trend = last(loop, 'exposureGini') - first(loop, 'exposureGini');
    const vsFrozen = avg(loop, 'exposureGini') - avg(frozen, 'exposureGini');
    const amplifies = trend > 0.01 && vsFrozen > 0.01;
    const dAlign = avg(loop, 'tasteAlignment') - avg(control, 'tasteAlignment');
    const dComplete = avg(loop, 'completionRate') - avg(control, 'completionRate');
    out.push(
      `- **Verdict on the loop:** over the cycles the retrained model's exposure Gini moved by ` +
        `${trend >= 0 ? '+' : ''}${f(trend)} and sits ${vsFrozen >= 0 ? '+' : ''}${f(vsFrozen)} from the ` +
        `never-retrained model's. A popularity-amplifying loop shows both rising; ` +
        (amplifies
          ? 'here it does: retraining on self-shaped data concentrates exposure.'
          : 'here neither is positive, so the concentration loop is weak or absent in this world. ') +
        `What recommendations measurably change is behaviour: alignment of watched genres with hidden tastes ` +
        `${dAlign >= 0 ? '+' : ''}${f(dAlign)} and completion ${dComplete >= 0 ? '+' : ''}${f(dComplete)} vs. control.`,
    );
  }
  if (mitigated) {
    const dGini = avg(mitigated, 'exposureGini') - avg(loop, 'exposureGini');
    const dConv = avg(mitigated, 'conversion') - avg(loop, 'conversion');
    out.push(
      `- **Mitigation:** exposure Gini ${f(avg(mitigated, 'exposureGini'))} vs. ${f(avg(loop, 'exposureGini'))} ` +
        `(${dGini >= 0 ? '+' : ''}${f(dGini)}), top-10% exposure share ${f(avg(mitigated, 'exposureTop10Share'))} vs. ` +
        `${f(avg(loop, 'exposureTop10Share'))}, watch Gini ${f(avg(mitigated, 'watchGini'))} vs. ` +
        `${f(avg(loop, 'watchGini'))}; it costs ${f(-dConv, 4)} conversion ` +
        `(${f(avg(mitigated, 'conversion'))} vs. ${f(avg(loop, 'conversion'))}, ` +
        `${f((-100 * dConv) / avg(loop, 'conversion'), 1)}% relative) and watches per session ` +
        `${f(avg(mitigated, 'watchesPerSession'))} vs. ${f(avg(loop, 'watchesPerSession'))}.`,
    );
  }
  out.push(
    '- One seed, one world: differences of a few thousandths are within simulation noise (arms share the random ' +
      'numbers of every cycle, which removes much but not all of it). Run other seeds before relying on small effects.',
  );
  return out;
}
