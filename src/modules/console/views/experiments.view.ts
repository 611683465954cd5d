import type { Experiment, ExperimentsRepository, ExperimentsService } from '@modules/experiments';
import { html, HtmlValue, num, SafeHtml, when } from '../html';
import { lineChart, Series } from './charts';
import { badge, page, PageContext, pager, stateBadge } from './layout';

export type ExperimentAnalysis = Awaited<ReturnType<ExperimentsService['analyse']>>;
export type MetricPoint = Awaited<ReturnType<ExperimentsRepository['series']>>[number];

export interface ExperimentListView {
  readonly experiments: readonly Experiment[];
  readonly filter: { readonly kind?: string; readonly status?: string };
  readonly page: number;
  readonly hasNext: boolean;
}

const KINDS = ['ab', 'canary'] as const;
const STATUSES = ['draft', 'running', 'stopped', 'concluded', 'rolled_back', 'promoted'] as const;

function share(e: Experiment): string {
  if (e.kind === 'canary') return e.canaryShare === null ? '—' : `${Math.round(e.canaryShare * 100)}% to the candidate`;
  return e.arms.map((a) => `${a.name} ${Math.round(a.share * 100)}%`).join(' / ');
}

/** Why an experiment ended, in words: a rolled-back canary's reasons first. */
function conclusionReasons(e: Experiment): readonly string[] {
  const reasons = e.conclusion?.reasons;
  return Array.isArray(reasons) ? reasons.map(String) : [];
}

export function experimentListPage(ctx: PageContext, view: ExperimentListView): SafeHtml {
  const f = view.filter;
  const body = html`<h1>Experiments &amp; canaries</h1>
    <p class="lead">A/B tests and canary releases: arms, traffic share and the decision taken.</p>
    <form class="filters" method="get" action="/console/experiments">
      <div class="field">
        <label for="f-kind">Kind</label
        ><select id="f-kind" name="kind">
          <option value="">all kinds</option>
          ${KINDS.map(
            (k) =>
              html`<option value="${k}" ${k === f.kind ? new SafeHtml(' selected') : ''}>
                ${k === 'ab' ? 'A/B test' : 'canary'}
              </option>`,
          )}
        </select>
      </div>
      <div class="field">
        <label for="f-status">Status</label
        ><select id="f-status" name="status">
          <option value="">all statuses</option>
          ${STATUSES.map(
            (s) =>
              html`<option value="${s}" ${s === f.status ? new SafeHtml(' selected') : ''}>
                ${s.replace('_', ' ')}
              </option>`,
          )}
        </select>
      </div>
      <button type="submit">Filter</button>
    </form>
    <table>
      <thead>
        <tr>
          <th scope="col">Experiment</th>
          <th scope="col">Kind</th>
          <th scope="col">Slot</th>
          <th scope="col">Status</th>
          <th scope="col">Traffic</th>
          <th scope="col">Arms</th>
          <th scope="col">Started</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        ${
          view.experiments.length === 0
            ? html`<tr>
                <td colspan="8" class="muted">No experiment matches.</td>
              </tr>`
            : view.experiments.map(
                (e) =>
                  html`<tr>
                    <td>
                      <a href="/console/experiments/${encodeURIComponent(e.id)}"><code>${e.id}</code></a>
                    </td>
                    <td>${e.kind === 'ab' ? 'A/B test' : 'canary'}</td>
                    <td>${e.slot}</td>
                    <td>${stateBadge(e.status)}</td>
                    <td>${share(e)}</td>
                    <td>${e.arms.map((a) => html`<div>${a.name}: <code>${a.modelVersion}</code></div>`)}</td>
                    <td>${when(e.startedAt)}</td>
                    <td>
                      ${
                        conclusionReasons(e).length
                          ? html`<ul class="reasons">
                              ${conclusionReasons(e).map((r) => html`<li>${r}</li>`)}
                            </ul>`
                          : String(e.conclusion?.decision ?? '—')
                      }
                    </td>
                  </tr>`,
              )
        }
      </tbody>
    </table>
    ${pager('/console/experiments', { kind: f.kind, status: f.status }, view.page > 1 ? { page: String(view.page - 1) } : null, view.hasNext ? { page: String(view.page + 1) } : null, 'Experiments')}`;
  return page(ctx, 'experiments', 'Experiments & canaries', body);
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—';
}

