/** A dependency-free SVG scatter plot with labelled points, for offline reports (axes from @lib/svg-chart). */
import {
  bottomMarginFor,
  escapeXml,
  formatTick,
  leftMarginFor,
  linearScale,
  niceDomain,
  numericTicks,
  renderAxes,
  svgDocument,
  textWidth,
} from '@lib/svg-chart';

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
const TOP = 40;
const RIGHT = 30;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

export function scatterPlot(spec: ScatterPlotSpec): string {
  const pts = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.logX || p.x > 0));
  const tx = (v: number) => (spec.logX ? Math.log10(v) : v);
  const xs = pts.map((p) => tx(p.x));
  const ys = pts.map((p) => p.y);
  const [x0, x1] = pts.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const yDomain = niceDomain(Math.min(0, ...ys), Math.max(1e-9, ...ys) * 1.05, 5);
  // Log scale: one tick per power of ten; linear: nice ticks. Either way the points keep a margin from the frame.
  const pad = (x1 - x0 || 1) * 0.08;
  const xDomain = spec.logX
    ? {
        lo: Math.floor(x0 - pad),
        hi: Math.ceil(x1 + pad),
        ticks: [] as { value: number; label: string }[],
      }
    : niceDomain(x0 - pad, x1 + pad, 5);
  const xTicks = spec.logX
    ? Array.from({ length: xDomain.hi - xDomain.lo + 1 }, (_, i) => xDomain.lo + i).map((e) => ({
        value: e,
        label: formatTick(10 ** e, Math.min(1, 10 ** e)),
      }))
    : numericTicks(xDomain as { ticks: number[]; step: number });
  const yAxis = { ticks: numericTicks(yDomain), title: spec.yLabel, grid: true };
  const xAxis = { ticks: xTicks, title: `${spec.xLabel}${spec.logX ? ' (log scale)' : ''}` };
  const left = leftMarginFor(yAxis);
  const frame = { left, top: TOP, width: W - left - RIGHT, height: H - TOP - bottomMarginFor(xAxis) };
  const x = linearScale(xDomain.lo, xDomain.hi, left, left + frame.width);
  const y = linearScale(yDomain.lo, yDomain.hi, TOP + frame.height, TOP);
  const doc = svgDocument(W, H, spec.title);
  const out = [doc.open, renderAxes(frame, { y: { scale: y, ...yAxis }, x: { scale: x, ...xAxis } }).svg];
  pts.forEach((p, i) => {
    const c = COLOURS[i % COLOURS.length];
    const cx = x.at(tx(p.x));
    const cy = y.at(p.y);
    out.push(`<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="6" fill="${c}"/>`);
    // A label that would leave the picture on the right goes to the left of its point.
    const right = cx + 9 + textWidth(p.label) <= W - 2;
    out.push(
      `<text x="${(right ? cx + 9 : cx - 9).toFixed(1)}" y="${(cy - 8).toFixed(1)}" fill="${c}"${right ? '' : ' text-anchor="end"'}>${escapeXml(p.label)}</text>`,
    );
  });
  out.push(doc.close);
  return out.join('\n');
}
