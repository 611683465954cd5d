import type { AuditRecordView, ChainVerification } from '@modules/governance';
import { html, SafeHtml, when } from '../html';
import { badge, page, PageContext, pager } from './layout';

export interface AuditListView {
  readonly records: readonly AuditRecordView[];
  readonly filter: {
    readonly kind?: string;
    readonly subject?: string;
    readonly actor?: string;
    readonly before?: string;
  };
  readonly kinds: readonly string[];
  readonly hasNext: boolean;
  readonly verification: { readonly result: ChainVerification; readonly anchor?: string } | null;
}

function verificationPanel(v: AuditListView['verification']): SafeHtml | string {
  if (!v) return '';
  const { result, anchor } = v;
  if (result.ok) {
    return html`<div class="panel notice ok" role="status" id="verification">
      <h2>Chain verified ${badge('intact', 'ok')}</h2>
      <p>${result.checked} records checked${anchor ? html`, anchor <code>${anchor}</code> found` : ''}.</p>
      <p>
        Anchor to keep outside the database (ticket, log shipper, WORM bucket):
        <code id="anchor">${result.lastSeq ?? '0'}:${result.head}</code>
      </p>
    </div>`;
  }
  const broken = result.firstBroken;
  return html`<div class="panel notice bad" role="alert" id="verification">
    <h2>Chain broken ${badge('tampered', 'bad')}</h2>
    <p>
      First broken record:
      <strong>seq <span id="broken-seq">${broken?.seq ?? '?'}</span></strong> (${broken?.problem ?? 'unknown'}):
      ${broken?.detail ?? ''}
    </p>
    <p>
      ${result.checked} records
      checked.${broken ? html` <a href="/console/audit?before=${String(BigInt(broken.seq) + 1n)}">Show records from seq ${broken.seq} back</a>` : ''}
    </p>
  </div>`;
}

export function auditPage(ctx: PageContext, view: AuditListView): SafeHtml {
  const f = view.filter;
  const last = view.records.at(-1);
  const brokenSeq = view.verification?.result.firstBroken?.seq;
  const body = html`<h1>Audit trail</h1>
    <p class="lead">Append-only and hash-chained: each record's hash covers the one before it.</p>
    <form class="filters" method="get" action="/console/audit/verify">
      <div class="field">
        <label for="anchor-in">Anchor <span class="muted">(optional, &lt;seq&gt;:&lt;hash&gt;)</span></label>
        <input
          type="text"
          id="anchor-in"
          name="anchor"
          value="${v(view.verification?.anchor)}"
          pattern="\\d+:[0-9a-f]{64}"
          size="40"
        />
      </div>
      <button type="submit">Verify the chain</button>
    </form>
    ${verificationPanel(view.verification)}
    <h2>Records</h2>
    <form class="filters" method="get" action="/console/audit">
      <div class="field">
        <label for="f-kind">Kind</label>
        <select id="f-kind" name="kind">
          <option value="">all kinds</option>
          ${view.kinds.map((k) => html`<option${k === f.kind ? new SafeHtml(' selected') : ''}>${k}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="f-subject">Subject</label
        ><input type="text" id="f-subject" name="subject" value="${v(f.subject)}" placeholder="model:als-…" />
      </div>
      <div class="field">
        <label for="f-actor">Actor</label><input type="text" id="f-actor" name="actor" value="${v(f.actor)}" />
      </div>
      <button type="submit">Filter</button>
    </form>
    <table id="audit-records">
      <thead>
        <tr>
          <th scope="col" class="num">Seq</th>
          <th scope="col">At</th>
          <th scope="col">Actor</th>
          <th scope="col">Kind</th>
          <th scope="col">Subject</th>
          <th scope="col">Payload</th>
        </tr>
      </thead>
      <tbody>
        ${
          view.records.length === 0
            ? html`<tr>
                <td colspan="6" class="muted">No record matches.</td>
              </tr>`
            : view.records.map(
                (r) =>
                  html`<tr data-seq="${r.seq}" ${r.seq === brokenSeq ? new SafeHtml(' class="broken"') : ''}>
                    <td class="num">${r.seq}${r.seq === brokenSeq ? html` <strong>(broken)</strong>` : ''}</td>
                    <td>${when(r.at)}</td>
                    <td>${r.actor}</td>
                    <td>${r.kind}</td>
                    <td><a href="/console/audit?subject=${encodeURIComponent(r.subject)}">${r.subject}</a></td>
                    <td>
                      <details>
                        <summary>${summary(r.payload)}</summary>
                        <pre class="payload">${JSON.stringify(r.payload, null, 2)}</pre>
                        <p class="muted mono">hash ${r.hash}</p>
                      </details>
                    </td>
                  </tr>`,
              )
        }
      </tbody>
    </table>
    ${pager('/console/audit', { kind: f.kind, subject: f.subject, actor: f.actor }, f.before ? { before: '' } : null, view.hasNext && last ? { before: last.seq } : null, 'Audit')}`;
  return page(ctx, 'audit', 'Audit', body);
}

const v = (s: string | undefined): string => s ?? '';

/** A one-line gist of a payload: the fields people look for first. */
function summary(payload: unknown): string {
  if (!payload || typeof payload !== 'object') return 'payload';
  const p = payload as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['action', 'from', 'to', 'allowed', 'overridden', 'justification', 'reason', 'role']) {
    if (p[key] !== undefined && p[key] !== null && typeof p[key] !== 'object') parts.push(`${key}: ${String(p[key])}`);
  }
  if (Array.isArray(p.reasons) && p.reasons.length)
    parts.push(`reasons: ${(p.reasons as unknown[]).map(String).join('; ')}`);
  const text = parts.join(' · ');
  return text.length > 160 ? `${text.slice(0, 157)}…` : text || 'payload';
}
