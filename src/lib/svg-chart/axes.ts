/**
 * The axes of every SVG plot Marquee writes (reports, audits, benchmarks):
 * scales, "nice" ticks, tick labels, axis titles and where they go. Each
 * chart places its marks; this decides the frame around them, so the flaws
 * that crept into hand-placed axes (a title drawn over the tick labels, a
 * chart without a y axis, negative values clamped to zero) cannot come back.
 *
 * Text is measured with a conservative average glyph advance (no font
 * metrics in a string renderer); `labelBoxes` returns the boxes so tests can
 * check that nothing overlaps.
 */

export const FONT_SIZE = 12;
/** Average advance of a sans-serif glyph as a share of the font size (digits are 0.556, capitals up to 0.72). */
const CHAR_ADVANCE = 0.62;
const TICK = 5;
const GAP = 4;

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly text: string;
}

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function textWidth(text: string, fontSize = FONT_SIZE): number {
  return text.length * fontSize * CHAR_ADVANCE;
}

/** The box of a horizontal text whose baseline starts, centres or ends at (x, y). */
export function textBox(
  text: string,
  x: number,
  y: number,
  anchor: 'start' | 'middle' | 'end' = 'start',
  fontSize = FONT_SIZE,
): Box {
  const width = textWidth(text, fontSize);
  const left = anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width;
  return { x: left, y: y - fontSize * 0.8, width, height: fontSize, text };
}

/** Pairs of boxes that intersect (touching edges do not count). */
export function overlappingBoxes(boxes: readonly Box[]): [Box, Box][] {
  const out: [Box, Box][] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (
        a.x < b.x + b.width - 0.5 &&
        b.x < a.x + a.width - 0.5 &&
        a.y < b.y + b.height - 0.5 &&
        b.y < a.y + a.height - 0.5
      )
        out.push([a, b]);
    }
  return out;
}

export interface Scale {
  readonly lo: number;
  readonly hi: number;
  /** Pixel position of `lo` and of `hi` (for a y axis `from` is the bottom). */
  readonly from: number;
  readonly to: number;
  at(value: number): number;
}

export function linearScale(lo: number, hi: number, from: number, to: number): Scale {
  const span = hi > lo ? hi - lo : 1;
  return { lo, hi: lo + span, from, to, at: (v) => from + ((v - lo) / span) * (to - from) };
}

/** A 1-2-5 step near (hi - lo) / target (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990). */
export function niceStep(lo: number, hi: number, target = 5): number {
  const raw = (hi > lo ? hi - lo : Math.abs(hi) || 1) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** The domain widened to whole steps, and the ticks on it (0 is a tick whenever the domain spans it). */
export function niceDomain(
  lo: number,
  hi: number,
  target = 5,
): { lo: number; hi: number; step: number; ticks: number[] } {
  if (!(hi > lo)) hi = lo + (Math.abs(lo) || 1);
  const step = niceStep(lo, hi, target);
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; a + i * step <= b + step * 1e-9; i++) ticks.push(roundTo(a + i * step, step));
  return { lo: roundTo(a, step), hi: roundTo(b, step), step, ticks };
}

const roundTo = (v: number, step: number): number => {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(12, decimals)));
};

/** A tick label with as many decimals as the step needs; `percent` multiplies by 100 and adds %. */
export function formatTick(value: number, step: number, percent = false): string {
  const v = percent ? value * 100 : value;
  const s = percent ? step * 100 : step;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(s) + 1e-9)));
  const text = Math.abs(v) >= 1e6 && decimals === 0 ? `${(v / 1e6).toFixed(1)}M` : v.toFixed(decimals);
  return `${text === '-0' ? '0' : text}${percent ? '%' : ''}`;
}

export interface Tick {
  readonly value: number;
  readonly label: string;
}

export interface AxisSpec {
  readonly scale: Scale;
  readonly ticks: readonly Tick[];
  readonly title?: string;
  /** Light grid lines across the frame at each tick. */
  readonly grid?: boolean;
  /** x axis only: labels turned 35° (long category names). */
  readonly rotateLabels?: boolean;
}

export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Ticks at nice values over a numeric domain. */
export function numericTicks(domain: { ticks: number[]; step: number }, percent = false): Tick[] {
  return domain.ticks.map((value) => ({ value, label: formatTick(value, domain.step, percent) }));
}

/** Room a y axis needs left of the frame: tick, widest label, title. */
export function leftMarginFor(y: Pick<AxisSpec, 'ticks' | 'title'>, fontSize = FONT_SIZE): number {
  const widest = Math.max(0, ...y.ticks.map((t) => textWidth(t.label, fontSize)));
  return Math.ceil(TICK + GAP + widest + (y.title ? GAP + fontSize * 1.2 : 0) + GAP);
}

/** Room an x axis needs below the frame: tick, labels (turned or not), title. */
export function bottomMarginFor(x: Pick<AxisSpec, 'ticks' | 'title' | 'rotateLabels'>, fontSize = FONT_SIZE): number {
  const widest = Math.max(0, ...x.ticks.map((t) => textWidth(t.label, fontSize)));
  const labels = x.rotateLabels ? widest * SIN + fontSize * COS : fontSize;
  return Math.ceil(TICK + GAP + labels + (x.title ? GAP * 2 + fontSize * 1.2 : 0) + GAP);
}

/** How far right of its tick a turned x label reaches. */
export function turnedLabelReach(label: string, fontSize = FONT_SIZE): number {
  return textWidth(label, fontSize) * COS + fontSize * SIN;
}

