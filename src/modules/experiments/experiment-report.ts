import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExperimentAnalysis } from './analysis';
import { Experiment } from './experiment';
import { MetricSeriesPoint } from './experiments.repository';
import {
  bottomMarginFor,
  escapeXml,
  leftMarginFor,
  linearScale,
  niceDomain,
  numericTicks,
  renderAxes,
  svgDocument,
} from '@lib/svg-chart';

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

/** Cumulative conversion per arm against time (axes from @lib/svg-chart). */
export function conversionPlot(title: string, arms: readonly ArmSeries[]): string {
  const W = 720;
  const H = 400;
  const right = 140;
  const top = 40;
  const all = arms.flatMap((a) => a.points);
  const t0 = Math.min(...all.map((p) => p.at), Date.now());
  const t1 = Math.max(...all.map((p) => p.at), t0 + 60_000);
  const domain = niceDomain(0, Math.max(0.05, ...all.map((p) => p.rate)), 5);
  const yAxis = { ticks: numericTicks(domain, true), title: 'cumulative conversion', grid: true };
  const times = Array.from({ length: 5 }, (_, i) => t0 + ((t1 - t0) * i) / 4);
  const xAxis = {
    ticks: times.map((t) => ({ value: t, label: new Date(t).toISOString().slice(5, 16).replace('T', ' ') })),
    title: 'time (UTC, minute of response)',
  };
  const left = leftMarginFor(yAxis);
  const frame = { left, top, width: W - left - right, height: H - top - bottomMarginFor(xAxis) };
  const x = linearScale(t0, t1, left, left + frame.width);
  const y = linearScale(domain.lo, domain.hi, top + frame.height, top);
  const doc = svgDocument(W, H, title);
  const parts: string[] = [doc.open, renderAxes(frame, { y: { scale: y, ...yAxis }, x: { scale: x, ...xAxis } }).svg];
  arms.forEach((a, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = a.points.map((p) => `${x.at(p.at).toFixed(1)},${y.at(p.rate).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}"/>`);
    parts.push(
      `<rect x="${W - right + 12}" y="${top + i * 20}" width="12" height="12" fill="${colour}"/>`,
      `<text x="${W - right + 30}" y="${top + i * 20 + 10}">${escapeXml(a.arm)}</text>`,
    );
  });
  parts.push(doc.close);
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
