import { html, HtmlValue, SafeHtml } from '../html';
import { CONSOLE_CSS } from './styles';

/** What the signed-in role may do: decides which links and forms a page shows (the guard still checks each request). */
export interface Capabilities {
  readonly promote: boolean;
  readonly override: boolean;
  readonly rollback: boolean;
  readonly auditRead: boolean;
  readonly reportsRead: boolean;
  readonly experimentsRead: boolean;
}

/** Everything a page template needs about the caller. */
export interface PageContext {
  readonly user: { readonly name: string; readonly role: string };
  readonly csrf: string;
  readonly can: Capabilities;
}

export type Section = 'models' | 'experiments' | 'audit' | 'health';

/** The hidden CSRF field every state-changing form carries. */
export const csrfField = (ctx: PageContext): SafeHtml => html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />`;

function shell(title: string, header: HtmlValue, body: HtmlValue): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Marquee console</title>
        <style>
          ${new SafeHtml(CONSOLE_CSS)}
        </style>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        ${header}
        <main id="main" tabindex="-1">${body}</main>
      </body>
    </html> `;
}

export function page(ctx: PageContext, section: Section | null, title: string, body: HtmlValue): SafeHtml {
  const link = (id: Section, href: string, label: string) =>
    html`<li><a href="${href}" ${section === id ? new SafeHtml(' aria-current="page"') : ''}>${label}</a></li>`;
  const header = html`<header class="top">
    <a class="brand" href="/console/models">Marquee console</a>
    <nav aria-label="Console sections">
      <ul>
        ${link('models', '/console/models', 'Models')}
        ${ctx.can.experimentsRead ? link('experiments', '/console/experiments', 'Experiments & canaries') : ''}
        ${ctx.can.auditRead ? link('audit', '/console/audit', 'Audit') : ''}
        ${link('health', '/console/health', 'Data & health')}
      </ul>
    </nav>
    <div class="who">
      <span>Signed in as <strong>${ctx.user.name}</strong> <span class="badge neutral">${ctx.user.role}</span></span>
      <form method="post" action="/console/sign-out">${csrfField(ctx)}<button type="submit">Sign out</button></form>
    </div>
  </header>`;
  return shell(title, header, body);
}

/** A page outside a session (sign-in, errors before sign-in). */
export function barePage(title: string, body: HtmlValue): SafeHtml {
  return shell(title, html`<header class="top"><span class="brand">Marquee console</span></header>`, body);
}

export type Tone = 'ok' | 'bad' | 'warn' | 'neutral';

/** A status written out in words; the colour only repeats it. */
export const badge = (text: string, tone: Tone): SafeHtml => html`<span class="badge ${tone}">${text}</span>`;

export function stateBadge(state: string): SafeHtml {
  const tone: Tone =
    state === 'production' || state === 'promoted' || state === 'concluded'
      ? 'ok'
      : state === 'rejected' || state === 'rolled_back'
        ? 'bad'
        : state === 'canary' || state === 'running'
          ? 'warn'
          : 'neutral';
  return badge(state.replace('_', ' '), tone);
}

/** Previous/next links that keep the other query parameters. */
export function pager(
  base: string,
  query: Record<string, string | undefined>,
  prev: Record<string, string> | null,
  next: Record<string, string> | null,
  label: string,
): SafeHtml {
  const href = (extra: Record<string, string>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...query, ...extra })) if (v) params.set(k, v);
    const s = params.toString();
    return s ? `${base}?${s}` : base;
  };
  return html`<nav class="pager" aria-label="${label} pages">
    ${prev ? html`<a href="${href(prev)}" rel="prev">← Newer</a>` : html`<span class="muted">← Newer</span>`}
    ${next ? html`<a href="${href(next)}" rel="next">Older →</a>` : html`<span class="muted">Older →</span>`}
  </nav>`;
}
