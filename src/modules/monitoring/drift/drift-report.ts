import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { DriftComparison, FeatureDrift } from './drift-profile';

/** One comparison in a report (a report may hold several, e.g. the no-drift and drift scenarios). */
export interface DriftReportSection {
  readonly title: string;
  readonly comparison: DriftComparison;
  /** Extra facts shown under the title (model id, snapshot age, scenario). */
  readonly facts?: Record<string, string | number | boolean>;
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A hand-written SVG: the binned reference and recent distributions side by
 * side (proportions, so windows of different sizes compare), one pair of bars per bin.
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
  const max = Math.max(0.01, ...ref, ...cur);
  const group = 44;
  const bar = 16;
  const left = 48;
  const top = 40;
  const height = 200;
  const width = left + labels.length * group + 20;
  const y = (p: number): number => top + height - (p / max) * height;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 70}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${left}" y="24" width="10" height="10" fill="#4c78a8"/><text x="${left + 14}" y="33">reference (training snapshot)</text>`,
    `<rect x="${left + 190}" y="24" width="10" height="10" fill="#f58518"/><text x="${left + 204}" y="33">recent window</text>`,
    `<line x1="${left}" y1="${top + height}" x2="${width - 10}" y2="${top + height}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + height}" stroke="#333"/>`,
  );
  for (const tick of [0, 0.5, 1]) {
    const value = tick * max;
    parts.push(
      `<text x="${left - 4}" y="${y(value) + 4}" text-anchor="end">${(value * 100).toFixed(0)}%</text>`,
      `<line x1="${left}" y1="${y(value)}" x2="${width - 10}" y2="${y(value)}" stroke="#ddd"/>`,
    );
  }
  labels.forEach((label, i) => {
    const x = left + 6 + i * group;
    parts.push(
      `<rect x="${x}" y="${y(ref[i])}" width="${bar}" height="${top + height - y(ref[i])}" fill="#4c78a8"><title>${escapeXml(label)} reference ${(ref[i] * 100).toFixed(1)}% (${reference[i]})</title></rect>`,
      `<rect x="${x + bar}" y="${y(cur[i])}" width="${bar}" height="${top + height - y(cur[i])}" fill="#f58518"><title>${escapeXml(label)} recent ${(cur[i] * 100).toFixed(1)}% (${recent[i]})</title></rect>`,
      `<text transform="translate(${x + bar},${top + height + 12}) rotate(40)" font-size="10">${escapeXml(label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
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
