import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExperimentAnalysis } from './analysis';
import { Experiment } from './experiment';
import { MetricSeriesPoint } from './experiments.repository';

export const DEFAULT_EXPERIMENT_REPORTS_DIR = path.resolve(__dirname, '../../../reports/experiments');

export interface ArmSeries {
  readonly arm: string;
  /** Cumulative response-level conversion after each minute with data. */
  readonly points: readonly { at: number; recommendations: number; conversions: number; rate: number }[];
}

/** Cumulative conversion per arm over time (what the plot shows). */
export function cumulativeSeries(series: readonly MetricSeriesPoint[]): ArmSeries[] {
  const byArm = new Map<string, { at: number; recommendations: number; conversions: number; rate: number }[]>();
  const totals = new Map<string, [number, number]>();
  for (const p of series) {
    const t = totals.get(p.arm) ?? [0, 0];
    t[0] += p.recommendations;
    t[1] += p.conversions;
    totals.set(p.arm, t);
    const list = byArm.get(p.arm) ?? [];
    list.push({ at: p.bucketStart.getTime(), recommendations: t[0], conversions: t[1], rate: t[0] ? t[1] / t[0] : 0 });
    byArm.set(p.arm, list);
  }
  return [...byArm.entries()].map(([arm, points]) => ({ arm, points }));
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A hand-written SVG line chart: cumulative conversion per arm against time. */
export function conversionPlot(title: string, arms: readonly ArmSeries[]): string {
  const W = 720;
  const H = 400;
  const m = { left: 60, right: 140, top: 40, bottom: 50 };
  const all = arms.flatMap((a) => a.points);
  const t0 = Math.min(...all.map((p) => p.at), Date.now());
  const t1 = Math.max(...all.map((p) => p.at), t0 + 60_000);
  const yMax = Math.max(0.05, ...all.map((p) => p.rate)) * 1.1;
  const x = (t: number) => m.left + ((t - t0) / (t1 - t0)) * (W - m.left - m.right);
  const y = (v: number) => H - m.bottom - (v / yMax) * (H - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    parts.push(
      `<line x1="${m.left - 4}" y1="${y(v)}" x2="${W - m.right}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${m.left - 8}" y="${y(v) + 4}" text-anchor="end">${(v * 100).toFixed(1)}%</text>`,
    );
    const t = t0 + ((t1 - t0) * i) / 5;
    parts.push(
      `<text x="${x(t)}" y="${H - m.bottom + 18}" text-anchor="middle">${new Date(t).toISOString().slice(5, 16).replace('T', ' ')}</text>`,
    );
  }
  parts.push(
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 10}" text-anchor="middle">time (UTC, minute of response)</text>`,
    `<text transform="translate(16 ${(H - m.bottom + m.top) / 2}) rotate(-90)" text-anchor="middle">cumulative conversion</text>`,
  );
  arms.forEach((a, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = a.points.map((p) => `${x(p.at).toFixed(1)},${y(p.rate).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}"/>`);
    parts.push(
      `<rect x="${W - m.right + 12}" y="${m.top + i * 20}" width="12" height="12" fill="${colour}"/>`,
      `<text x="${W - m.right + 30}" y="${m.top + i * 20 + 10}">${esc(a.arm)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const p = (v: number) => (v < 1e-4 ? v.toExponential(2) : v.toFixed(4));

export function renderMarkdown(e: Experiment, a: ExperimentAnalysis): string {
  const lines = [
    `# Experiment ${e.id}`,
    '',
    `kind ${e.kind}, slot ${e.slot}, status **${e.status}**, created by ${e.createdBy} at ${e.createdAt.toISOString()}` +
      (e.startedAt ? `, started ${e.startedAt.toISOString()}` : '') +
      (e.stoppedAt ? `, stopped ${e.stoppedAt.toISOString()}` : ''),
    '',
    `Unit of analysis: the user (what the salted-hash assignment randomises). A user converts when a recommended movie`,
    `starts within the conversion window after one of the user's responses. α = ${a.alpha}.`,
    '',
    '| arm | model version | share | users | converted users (Wilson CI) | responses | response conversion | watch min / user | mean rating of recommended | error rate | p95 / p99 latency |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...a.arms.map((r) => {
      const arm = e.arms.find((x) => x.name === r.arm);
      return (
        `| ${r.arm} | ${r.modelVersion} | ${arm?.share ?? ''} | ${r.users} | ${pct(r.userConversion.estimate)} ` +
        `[${pct(r.userConversion.lower)}, ${pct(r.userConversion.upper)}] | ${r.recommendations} | ${pct(r.responseConversion)} | ` +
        `${Number.isFinite(r.watchMinutesPerUser.mean) ? r.watchMinutesPerUser.mean.toFixed(2) : '–'} | ` +
        `${r.meanRatingOfRecommended?.toFixed(2) ?? '–'} | ${pct(r.errorRate)} | ${r.latencyP95Ms} / ${r.latencyP99Ms} ms |`
      );
    }),
    '',
    '## Comparisons (treatment − control)',
    '',
  ];
  for (const c of a.comparisons) {
    lines.push(
      `### ${c.treatment} vs ${c.control}`,
      '',
      `- Converted users: difference ${pct(c.conversion.difference)}, ${Math.round((1 - a.alpha) * 100)}% Newcombe interval ` +
        `[${pct(c.conversion.interval.lower)}, ${pct(c.conversion.interval.upper)}]; two-proportion z = ${c.conversion.zStatistic.toFixed(3)}, ` +
        `p = ${p(c.conversion.pValue)} → **${c.conversion.significant ? 'significant' : 'not significant'}**`,
      `- Sequential (always-valid mSPRT, ${c.sequential.looks} looks): p = ${p(c.sequential.pValue)}, confidence sequence ` +
        `[${pct(c.sequential.confidenceSequence.lower)}, ${pct(c.sequential.confidenceSequence.upper)}] → ${c.sequential.significant ? 'significant' : 'not significant'}`,
      `- Watch minutes per user (Welch): difference ${c.watchMinutesPerUser.difference.toFixed(3)}, t = ${c.watchMinutesPerUser.t.toFixed(3)}, ` +
        `df = ${c.watchMinutesPerUser.df.toFixed(1)}, p = ${p(c.watchMinutesPerUser.pValue)}`,
      `- **Primary** — conversions per response per user (Welch): difference ${c.conversionRatePerUser.difference.toFixed(4)}, ` +
        `t = ${c.conversionRatePerUser.t.toFixed(3)}, df = ${c.conversionRatePerUser.df.toFixed(1)}, p = ${p(c.conversionRatePerUser.pValue)} → ` +
        `**${c.conversionRatePerUser.significant ? 'significant' : 'not significant'}**`,
      '',
    );
  }
  lines.push(
    '## Checks',
    '',
    `- Sample-ratio mismatch: χ² = ${a.sampleRatio.chiSquare.toFixed(3)} (df ${a.sampleRatio.df}), p = ${p(a.sampleRatio.pValue)} → ` +
      `${a.sampleRatio.mismatch ? '**MISMATCH: the split is not what was configured; do not trust the comparison**' : 'no mismatch'}`,
    `- Minimum users per arm (power ${e.settings.power}, MDE ${pct(e.settings.minimumDetectableEffect)}): ${a.minimumUsersPerArm} → ` +
      `${a.enoughData ? 'reached' : '**not reached yet** (a fixed-horizon p-value before then is not the planned test; use the sequential one)'}`,
    '',
    '![cumulative conversion per arm](conversion.svg)',
    '',
    'Statistics: Wilson (1927) score intervals; Newcombe (1998) hybrid-score interval for the difference; pooled two-proportion',
    'z-test; Welch (1947) t-test with Welch–Satterthwaite df; Pearson χ² SRM check (Fabijan et al. 2019); power per Fleiss et al.;',
    'mSPRT with a normal mixture (Johari, Koomen, Pekelis & Walsh 2017, KDD "Peeking at A/B tests").',
  );
  if (e.conclusion) lines.push('', '## Conclusion', '', '```json', JSON.stringify(e.conclusion, null, 2), '```');
  return lines.join('\n') + '\n';
}

/** Writes `<dir>/<id>/report.md`, `report.json` and `conversion.svg`. */
export async function writeExperimentReport(
  dir: string,
  experiment: Experiment,
  analysis: ExperimentAnalysis,
  series: readonly MetricSeriesPoint[],
): Promise<{ markdownPath: string; jsonPath: string; svgPath: string }> {
  const out = path.join(dir, experiment.id);
  await fs.mkdir(out, { recursive: true });
  const arms = cumulativeSeries(series);
  const markdownPath = path.join(out, 'report.md');
  const jsonPath = path.join(out, 'report.json');
  const svgPath = path.join(out, 'conversion.svg');
  await fs.writeFile(markdownPath, renderMarkdown(experiment, analysis));
  await fs.writeFile(jsonPath, JSON.stringify({ experiment, analysis, series: arms }, null, 2));
  await fs.writeFile(svgPath, conversionPlot(`${experiment.id}: cumulative conversion per arm`, arms));
  return { markdownPath, jsonPath, svgPath };
}
