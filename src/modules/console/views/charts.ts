import { html, num, SafeHtml } from '../html';

/**
 * Small inline SVG charts, drawn on the server (no chart library, no script):
 * a horizontal bar chart and a line chart. Values are written as text beside
 * the marks and series differ by dash pattern and marker, so nothing depends on
 * colour; each chart carries a title and description for screen readers.
 */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly note?: string;
}

let chartSeq = 0;
const chartId = (): string => `chart-${++chartSeq}`;

export function barChart(title: string, bars: readonly Bar[], digits = 3): SafeHtml {
  if (bars.length === 0) return html`<p class="muted">${title}: no data.</p>`;
  const id = chartId();
  const rowH = 24;
  const labelW = 170;
  const plotW = 380;
  const width = labelW + plotW + 120;
  const height = bars.length * rowH + 16;
  const max = Math.max(...bars.map((b) => Math.abs(b.value)), 1e-12);
  return html`<figure>
    <figcaption>${title}</figcaption>
    <svg
      class="chart"
      role="img"
      aria-labelledby="${id}-t ${id}-d"
      viewBox="0 0 ${width} ${height}"
      width="${width}"
      height="${height}"
    >
      <title id="${id}-t">${title}</title>
      <desc id="${id}-d">${bars.map((b) => `${b.label}: ${num(b.value, digits)}`).join('; ')}</desc>
      ${bars.map((b, i) => {
        const y = 8 + i * rowH;
        const w = Math.max(1, (Math.abs(b.value) / max) * plotW);
        return html`<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${b.label}</text>
          <rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="#0b5cad"></rect>
          <text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}"
            >${num(b.value, digits)}${b.note ? ` (${b.note})` : ''}</text
          >`;
      })}
    </svg>
  </figure>`;
}

export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

const DASHES = ['', '6 4', '2 3', '10 3 2 3'];
const STROKES = ['#0b5cad', '#a4141b', '#176f2c', '#7a4d00'];

/** Lines over time (x: epoch ms), e.g. conversion per response of each arm per minute. */
export function lineChart(title: string, series: readonly Series[], yLabel: string): SafeHtml {
  const all = series.flatMap((s) => s.points);
  if (all.length < 2) return html`<p class="muted">${title}: not enough data yet.</p>`;
  const id = chartId();
  const width = 680;
  const height = 240;
  const left = 56;
  const right = 16;
  const top = 16;
  const bottom = 44;
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y0 = Math.min(0, ...ys);
  const y1 = Math.max(...ys, y0 + 1e-9);
  const sx = (x: number) => left + ((x - x0) / Math.max(x1 - x0, 1)) * (width - left - right);
  const sy = (y: number) => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
  const time = (x: number) => new Date(x).toISOString().slice(11, 16);
  return html`<figure>
    <figcaption>${title}</figcaption>
    <svg
      class="chart"
      role="img"
      aria-labelledby="${id}-t ${id}-d"
      viewBox="0 0 ${width} ${height}"
      width="${width}"
      height="${height}"
    >
      <title id="${id}-t">${title}</title>
      <desc id="${id}-d">
        ${series.map((s) => `${s.name}: ${s.points.length} points, last ${num(s.points.at(-1)?.y)}`).join('; ')}
      </desc>
      <line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#545d68"></line>
      <line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#545d68"></line>
      <text x="${left - 6}" y="${top + 4}" text-anchor="end">${num(y1, 2)}</text>
      <text x="${left - 6}" y="${height - bottom}" text-anchor="end">${num(y0, 2)}</text>
      <text x="${left}" y="${height - bottom + 16}">${time(x0)}</text>
      <text x="${width - right}" y="${height - bottom + 16}" text-anchor="end">${time(x1)} UTC</text>
      <text
        x="12"
        y="${(top + height - bottom) / 2}"
        transform="rotate(-90 12 ${(top + height - bottom) / 2})"
        text-anchor="middle"
      >
        ${yLabel}
      </text>
      ${series.map((s, i) => {
        const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
        const lx = left + 10 + i * 160;
        return html`<path
            d="${d}"
            fill="none"
            stroke="${STROKES[i % 4]}"
            stroke-width="2"
            stroke-dasharray="${DASHES[i % 4]}"
          ></path>
          <line
            x1="${lx}"
            y1="${height - 10}"
            x2="${lx + 28}"
            y2="${height - 10}"
            stroke="${STROKES[i % 4]}"
            stroke-width="2"
            stroke-dasharray="${DASHES[i % 4]}"
          ></line>
          <text x="${lx + 34}" y="${height - 6}">${s.name}</text>`;
      })}
    </svg>
  </figure>`;
}
