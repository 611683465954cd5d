import { Box, escapeXml, FONT_SIZE, Scale, textBox } from './axes';

/**
 * A bar from the zero line to `value` (downwards when negative), at least one
 * pixel tall unless the value is 0, so a small or negative value never looks
 * like no value. `data-value` keeps the number for readers and tests.
 */
export function barRect(y: Scale, value: number, x: number, width: number, attributes = ''): string {
  const zero = y.at(Math.min(y.hi, Math.max(y.lo, 0)));
  const end = y.at(Math.min(y.hi, Math.max(y.lo, value)));
  const height = value === 0 ? 0 : Math.max(1, Math.abs(end - zero));
  const top = value >= 0 ? zero - height : zero;
  return (
    `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" ` +
    `data-value="${value}"${attributes ? ` ${attributes}` : ''}/>`
  );
}

/** The opening of a plot: the svg element, a white background and the title (its box, for overlap checks). */
export function svgDocument(
  width: number,
  height: number,
  title: string,
  fontSize = FONT_SIZE,
): { readonly open: string; readonly titleBox: Box; readonly close: string } {
  const x = width / 2;
  const y = fontSize + 10;
  return {
    open:
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="${fontSize}">\n` +
      `<rect width="${width}" height="${height}" fill="white"/>\n` +
      `<text x="${x}" y="${y}" text-anchor="middle" font-size="${fontSize + 2}">${escapeXml(title)}</text>`,
    titleBox: textBox(title, x, y, 'middle', fontSize + 2),
    close: '</svg>\n',
  };
}
