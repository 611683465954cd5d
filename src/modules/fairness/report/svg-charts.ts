/**
 * Two SVG charts for fairness and feedback reports: bars with confidence
 * whiskers, and lines over a shared x axis. The axes (ticks, labels, titles,
 * their placement) come from @lib/svg-chart, as in every Marquee plot.
 */
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
  turnedLabelReach,
} from '@lib/svg-chart';

const W = 720;
const H = 420;
const TOP = 40;
const RIGHT = 150;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly ci?: readonly [number, number];
}

/** Vertical bars (down from zero when negative) with optional 95% interval whiskers. */
export function barChart(spec: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bars: readonly Bar[];
  /** A dashed reference line (e.g. the overall mean). */
  readonly reference?: { readonly value: number; readonly label: string };
}): string {
  const values = spec.bars.flatMap((b) => [b.value, ...(b.ci ?? [])]).filter(Number.isFinite);
  const domain = niceDomain(
    Math.min(0, ...values, spec.reference?.value ?? 0),
    Math.max(1e-9, ...values, spec.reference?.value ?? 0),
    5,
  );
  const yAxis = { ticks: numericTicks(domain), title: spec.yLabel, grid: true };
  const xAxis = {
    ticks: spec.bars.map((b, i) => ({ value: i + 0.5, label: b.label })),
    title: spec.xLabel,
    rotateLabels: true,
  };
  const left = leftMarginFor(yAxis);
  const slot = (W - left - RIGHT) / Math.max(1, spec.bars.length);
  const reach = Math.max(0, ...spec.bars.map((b) => turnedLabelReach(b.label) - slot / 2));
  const width = Math.ceil(Math.max(W, W - RIGHT + reach + 10));
  const height = Math.max(H, TOP + 230 + bottomMarginFor(xAxis));
  const frame = { left, top: TOP, width: W - left - RIGHT, height: height - TOP - bottomMarginFor(xAxis) };
  const y = linearScale(domain.lo, domain.hi, TOP + frame.height, TOP);
  const x = linearScale(0, Math.max(1, spec.bars.length), left, left + frame.width);
  const doc = svgDocument(width, height, spec.title);
  const out = [doc.open, renderAxes(frame, { y: { scale: y, ...yAxis }, x: { scale: x, ...xAxis } }).svg];
  spec.bars.forEach((b, i) => {
    const x0 = x.at(i);
    out.push(barRect(y, b.value, x0 + slot * 0.15, slot * 0.7, `fill="${COLOURS[0]}" opacity="0.8"`));
    if (b.ci) {
      const cx = (x0 + slot / 2).toFixed(1);
      out.push(
        `<line x1="${cx}" y1="${y.at(b.ci[0]).toFixed(1)}" x2="${cx}" y2="${y.at(b.ci[1]).toFixed(1)}" stroke="black"/>`,
      );
      for (const v of b.ci)
        out.push(
          `<line x1="${(x0 + slot * 0.4).toFixed(1)}" y1="${y.at(v).toFixed(1)}" x2="${(x0 + slot * 0.6).toFixed(1)}" y2="${y.at(v).toFixed(1)}" stroke="black"/>`,
        );
    }
  });
  if (spec.reference) {
    const ry = y.at(spec.reference.value).toFixed(1);
    out.push(
      `<line x1="${left}" y1="${ry}" x2="${left + frame.width}" y2="${ry}" stroke="#d62728" stroke-dasharray="5 4"/>`,
    );
    out.push(`<text x="${left + frame.width + 4}" y="${ry}" fill="#d62728">${escapeXml(spec.reference.label)}</text>`);
  }
  out.push(doc.close);
  return out.join('\n');
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
  const pts = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  let [x0, x1] = [Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x))];
  let [y0, y1] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (spec.yFromZero ?? true) y0 = Math.min(0, y0);
  if (x1 === x0) x1 = x0 + 1;
  const yDomain = niceDomain(y0, y1, 5);
  const xDomain = niceDomain(x0, x1, 5);
  const yAxis = { ticks: numericTicks(yDomain), title: spec.yLabel, grid: true };
  const xAxis = { ticks: numericTicks(xDomain), title: spec.xLabel };
  const left = leftMarginFor(yAxis);
  const frame = { left, top: TOP, width: W - left - RIGHT, height: H - TOP - bottomMarginFor(xAxis) };
  const x = linearScale(xDomain.lo, xDomain.hi, left, left + frame.width);
  const y = linearScale(yDomain.lo, yDomain.hi, TOP + frame.height, TOP);
  const doc = svgDocument(W, H, spec.title);
  const out = [doc.open, renderAxes(frame, { y: { scale: y, ...yAxis }, x: { scale: x, ...xAxis } }).svg];
  spec.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const d = s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .map((p, j) => `${j ? 'L' : 'M'}${x.at(p.x).toFixed(1)} ${y.at(p.y).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points)
      if (Number.isFinite(p.y))
        out.push(`<circle cx="${x.at(p.x).toFixed(1)}" cy="${y.at(p.y).toFixed(1)}" r="3" fill="${c}"/>`);
    out.push(`<rect x="${W - RIGHT + 10}" y="${TOP + i * 18}" width="12" height="12" fill="${c}"/>`);
    out.push(`<text x="${W - RIGHT + 27}" y="${TOP + i * 18 + 10}">${escapeXml(s.label)}</text>`);
  });
  out.push(doc.close);
  return out.join('\n');
}