const ANGLE = (35 * Math.PI) / 180;
const SIN = Math.sin(ANGLE);
const COS = Math.cos(ANGLE);

export interface RenderedAxes {
  /** SVG elements, one group marked `data-axes="svg-chart"`. */
  readonly svg: string;
  /** Every tick label and title drawn, for overlap checks. */
  readonly labelBoxes: readonly Box[];
}

/**
 * Both axes of a frame: the y axis line with ticks, labels and a turned
 * title left of the labels; the x axis (at the bottom of the frame) with
 * labels thinned until they no longer touch and the title below them; a zero
 * line when the y domain spans 0.
 */
export function renderAxes(frame: Frame, axes: { x?: AxisSpec; y: AxisSpec }, fontSize = FONT_SIZE): RenderedAxes {
  const out: string[] = [`<g class="axes" data-axes="svg-chart" font-size="${fontSize}">`];
  const boxes: Box[] = [];
  const bottom = frame.top + frame.height;
  const right = frame.left + frame.width;
  const f = (v: number) => v.toFixed(1);

  // y axis
  const { y, x } = axes;
  let widest = 0;
  for (const t of y.ticks) {
    const py = y.scale.at(t.value);
    if (y.grid) out.push(`<line x1="${frame.left}" y1="${f(py)}" x2="${right}" y2="${f(py)}" stroke="#eee"/>`);
    out.push(`<line x1="${frame.left - TICK}" y1="${f(py)}" x2="${frame.left}" y2="${f(py)}" stroke="black"/>`);
    const lx = frame.left - TICK - GAP;
    const ly = py + fontSize * 0.35;
    out.push(`<text x="${f(lx)}" y="${f(ly)}" text-anchor="end">${escapeXml(t.label)}</text>`);
    boxes.push(textBox(t.label, lx, ly, 'end', fontSize));
    widest = Math.max(widest, textWidth(t.label, fontSize));
  }
  if (y.scale.lo < 0 && y.scale.hi > 0) {
    const zero = f(y.scale.at(0));
    out.push(`<line x1="${frame.left}" y1="${zero}" x2="${right}" y2="${zero}" stroke="#555"/>`);
  }
  out.push(`<line x1="${frame.left}" y1="${frame.top}" x2="${frame.left}" y2="${bottom}" stroke="black"/>`);
  if (y.title) {
    // Turned -90°: the glyphs sit left of the baseline.
    const baseline = frame.left - TICK - GAP - widest - GAP - fontSize * 0.2;
    const cy = frame.top + frame.height / 2;
    const w = textWidth(y.title, fontSize);
    out.push(
      `<text transform="translate(${f(baseline)} ${f(cy)}) rotate(-90)" text-anchor="middle">${escapeXml(y.title)}</text>`,
    );
    boxes.push({ x: baseline - fontSize * 0.8, y: cy - w / 2, width: fontSize, height: w, text: y.title });
  }

  // x axis
  out.push(`<line x1="${frame.left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="black"/>`);
  if (x) {
    const ly = bottom + TICK + GAP + fontSize * 0.8;
    const shown = x.rotateLabels ? x.ticks : thin(x, ly, fontSize);
    let lowest = bottom + TICK + GAP + fontSize;
    for (const t of x.ticks) {
      const px = x.scale.at(t.value);
      if (x.grid) out.push(`<line x1="${f(px)}" y1="${frame.top}" x2="${f(px)}" y2="${bottom}" stroke="#eee"/>`);
      out.push(`<line x1="${f(px)}" y1="${bottom}" x2="${f(px)}" y2="${bottom + TICK}" stroke="black"/>`);
    }
    for (const t of shown) {
      if (t.label === '') continue;
      const px = x.scale.at(t.value);
      if (x.rotateLabels) {
        const top = bottom + TICK + GAP;
        const w = textWidth(t.label, fontSize);
        out.push(
          `<text transform="translate(${f(px)} ${f(top + fontSize * 0.8)}) rotate(35)" text-anchor="start">${escapeXml(t.label)}</text>`,
        );
        boxes.push({
          x: px - fontSize * SIN,
          y: top,
          width: w * COS + fontSize * SIN,
          height: w * SIN + fontSize * COS,
          text: t.label,
        });
        lowest = Math.max(lowest, top + w * SIN + fontSize * COS);
      } else {
        out.push(`<text x="${f(px)}" y="${f(ly)}" text-anchor="middle">${escapeXml(t.label)}</text>`);
        boxes.push(textBox(t.label, px, ly, 'middle', fontSize));
      }
    }
    if (x.title) {
      const ty = lowest + GAP * 2 + fontSize * 0.8;
      const cx = frame.left + frame.width / 2;
      out.push(`<text x="${f(cx)}" y="${f(ty)}" text-anchor="middle">${escapeXml(x.title)}</text>`);
      boxes.push(textBox(x.title, cx, ty, 'middle', fontSize));
    }
  }
  out.push('</g>');
  return { svg: out.join('\n'), labelBoxes: boxes };
}

/** Every k-th label, the smallest k for which neighbouring labels keep a gap. */
function thin(x: AxisSpec, y: number, fontSize: number): readonly Tick[] {
  for (let k = 1; k <= x.ticks.length; k++) {
    const kept = x.ticks.filter((_, i) => i % k === 0);
    const boxes = kept.map((t) => textBox(t.label, x.scale.at(t.value), y, 'middle', fontSize));
    if (boxes.every((b, i) => i === 0 || boxes[i - 1].x + boxes[i - 1].width + GAP <= b.x)) return kept;
  }
  return x.ticks.slice(0, 1);
}
