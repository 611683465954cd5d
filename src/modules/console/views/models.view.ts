import { allowedTargets, type ModelLineage, type ModelVersion } from '@modules/governance';
import { html, HtmlValue, num, SafeHtml, when } from '../html';
import { barChart } from './charts';
import { badge, csrfField, page, PageContext, pager, stateBadge } from './layout';

export const MODEL_STATES = ['candidate', 'canary', 'production', 'retired', 'rejected'] as const;
export const TRANSITION_TARGETS = ['canary', 'production', 'retired', 'rejected'] as const;

export interface ModelListView {
  readonly models: readonly ModelVersion[];
  readonly slots: readonly string[];
  readonly filter: { readonly slot?: string; readonly state?: string };
  readonly page: number;
  readonly hasNext: boolean;
  readonly serving: readonly { slot: string; production: string | null; canaries: readonly string[] }[];
}

/** The outcome of a promotion or rollback just requested from the page. */
export type ActionResult =
  | {
      readonly kind: 'decision';
      readonly allowed: boolean;
      readonly overridden: boolean;
      readonly reasons: readonly string[];
      readonly policyVersion: string;
      readonly from: string;
      readonly to: string;
    }
  | { readonly kind: 'rollback'; readonly rolledBack: string; readonly restored: string }
  | { readonly kind: 'error'; readonly message: string };

function gateSummary(gates: Record<string, unknown>): SafeHtml {
  const names = Object.keys(gates).sort();
  if (names.length === 0) return html`<span class="muted">none recorded</span>`;
  return html`${names.map((g) => {
    const passed = (gates[g] as { passed?: unknown } | null)?.passed;
    return html`${badge(`${g}: ${passed === true ? 'passed' : passed === false ? 'failed' : 'undecided'}`, passed === true ? 'ok' : passed === false ? 'bad' : 'warn')} `;
  })}`;
}