function seriesOf(points: readonly MetricPoint[]): Series[] {
  const byArm = new Map<string, { x: number; y: number }[]>();
  for (const p of points) {
    if (p.recommendations === 0) continue;
    const list = byArm.get(p.arm) ?? [];
    list.push({ x: new Date(p.bucketStart).getTime(), y: p.conversions / p.recommendations });
    byArm.set(p.arm, list);
  }
  return [...byArm.entries()].map(([name, pts]) => ({ name, points: pts }));
}

export function experimentPage(
  ctx: PageContext,
  e: Experiment,
  analysis: ExperimentAnalysis | null,
  points: readonly MetricPoint[],
  pointsTruncated: boolean,
  guardrails: Record<string, unknown> | null = null,
): SafeHtml {
  const reasons = conclusionReasons(e);
  const decision = e.conclusion?.decision;
  const body = html`<p><a href="/console/experiments">← Experiments &amp; canaries</a></p>
    <h1><code>${e.id}</code> ${stateBadge(e.status)}</h1>
    ${
      e.status === 'rolled_back'
        ? html`<div class="panel notice bad" role="status" id="rollback">
            <h2>Rolled back${e.conclusion?.decision === 'rollback' ? ' automatically' : ''}</h2>
            ${
              reasons.length
                ? html`<p>Reasons:</p>
                    <ul class="reasons">
                      ${reasons.map((r) => html`<li>${r}</li>`)}
                    </ul>`
                : html`<p class="muted">No reason recorded.</p>`
            }
            <p>Stopped ${when(e.stoppedAt)}.</p>
          </div>`
        : decision
          ? html`<div class="panel notice ok" role="status">
              <h2>Decision: ${String(decision)}</h2>
              ${
                reasons.length
                  ? html`<ul class="reasons">
                      ${reasons.map((r) => html`<li>${r}</li>`)}
                    </ul>`
                  : ''
              }
            </div>`
          : ''
    }
    <dl class="facts">
      <dt>Kind</dt>
      <dd>${e.kind === 'ab' ? 'A/B test' : 'canary'}</dd>
      <dt>Slot</dt>
      <dd>${e.slot}</dd>
      <dt>Traffic</dt>
      <dd>
        ${share(e)}${e.kind === 'canary' && e.canaryStep !== null ? ` (step ${e.canaryStep + 1} of ${e.settings.canarySteps?.length ?? '?'})` : ''}
      </dd>
      <dt>Created</dt>
      <dd>${when(e.createdAt)} by ${e.createdBy}</dd>
      <dt>Started</dt>
      <dd>${when(e.startedAt)}</dd>
      <dt>Stopped</dt>
      <dd>${when(e.stoppedAt)}</dd>
    </dl>
    ${guardrails ? guardrailSection(guardrails, e.status === 'running') : ''}
    ${analysis ? analysisSection(analysis) : html`<p class="muted">No analysis available.</p>`}
    <h2>Over time</h2>
    ${lineChart('Conversions per response, per arm and minute', seriesOf(points), 'conversion')}
    ${pointsTruncated ? html`<p class="muted">Showing the latest ${points.length} buckets.</p>` : ''}`;
  return page(ctx, 'experiments', e.id, body);
}

