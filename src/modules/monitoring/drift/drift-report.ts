import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { DriftComparison, FeatureDrift } from './drift-profile';
import {
  barRect,
  bottomMarginFor,
  escapeXml,
  leftMarginFor,
  linearScale,
  niceDomain,
  numericTicks,
  renderAxes,
  svgDocument,
  textWidth,
  turnedLabelReach,
} from '@lib/svg-chart';

/** One comparison in a report (a report may hold several, e.g. the no-drift and drift scenarios). */
export interface DriftReportSection {
  readonly title: string;
  readonly comparison: DriftComparison;
  /** Extra facts shown under the title (model id, snapshot age, scenario). */
  readonly facts?: Record<string, string | number | boolean>;
}

/**
 * The binned reference and recent distributions side by side (proportions,
 * so windows of different sizes compare), one pair of bars per bin; axes
 * from @lib/svg-chart.
 */
export function distributionSvg(feature: FeatureDrift, title: string): string | null {
  if (!feature.bins) return null;
  const { labels, reference, recent } = feature.bins;
  const share = (bins: number[]): number[] => {
    const sum = bins.reduce((a, b) => a + b, 0);
    return bins.map((n) => (sum === 0 ? 0 : n / sum));
  };
  const ref = share(reference);
  const cur = share(recent);
  const domain = niceDomain(0, Math.max(0.01, ...ref, ...cur), 5);
  const yAxis = { ticks: numericTicks(domain, true), title: 'share of observations' };
  const xAxis = { ticks: labels.map((label, i) => ({ value: i + 0.5, label })), title: 'bin', rotateLabels: true };
  const group = 44;
  const bar = 16;
  const left = leftMarginFor(yAxis);
  const top = 50;
  const height = 200;
  const reach = Math.max(20, ...labels.map((l) => turnedLabelReach(l) - group / 2 + 10));
  const width = Math.ceil(Math.max(textWidth(title, 14) + 20, left + labels.length * group + reach));
  const doc = svgDocument(width, top + height + bottomMarginFor(xAxis), title);
  const frame = { left, top, width: labels.length * group, height };
  const y = linearScale(domain.lo, domain.hi, top + height, top);
  const x = linearScale(0, Math.max(1, labels.length), left, left + frame.width);
  const parts: string[] = [
    doc.open,
    renderAxes(frame, { y: { scale: y, grid: true, ...yAxis }, x: { scale: x, ...xAxis } }).svg,
    `<rect x="${left}" y="${top - 20}" width="10" height="10" fill="#4c78a8"/><text x="${left + 14}" y="${top - 11}">reference (training snapshot)</text>`,
    `<rect x="${left + 210}" y="${top - 20}" width="10" height="10" fill="#f58518"/><text x="${left + 224}" y="${top - 11}">recent window</text>`,
  ];
  labels.forEach((label, i) => {
    const x0 = x.at(i) + 6;
    parts.push(
      barRect(y, ref[i], x0, bar, 'fill="#4c78a8"').replace(
        '/>',
        `><title>${escapeXml(label)} reference ${(ref[i] * 100).toFixed(1)}% (${reference[i]})</title></rect>`,
      ),
      barRect(y, cur[i], x0 + bar, bar, 'fill="#f58518"').replace(
        '/>',
        `><title>${escapeXml(label)} recent ${(cur[i] * 100).toFixed(1)}% (${recent[i]})</title></rect>`,
      ),
    );
  });
  parts.push(doc.close);
  return parts.join('\n');
}

const fmt = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(4));

export function renderDriftMarkdown(sections: readonly DriftReportSection[], generatedAt: string): string {
  const lines: string[] = [`# Drift report`, '', `Generated ${generatedAt}.`, ''];
  const t = sections[0]?.comparison.thresholds;
  if (t)
    lines.push(
      `Thresholds: PSI > ${t.psi} or KS > ${t.ks} per feature; new-user share > ${t.newUserShare}; ` +
        `new-movie share > ${t.newMovieShare}; features with fewer than ${t.minSamples} observations in either window are reported, not decided.`,
      '',
      'PSI = Σ (recent − reference) · ln(recent / reference) over fixed bins, empty bins floored at 1e-4 (Siddiqi 2006). ' +
        'KS = largest gap between the two empirical CDFs.',
      '',
    );
  sections.forEach((section, s) => {
    const c = section.comparison;
    lines.push(`## ${section.title}: ${c.passed ? 'no drift' : 'DRIFT'}`, '');
    lines.push(
      `- reference: snapshot \`${c.reference.snapshotId}\`, ${c.reference.windowStart} → ${c.reference.windowEnd}`,
    );
    lines.push(`- recent window: ${c.recent.windowStart} → ${c.recent.windowEnd}`);
    for (const [key, value] of Object.entries(section.facts ?? {})) lines.push(`- ${key}: ${value}`);
    if (c.reasons.length > 0) lines.push(`- reasons: ${c.reasons.join('; ')}`);
    lines.push(
      '',
      '| feature | kind | PSI | KS | share | reference n | recent n | verdict |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const f of c.features) {
      const verdict = f.insufficient ? 'too few samples' : f.drifted ? '**drift**' : 'ok';
      lines.push(
        `| ${f.feature} | ${f.kind} | ${fmt(f.psi)} | ${fmt(f.ks)} | ${fmt(f.share)} | ${f.referenceSamples} | ${f.recentSamples} | ${verdict} |`,
      );
    }
    lines.push('');
    for (const f of c.features) if (f.bins) lines.push(`![${f.feature}](${svgName(s, f)})`);
    lines.push('');
  });
  return lines.join('\n');
}

const svgName = (section: number, f: FeatureDrift): string => `s${section + 1}-${f.feature}.svg`;

/** Writes report.md, drift.json and one SVG per binned feature into `dir`; returns the files written. */
export async function writeDriftReport(
  dir: string,
  sections: readonly DriftReportSection[],
  generatedAt = new Date().toISOString(),
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, content: string): Promise<void> => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    written.push(file);
  };
  await put('report.md', renderDriftMarkdown(sections, generatedAt));
  await put('drift.json', JSON.stringify({ generatedAt, sections }, null, 2) + '\n');
  for (const [s, section] of sections.entries())
    for (const f of section.comparison.features) {
      const svg = distributionSvg(f, `${section.title}: ${f.feature}`);
      if (svg) await put(svgName(s, f), svg);
    }
  return written;
}