export function modelListPage(ctx: PageContext, view: ModelListView): SafeHtml {
  const { filter } = view;
  const body = html`<h1>Models</h1>
    <p class="lead">The registry by slot and state. Every lifecycle change goes through the promotion policy.</p>
    <h2>Serving now</h2>
    <table>
      <caption class="muted">
        Production and canary model per slot
      </caption>
      <thead>
        <tr>
          <th scope="col">Slot</th>
          <th scope="col">Production</th>
          <th scope="col">Canaries</th>
        </tr>
      </thead>
      <tbody>
        ${view.serving.map(
          (s) =>
            html`<tr>
              <td>${s.slot}</td>
              <td>
                ${s.production ? html`<a href="/console/models/${encodeURIComponent(s.production)}">${s.production}</a>` : html`<span class="muted">none</span>`}
              </td>
              <td>
                ${s.canaries.length ? s.canaries.map((c) => html`<a href="/console/models/${encodeURIComponent(c)}">${c}</a> `) : html`<span class="muted">none</span>`}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Registry</h2>
    <form class="filters" method="get" action="/console/models">
      <div class="field">
        <label for="f-slot">Slot</label>
        <select id="f-slot" name="slot">
          <option value="">all slots</option>
          ${view.slots.map((s) => html`<option${s === filter.slot ? new SafeHtml(' selected') : ''}>${s}</option>`)}
        </select>
      </div>
      <div class="field">
        <label for="f-state">State</label>
        <select id="f-state" name="state">
          <option value="">all states</option>
          ${MODEL_STATES.map((s) => html`<option${s === filter.state ? new SafeHtml(' selected') : ''}>${s}</option>`)}
        </select>
      </div>
      <button type="submit">Filter</button>
    </form>
    <table>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Slot</th>
          <th scope="col">Type</th>
          <th scope="col">State</th>
          <th scope="col" class="num">NDCG@20</th>
          <th scope="col">Gates</th>
          <th scope="col">Registered</th>
        </tr>
      </thead>
      <tbody>
        ${
          view.models.length === 0
            ? html`<tr>
                <td colspan="7" class="muted">No model matches.</td>
              </tr>`
            : view.models.map(
                (m) =>
                  html`<tr>
                    <td>
                      <a href="/console/models/${encodeURIComponent(m.id)}"><code>${m.id}</code></a>
                    </td>
                    <td>${m.slot}</td>
                    <td>${m.modelType}</td>
                    <td>${stateBadge(m.state)}</td>
                    <td class="num">${num(m.metrics['ndcg@20'])}</td>
                    <td>${gateSummary(m.gates)}</td>
                    <td>${when(m.registeredAt)}</td>
                  </tr>`,
              )
        }
      </tbody>
    </table>
    ${pager('/console/models', { slot: filter.slot, state: filter.state }, view.page > 1 ? { page: String(view.page - 1) } : null, view.hasNext ? { page: String(view.page + 1) } : null, 'Registry')}`;
  return page(ctx, 'models', 'Models', body);
}

function value(v: unknown): HtmlValue {
  if (typeof v === 'number') return num(v, Number.isInteger(v) ? 0 : 4);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (
      entries.length > 0 &&
      entries.length <= 12 &&
      entries.every(([, x]) => typeof x === 'number' || typeof x === 'string')
    ) {
      return entries
        .map(([k, x]) => `${k}: ${typeof x === 'number' ? num(x, Number.isInteger(x) ? 0 : 4) : x}`)
        .join(' · ');
    }
  }
  return html`<details>
    <summary>details</summary>
    <pre class="payload">${JSON.stringify(v, null, 2)}</pre>
  </details>`;
}

export function gateSection(name: string, result: unknown): SafeHtml {
  const r = (result ?? {}) as Record<string, unknown>;
  const passed = r.passed;
  const reasons = Array.isArray(r.reasons)
    ? (r.reasons as unknown[]).map(String)
    : typeof r.reason === 'string'
      ? [r.reason]
      : [];
  const measurements = Object.entries(r).filter(([k]) => !['passed', 'reasons', 'reason', 'groups'].includes(k));
  const groups = r.groups as Record<string, { group: string; users: number; mean: number }[]> | undefined;
  return html`<h3>
      ${name}
      ${badge(passed === true ? 'passed' : passed === false ? 'failed' : 'undecided', passed === true ? 'ok' : passed === false ? 'bad' : 'warn')}
    </h3>
    ${
      reasons.length
        ? html`<ul class="reasons">
            ${reasons.map((x) => html`<li>${x}</li>`)}
          </ul>`
        : ''
    }
    <table>
      <caption class="muted">
        ${name} gate measurements
      </caption>
      <thead>
        <tr>
          <th scope="col">Measurement</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        ${measurements.map(
          ([k, v]) =>
            html`<tr>
              <td>${k}</td>
              <td>${value(v)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      groups && typeof groups === 'object'
        ? Object.entries(groups).map(([dimension, gs]) =>
            Array.isArray(gs)
              ? barChart(
                  `${String(r.metric ?? 'quality')} by ${dimension}`,
                  gs.map((g) => ({ label: String(g.group), value: Number(g.mean), note: `${g.users} users` })),
                )
              : '',
          )
        : ''
    }`;
}

export function actionResultPanel(result: ActionResult | null): HtmlValue {
  if (!result) return '';
  if (result.kind === 'error') {
    return html`<div class="panel notice bad" role="alert">
      <h2>Request refused</h2>
      <p>${result.message}</p>
    </div>`;
  }
  if (result.kind === 'rollback') {
    return html`<div class="panel notice ok" role="status">
      <h2>Rolled back</h2>
      <p><code>${result.rolledBack}</code> left production; <code>${result.restored}</code> serves again.</p>
    </div>`;
  }
  const verdict = result.allowed
    ? result.overridden
      ? 'Allowed by override'
      : 'Allowed'
    : 'Denied by the promotion policy';
  return html`<div
    class="panel notice ${result.allowed ? 'ok' : 'bad'}"
    role="${result.allowed ? 'status' : 'alert'}"
    id="decision"
  >
    <h2>${verdict}: ${result.from} → ${result.to}</h2>
    <p>Policy version <code>${result.policyVersion}</code>.</p>
    ${
      result.reasons.length
        ? html`<p>${result.allowed ? 'Reasons set aside:' : 'Reasons:'}</p>
            <ul class="reasons">
              ${result.reasons.map((r) => html`<li>${r}</li>`)}
            </ul>`
        : ''
    }
  </div>`;
}

function actions(ctx: PageContext, m: ModelVersion): HtmlValue {
  if (!ctx.can.promote && !ctx.can.rollback) {
    return html`<p class="muted">Your role (${ctx.user.role}) can see this model but cannot change its state.</p>`;
  }
  const targets = allowedTargets(m.state);
  return html`${
    ctx.can.promote && targets.length === 0
      ? html`<p class="muted">A ${m.state} model is final: the lifecycle allows no transition from it.</p>`
      : ''
  }${
    ctx.can.promote && targets.length > 0
      ? html`<form method="post" action="/console/models/${encodeURIComponent(m.id)}/promotions" class="panel">
          ${csrfField(ctx)}
          <fieldset>
            <legend>Request a transition</legend>
            <div class="field">
              <label for="to">Target state</label>
              <select id="to" name="to">
                ${targets.map((t) => html`<option value="${t}">${t}</option>`)}
              </select>
            </div>
            <div class="field">
              <label for="justification">Justification</label>
              <textarea
                id="justification"
                name="justification"
                maxlength="4000"
                aria-describedby="justification-hint"
              ></textarea>
              <span class="hint" id="justification-hint"
                >Recorded with the decision and in the audit
                trail.${ctx.can.override ? ' Required for an override (at least 20 characters).' : ''}</span
              >
            </div>
            ${
              ctx.can.override
                ? html`<div class="check">
                      <input
                        type="checkbox"
                        id="override"
                        name="override"
                        value="true"
                        aria-describedby="override-hint"
                      />
                      <label for="override">Override the policy's denials</label>
                    </div>
                    <p class="hint" id="override-hint">
                      An override is an emergency measure: every reason it sets aside is kept with the decision.
                    </p>`
                : ''
            }
            <button type="submit">Request transition</button>
          </fieldset>
        </form>`
      : ''
  }${
    ctx.can.rollback && m.state === 'production'
      ? html`<form method="post" action="/console/slots/${encodeURIComponent(m.slot)}/rollback" class="panel">
          ${csrfField(ctx)}
          <fieldset>
            <legend>Roll back slot ${m.slot}</legend>
            <div class="field">
              <label for="reason">Reason</label><input type="text" id="reason" name="reason" maxlength="4000" />
            </div>
            <button type="submit" class="danger">Roll back to the previous production model</button>
          </fieldset>
        </form>`
      : ''
  }`;
}

interface TuningView {
  readonly method: string;
  readonly metric: string;
  readonly budget: { readonly trials: number; readonly seconds: number };
  readonly stoppedBy: string;
  readonly validation: { readonly description: string; readonly sourceRows: number };
  readonly best: { readonly trial: number; readonly metric: number };
  readonly trials: readonly {
    readonly trial: number;
    readonly params: Record<string, unknown>;
    readonly metric: number | null;
    readonly seconds: number;
    readonly status: string;
  }[];
}

/** The hyperparameter search behind the model (from its hashed manifest), every trial. */
export function tuningSection(tuning: unknown, source: string): HtmlValue {
  const t = tuning as TuningView | null;
  if (!t || !Array.isArray(t.trials)) {
    return html`<h2>Hyper-parameter search</h2>
      <p class="muted">
        ${source === 'verified' ? 'None: trained with the parameters above as given.' : `Not available (${source}).`}
      </p>`;
  }
  return html`<h2>Hyper-parameter search</h2>
    <p>
      ${t.method} on a validation split carved from the training rows only (${t.validation.description};
      ${t.validation.sourceRows} rows); budget ${t.budget.trials} trials / ${t.budget.seconds} s, stopped by
      ${t.stoppedBy}. Chosen: trial ${t.best.trial} (${t.metric} ${t.best.metric.toFixed(4)}); trial 0 is the defaults.
    </p>
    <table>
      <thead>
        <tr>
          <th scope="col">Trial</th>
          <th scope="col">${t.metric}</th>
          <th scope="col">Seconds</th>
          <th scope="col">Status</th>
          <th scope="col">Parameters changed</th>
        </tr>
      </thead>
      <tbody>
        ${t.trials.slice(0, 200).map(
          (trial) =>
            html`<tr>
              <td>${trial.trial}${trial.trial === t.best.trial ? ' (chosen)' : ''}</td>
              <td>${trial.metric === null ? '—' : trial.metric.toFixed(4)}</td>
              <td>${trial.seconds.toFixed(1)}</td>
              <td>${trial.status}</td>
              <td><code>${JSON.stringify(trial.params)}</code></td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function modelPage(ctx: PageContext, lineage: ModelLineage, result: ActionResult | null): SafeHtml {
  const { model: m, snapshot, trainingRun: run, decisions, history } = lineage;
  const shownHistory = history.slice(-200);
  const body = html`<p><a href="/console/models">← Models</a></p>
    <h1><code>${m.id}</code> ${stateBadge(m.state)}</h1>
    ${actionResultPanel(result)}
    <dl class="facts">
      <dt>Slot</dt>
      <dd>${m.slot}</dd>
      <dt>Type</dt>
      <dd>${m.modelType}</dd>
      <dt>State since</dt>
      <dd>${when(m.stateChangedAt)}</dd>
      <dt>Registered</dt>
      <dd>${when(m.registeredAt)} by ${m.registeredBy}</dd>
      <dt>Artifact sha256</dt>
      <dd><code>${m.artifactSha256}</code></dd>
    </dl>
    ${
      ctx.can.reportsRead
        ? html`<p>
            <a class="button secondary" href="/console/reports/models/${encodeURIComponent(m.id)}">Compliance report</a>
            ${ctx.can.auditRead ? html` <a class="button secondary" href="/console/audit?subject=${encodeURIComponent(`model:${m.id}`)}">Audit trail of this model</a>` : ''}
          </p>`
        : ''
    }
    <h2>Actions</h2>
    ${actions(ctx, m)}
    <h2>Metrics</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col" class="num">Value</th>
        </tr>
      </thead>
      <tbody>
        ${Object.entries(m.metrics).map(
          ([k, v]) =>
            html`<tr>
              <td>${k}</td>
              <td class="num">${value(v)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Gate results</h2>
    ${
      Object.keys(m.gates).length === 0
        ? html`<p class="muted">No gate has been evaluated.</p>`
        : Object.keys(m.gates)
            .sort()
            .map((g) => gateSection(g, m.gates[g]))
    }
    <h2>Training run</h2>
    <dl class="facts">
      <dt>Run</dt>
      <dd>${run.id ?? '—'}</dd>
      <dt>Trained</dt>
      <dd>${when(run.trainedAt)} by ${run.trainedBy}</dd>
      <dt>Seed</dt>
      <dd>${run.seed}</dd>
      <dt>Code version</dt>
      <dd><code>${run.codeVersion.commit}</code>${run.codeVersion.dirty ? ' (uncommitted changes)' : ''}</dd>
      <dt>Parameters</dt>
      <dd><code>${JSON.stringify(run.params)}</code></dd>
      <dt>Dataset snapshot</dt>
      <dd><code>${run.snapshotId}</code></dd>
      <dt>Snapshot content hash</dt>
      <dd>
        <code>${run.snapshotHash}</code> ${
          lineage.snapshotHashMatches === null
            ? badge('snapshot row missing', 'warn')
            : lineage.snapshotHashMatches
              ? badge('matches the stored snapshot', 'ok')
              : badge('differs from the stored snapshot', 'bad')
        }
      </dd>
      ${
        snapshot
          ? html`<dt>Snapshot cutoff</dt>
              <dd>${when(snapshot.cutoff)}</dd>
              <dt>Snapshot rows</dt>
              <dd><code>${JSON.stringify(snapshot.rowCounts)}</code></dd>`
          : ''
      }
    </dl>
    ${tuningSection(run.tuning, run.tuningSource)}
    <h2>Promotion decisions</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Decided</th>
          <th scope="col">Transition</th>
          <th scope="col">Actor (role)</th>
          <th scope="col">Outcome</th>
          <th scope="col">Policy version</th>
          <th scope="col">Reasons</th>
          <th scope="col">Justification</th>
        </tr>
      </thead>
      <tbody>
        ${
          decisions.length === 0
            ? html`<tr>
                <td colspan="7" class="muted">No decision yet.</td>
              </tr>`
            : [...decisions]
                .reverse()
                .slice(0, 200)
                .map(
                  (d) =>
                    html`<tr>
                      <td>${when(d.decidedAt)}</td>
                      <td>${d.fromState} → ${d.toState}</td>
                      <td>${d.actor} (${d.role})</td>
                      <td>
                        ${d.allowed ? (d.overridden ? badge('allowed by override', 'warn') : badge('allowed', 'ok')) : badge('denied', 'bad')}
                      </td>
                      <td><code>${d.policyVersion}</code></td>
                      <td>
                        ${
                          d.reasons.length
                            ? html`<ul class="reasons">
                                ${d.reasons.map((r) => html`<li>${r}</li>`)}
                              </ul>`
                            : html`<span class="muted">none</span>`
                        }
                      </td>
                      <td>${d.justification ?? '—'}</td>
                    </tr>`,
                )
        }
      </tbody>
    </table>
    <h2>Lineage</h2>
    <p class="muted">
      Snapshot <code>${m.snapshotId}</code> → training run → model <code>${m.id}</code>; the audit records about this
      model, oldest
      first${history.length > shownHistory.length ? ` (the last ${shownHistory.length} of ${history.length})` : ''}.
    </p>
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">Seq</th>
          <th scope="col">At</th>
          <th scope="col">Actor</th>
          <th scope="col">Kind</th>
        </tr>
      </thead>
      <tbody>
        ${shownHistory.map(
          (r) =>
            html`<tr>
              <td class="num">${r.seq}</td>
              <td>${when(r.at)}</td>
              <td>${r.actor}</td>
              <td>${r.kind}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return page(ctx, 'models', m.id, body);
}