function analysisSection(a: ExperimentAnalysis): HtmlValue {
  return html`<h2>Arms</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Arm</th>
          <th scope="col">Model</th>
          <th scope="col" class="num">Users</th>
          <th scope="col" class="num">Responses</th>
          <th scope="col" class="num">Users converted</th>
          <th scope="col" class="num">Conversions / response</th>
          <th scope="col" class="num">Error rate</th>
          <th scope="col" class="num">p95 latency</th>
        </tr>
      </thead>
      <tbody>
        ${a.arms.map(
          (arm) =>
            html`<tr>
              <td>${arm.arm}</td>
              <td><code>${arm.modelVersion}</code></td>
              <td class="num">${arm.users}</td>
              <td class="num">${arm.recommendations}</td>
              <td class="num">${pct(arm.userConversion.estimate)} (${arm.userConversion.successes})</td>
              <td class="num">${pct(arm.responseConversion)}</td>
              <td class="num">${pct(arm.errorRate)}</td>
              <td class="num">${num(arm.latencyP95Ms, 0)} ms</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Tests</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Comparison</th>
          <th scope="col" class="num">Difference</th>
          <th scope="col" class="num">Sequential p-value</th>
          <th scope="col">Sequential decision</th>
          <th scope="col" class="num">Fixed-horizon p</th>
        </tr>
      </thead>
      <tbody>
        ${a.comparisons.map(
          (c) =>
            html`<tr>
              <td>${c.treatment} vs ${c.control}</td>
              <td class="num">${num(c.conversionRatePerUser.difference, 4)}</td>
              <td class="num">${num(c.sequential.pValue, 4)}</td>
              <td>
                ${c.sequential.significant ? badge('significant', 'ok') : badge('not significant yet', 'neutral')}
                <span class="muted">after ${c.sequential.looks} ${c.sequential.looks === 1 ? 'look' : 'looks'}</span>
              </td>
              <td class="num">${num(c.conversionRatePerUser.pValue, 4)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p>
      Sample ratio check: ${a.sampleRatio.mismatch ? badge('mismatch', 'bad') : badge('no mismatch', 'ok')} χ² =
      ${num(a.sampleRatio.chiSquare, 2)}, p = ${num(a.sampleRatio.pValue, 4)} (observed
      ${a.sampleRatio.observed.join(' / ')}, expected ${a.sampleRatio.expected.map((x) => num(x, 0)).join(' / ')}).
      ${a.enoughData ? '' : html` ${badge('not enough data yet', 'warn')} (≥ ${a.minimumUsersPerArm} users per arm)`}
    </p>`;
}

const GUARDRAIL_ROWS: readonly (readonly [string, string, (v: number) => string])[] = [
  ['step', 'Step', (v) => String(v + 1)],
  ['share', 'Traffic to the candidate', pct],
  ['candidateUsers', 'Candidate users (this step)', (v) => String(v)],
  ['controlUsers', 'Control users (this step)', (v) => String(v)],
  ['candidateConversionRate', 'Candidate conversions / response', pct],
  ['controlConversionRate', 'Control conversions / response', pct],
  ['sequentialPValue', 'Sequential p-value (candidate worse)', (v) => num(v, 4)],
  ['errorRate', 'Error rate', pct],
  ['latencyP95Ms', 'p95 latency', (v) => `${num(v, 0)} ms`],
  ['latencyP99Ms', 'p99 latency', (v) => `${num(v, 0)} ms`],
];

/** The canary controller's guardrail report: what it decides on at every tick. */
function guardrailSection(report: Record<string, unknown>, running: boolean): HtmlValue {
  const broken = Array.isArray(report.broken) ? (report.broken as unknown[]).map(String) : [];
  return html`<h2>Guardrails ${running ? '(now)' : '(at the decision)'}</h2>
    <p>
      ${broken.length ? badge(`${broken.length} broken`, 'bad') : badge('none broken', 'ok')}
      ${report.readyToAdvance === true ? badge('ready to advance', 'ok') : running ? badge('holding', 'neutral') : ''}
    </p>
    ${
      broken.length
        ? html`<ul class="reasons">
            ${broken.map((b) => html`<li>${b}</li>`)}
          </ul>`
        : ''
    }
    <table>
      <thead>
        <tr>
          <th scope="col">Guardrail input</th>
          <th scope="col" class="num">Value</th>
        </tr>
      </thead>
      <tbody>
        ${GUARDRAIL_ROWS.filter(([key]) => typeof report[key] === 'number').map(
          ([key, label, format]) =>
            html`<tr>
              <td>${label}</td>
              <td class="num">${format(report[key] as number)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
