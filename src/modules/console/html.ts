/**
 * Typed HTML templates with escaping by default.
 *
 * Written here rather than taken from a template engine: a tagged template over
 * TypeScript values is the whole engine the console needs (the views are plain
 * typed functions, checked by tsc like the rest of the code), and it has one rule
 * to review: every interpolated value is escaped unless it is already `SafeHtml`,
 * i.e. produced by `html` itself or by `raw` (used only for server-built markup
 * such as the compliance report, which escapes its own values).
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | bigint | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value as string | number | boolean | bigint));
}

/** `html\`<p>${text}</p>\``: interpolations are escaped; arrays are joined; null/undefined/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Markup that is already safe (built and escaped by trusted server code). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A number for display: fixed digits, or an em dash when absent. */
export function num(value: unknown, digits = 3): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

export function when(value: Date | string | null | undefined): string {
  if (!value) return '—';
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime())
    ? String(value)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z');
}
