/** A tiny dependency-free SVG scatter plot with labelled points, for offline reports. */
export interface PlotPoint {
  readonly label: string;
  readonly x: number;
  readonly y: number;
}

export interface ScatterPlotSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly points: readonly PlotPoint[];
  readonly logX?: boolean;
}

const W = 640;
const H = 420;
const M = { left: 70, right: 30, top: 40, bottom: 55 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) return [lo];
  const step = (hi - lo) / (count - 1);
  return Array.from({ length: count }, (_, i) => lo + i * step);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

export function scatterPlot(spec: ScatterPlotSpec): string {
  const pts = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.logX || p.x > 0));
  const tx = (v: number) => (spec.logX ? Math.log10(v) : v);
  const xs = pts.map((p) => tx(p.x));
  const ys = pts.map((p) => p.y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [0, Math.max(...ys)];
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  const padX = (x1 - x0 || 1) * 0.08;
  x0 -= padX;
  x1 += padX;
  y1 = y1 * 1.1 || 1;
  const px = (v: number) => M.left + ((tx(v) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escape(spec.title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
  ];
  for (const t of ticks(x0, x1)) {
    const x = M.left + ((t - x0) / (x1 - x0)) * (W - M.left - M.right);
    const label = spec.logX ? fmt(10 ** t) : fmt(t);
    out.push(`<line x1="${x}" y1="${H - M.bottom}" x2="${x}" y2="${H - M.bottom + 5}" stroke="black"/>`);
    out.push(`<text x="${x}" y="${H - M.bottom + 18}" text-anchor="middle">${label}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    const y = py(t);
    out.push(`<line x1="${M.left - 5}" y1="${y}" x2="${M.left}" y2="${y}" stroke="black"/>`);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 8}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${escape(spec.xLabel)}${spec.logX ? ' (log scale)' : ''}</text>`,
  );
  out.push(
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>`,
  );
  pts.forEach((p, i) => {
    const c = COLOURS[i % COLOURS.length];
    out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="6" fill="${c}"/>`);
    out.push(
      `<text x="${(px(p.x) + 9).toFixed(1)}" y="${(py(p.y) - 8).toFixed(1)}" fill="${c}">${escape(p.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
