/**
 * Two dependency-free SVG charts for fairness and feedback reports: bars with
 * confidence whiskers, and lines over a shared x axis. (training/evaluation/
 * svg-plot.ts only draws labelled scatter plots.)
 */
const W = 720;
const H = 420;
const M = { left: 70, right: 150, top: 40, bottom: 90 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

function frame(title: string, xLabel: string, yLabel: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="22" text-anchor="middle" font-size="15">${escape(title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
  ];
}

function yAxis(out: string[], y0: number, y1: number, py: (v: number) => number): void {
  for (let t = 0; t <= 4; t++) {
    const v = y0 + ((y1 - y0) * t) / 4;
    const y = py(v);
    out.push(`<line x1="${M.left - 5}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly ci?: readonly [number, number];
}

/** Vertical bars with optional 95% interval whiskers. */
export function barChart(spec: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bars: readonly Bar[];
  /** A dashed reference line (e.g. the overall mean). */
  readonly reference?: { readonly value: number; readonly label: string };
}): string {
  const out = frame(spec.title, spec.xLabel, spec.yLabel);
  const tops = spec.bars.map((b) => Math.max(b.value, b.ci?.[1] ?? b.value));
  const y1 = Math.max(1e-9, ...tops, spec.reference?.value ?? 0) * 1.1;
  const py = (v: number) => H - M.bottom - (Math.max(0, v) / y1) * (H - M.top - M.bottom);
  yAxis(out, 0, y1, py);
  const slot = (W - M.left - M.right) / Math.max(1, spec.bars.length);
  spec.bars.forEach((b, i) => {
    const x = M.left + i * slot;
    const c = COLOURS[0];
    out.push(
      `<rect x="${(x + slot * 0.15).toFixed(1)}" y="${py(b.value).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(H - M.bottom - py(b.value)).toFixed(1)}" fill="${c}" opacity="0.8"/>`,
    );
    if (b.ci) {
      const cx = (x + slot / 2).toFixed(1);
      out.push(
        `<line x1="${cx}" y1="${py(b.ci[0]).toFixed(1)}" x2="${cx}" y2="${py(b.ci[1]).toFixed(1)}" stroke="black"/>`,
      );
      for (const v of b.ci)
        out.push(
          `<line x1="${(x + slot * 0.4).toFixed(1)}" y1="${py(v).toFixed(1)}" x2="${(x + slot * 0.6).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="black"/>`,
        );
    }
    const lx = (x + slot / 2).toFixed(1);
    const ly = H - M.bottom + 12;
    out.push(
      `<text transform="translate(${lx} ${ly}) rotate(35)" text-anchor="start" font-size="11">${escape(b.label)}</text>`,
    );
  });
  if (spec.reference) {
    const y = py(spec.reference.value).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#d62728" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${W - M.right + 4}" y="${y}" fill="#d62728">${escape(spec.reference.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface Series {
  readonly label: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly dashed?: boolean;
}

/** Lines over a shared x axis, with a legend on the right. */
export function lineChart(spec: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly yFromZero?: boolean;
}): string {
  const out = frame(spec.title, spec.xLabel, spec.yLabel);
  const pts = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  let [x0, x1] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
  let [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (spec.yFromZero ?? true) y0 = Math.min(0, y0);
  if (x1 === x0) x1 = x0 + 1;
  const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.08;
  y1 += pad;
  if (!(spec.yFromZero ?? true)) y0 -= pad;
  const px = (v: number) => M.left + ((v - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  yAxis(out, y0, y1, py);
  for (let t = 0; t <= 4; t++) {
    const v = x0 + ((x1 - x0) * t) / 4;
    out.push(`<text x="${px(v)}" y="${H - M.bottom + 18}" text-anchor="middle">${fmt(v)}</text>`);
  }
  spec.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const d = s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .map((p, j) => `${j ? 'L' : 'M'}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points)
      if (Number.isFinite(p.y))
        out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${c}"/>`);
    out.push(`<rect x="${W - M.right + 10}" y="${M.top + i * 18}" width="12" height="12" fill="${c}"/>`);
    out.push(`<text x="${W - M.right + 27}" y="${M.top + i * 18 + 10}">${escape(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
