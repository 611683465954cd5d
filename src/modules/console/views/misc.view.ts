import { html, raw, SafeHtml } from '../html';
import { barePage, page, PageContext } from './layout';

export function signInPage(token: string, message: string | null): SafeHtml {
  return barePage(
    'Sign in',
    html`<div class="sign-in">
      <h1>Sign in</h1>
      <p>Use your Marquee API key. It is exchanged for a session cookie and never stored in the browser.</p>
      ${message ? html`<div class="panel notice bad" role="alert"><p>${message}</p></div>` : ''}
      <form method="post" action="/console/sign-in">
        <input type="hidden" name="_csrf" value="${token}" />
        <div class="field">
          <label for="key">API key</label>
          <input type="password" id="key" name="key" autocomplete="current-password" required maxlength="512" />
        </div>
        <button type="submit">Sign in</button>
      </form>
    </div>`,
  );
}

/** The compliance report's own HTML (escaped by governance's renderer), placed in the page without its document shell. */
export function reportPage(ctx: PageContext, modelId: string, reportHtml: string): SafeHtml {
  const bodyMatch = /<body>([\s\S]*)<\/body>/.exec(reportHtml);
  const inner = (bodyMatch ? bodyMatch[1] : '').replace(/<h1>/, '<h1 id="report-title">');
  return page(
    ctx,
    'models',
    `Compliance report ${modelId}`,
    html`<p class="no-print">
        <a href="/console/models/${encodeURIComponent(modelId)}">← Model ${modelId}</a> ·
        <a href="/console/reports/models/${encodeURIComponent(modelId)}/document">Printable document</a> ·
        <a href="/console/reports/models/${encodeURIComponent(modelId)}/document?format=md">Markdown</a>
      </p>
      <article class="report" aria-labelledby="report-title">${raw(inner)}</article>`,
  );
}

export function errorPage(ctx: PageContext | null, status: number, message: string): SafeHtml {
  const title =
    status === 403
      ? 'Not allowed'
      : status === 404
        ? 'Not found'
        : status >= 500
          ? 'Something went wrong'
          : 'Request refused';
  const body = html`<h1>${title}</h1>
    <div class="panel notice bad" role="alert"><p>${message}</p></div>
    <p><a href="/console/models">Back to the models</a></p>`;
  return ctx ? page(ctx, null, title, body) : barePage(title, body);
}
