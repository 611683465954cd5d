import { Box, FONT_SIZE, overlappingBoxes, textWidth } from './axes';

/** A text element of a rendered plot, with its estimated box and whether it belongs to the axes group. */
export interface PlacedText {
  readonly box: Box;
  readonly inAxes: boolean;
  /** Rotation in degrees (0 for horizontal text), the baseline origin and the font size. */
  readonly angle: number;
  readonly origin: readonly [number, number];
  readonly fontSize: number;
  /** Estimated length of the text along its baseline, and how far the anchor sits from its start. */
  readonly length: number;
  readonly shift: number;
}

/**
 * Whether two texts overlap: their boxes intersect, except for two texts
 * turned by the same angle (parallel strips, e.g. turned category labels),
 * which overlap only when their baselines are closer than a line apart.
 */
export function textsOverlap(a: PlacedText, b: PlacedText): boolean {
  if (a.angle !== 0 && a.angle === b.angle) {
    const t = (a.angle * Math.PI) / 180;
    const [dx, dy] = [b.origin[0] - a.origin[0], b.origin[1] - a.origin[1]];
    const across = Math.abs(-dx * Math.sin(t) + dy * Math.cos(t));
    const along = dx * Math.cos(t) + dy * Math.sin(t);
    const [a0, a1] = [-a.shift, a.length - a.shift];
    const [b0, b1] = [along - b.shift, along + b.length - b.shift];
    return across < Math.max(a.fontSize, b.fontSize) * 0.95 && a0 < b1 && b0 < a1;
  }
  return overlappingBoxes([a.box, b.box]).length > 0;
}

const unescape = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/**
 * The boxes of every `<text>` of an SVG written by these helpers (x/y with an
 * anchor, or translate + rotate(-90 | 35 | 40)), measured as `textBox` does:
 * what the plot tests check for overlaps and for text outside the picture.
 */
export function placedTexts(svg: string): PlacedText[] {
  const rootSize = Number(/<svg[^>]*font-size="([\d.]+)"/.exec(svg)?.[1] ?? FONT_SIZE);
  const out: PlacedText[] = [];
  let inAxes = false;
  for (const m of svg.matchAll(/<g class="axes"[^>]*>|<\/g>|<text([^>]*)>([^<]*)<\/text>/g)) {
    if (m[0].startsWith('<g')) {
      inAxes = true;
      continue;
    }
    if (m[0] === '</g>') {
      inAxes = false;
      continue;
    }
    const attrs = m[1];
    const text = unescape(m[2]);
    if (text.trim() === '') continue;
    const attr = (name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
    const size = Number(attr('font-size') ?? rootSize);
    const anchor = (attr('text-anchor') ?? 'start') as 'start' | 'middle' | 'end';
    const w = textWidth(text, size);
    const shift = anchor === 'start' ? 0 : anchor === 'middle' ? w / 2 : w;
    const transform = attr('transform');
    let box: Box;
    let angle = 0;
    let origin: [number, number];
    if (transform) {
      const t = /translate\(([-\d.]+)[ ,]+([-\d.]+)\)\s*rotate\(([-\d.]+)\)/.exec(transform);
      if (!t) throw new Error(`unsupported transform ${transform}`);
      const [x, y, rad] = [Number(t[1]), Number(t[2]), (Number(t[3]) * Math.PI) / 180];
      angle = Number(t[3]);
      origin = [x, y];
      // The unrotated box is [−shift, −0.8·size] … [w − shift, 0.2·size] around the origin; rotate its corners.
      const corners = [
        [-shift, -0.8 * size],
        [w - shift, -0.8 * size],
        [-shift, 0.2 * size],
        [w - shift, 0.2 * size],
      ].map(([cx, cy]) => [x + cx * Math.cos(rad) - cy * Math.sin(rad), y + cx * Math.sin(rad) + cy * Math.cos(rad)]);
      const xs = corners.map((c) => c[0]);
      const ys = corners.map((c) => c[1]);
      box = {
        x: Math.min(...xs),
        y: Math.min(...ys),
        width: Math.max(...xs) - Math.min(...xs),
        height: Math.max(...ys) - Math.min(...ys),
        text,
      };
    } else {
      const x = Number(attr('x'));
      const y = Number(attr('y'));
      origin = [x, y];
      box = { x: x - shift, y: y - 0.8 * size, width: w, height: size, text };
    }
    out.push({ box, inAxes, angle, origin, fontSize: size, length: w, shift });
  }
  return out;
}
