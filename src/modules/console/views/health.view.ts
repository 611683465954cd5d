import type { ModelVersion } from '@modules/governance';
import { html, num, SafeHtml, when } from '../html';
import { barChart } from './charts';
import { badge, page, PageContext } from './layout';
import { gateSection } from './models.view';

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

export interface HealthView {
  readonly ready: { readonly ready: boolean; readonly checks: Record<string, boolean> };
  readonly lag: readonly { topic: string; partition: number; committed: string; end: string; lag: number }[];
  readonly ingestionPaused: boolean;
  readonly deadLetters: readonly { reason: string; count: number; lastReceivedAt: Date }[];
  readonly serving: {
    readonly versionId: string | null;
    readonly modelType: string | null;
    readonly loadedAt: Date | null;
    readonly loaded: readonly string[];
  };
  readonly production: ModelVersion | null;
  readonly latency: LatencySummary;
}

export function healthPage(ctx: PageContext, v: HealthView): SafeHtml {
  const totalLag = v.lag.reduce((s, p) => s + p.lag, 0);
  const totalDead = v.deadLetters.reduce((s, d) => s + d.count, 0);
  const drift = v.production?.gates.drift as Record<string, unknown> | undefined;
  const fairness = v.production?.gates.fairness as Record<string, unknown> | undefined;
  const psi = drift && typeof drift.psi === 'object' && drift.psi ? (drift.psi as Record<string, number>) : null;
  const body = html`<h1>Data &amp; health</h1>
    <div class="cards">
      <div class="card">
        <div class="label">Readiness</div>
        <div class="value">${v.ready.ready ? badge('ready', 'ok') : badge('not ready', 'bad')}</div>
        <div class="muted">
          ${Object.entries(v.ready.checks)
            .map(([k, ok]) => `${k}: ${ok ? 'ok' : 'failing'}`)
            .join(', ')}
        </div>
      </div>
      <div class="card">
        <div class="label">Ingestion lag (records)</div>
        <div class="value">${totalLag}</div>
        <div class="muted">${v.ingestionPaused ? 'paused by back-pressure' : 'consuming'}</div>
      </div>
      <div class="card">
        <div class="label">Dead letters</div>
        <div class="value">${totalDead}</div>
        <div class="muted">${v.deadLetters.length} reasons</div>
      </div>
      <div class="card">
        <div class="label">Serving model</div>
        <div class="value"><code>${v.serving.versionId ?? 'none'}</code></div>
        <div class="muted">${v.serving.modelType ?? ''} loaded ${when(v.serving.loadedAt)}</div>
      </div>
      <div class="card">
        <div class="label">Recommendation latency (p95)</div>
        <div class="value">${v.latency.p95Ms === null ? '—' : `${num(v.latency.p95Ms, 1)} ms`}</div>
        <div class="muted">
          p50 ${num(v.latency.p50Ms, 1)} ms · p99 ${num(v.latency.p99Ms, 1)} ms · ${v.latency.count} requests since
          start
        </div>
      </div>
    </div>
    <h2>Ingestion</h2>
    <table>
      <caption class="muted">
        Consumer lag per partition
      </caption>
      <thead>
        <tr>
          <th scope="col">Topic</th>
          <th scope="col" class="num">Partition</th>
          <th scope="col" class="num">Committed</th>
          <th scope="col" class="num">End</th>
          <th scope="col" class="num">Lag</th>
        </tr>
      </thead>
      <tbody>
        ${
          v.lag.length === 0
            ? html`<tr>
                <td colspan="5" class="muted">No consumer in this process (ingestion disabled or not started).</td>
              </tr>`
            : v.lag.map(
                (p) =>
                  html`<tr>
                    <td>${p.topic}</td>
                    <td class="num">${p.partition}</td>
                    <td class="num">${p.committed}</td>
                    <td class="num">${p.end}</td>
                    <td class="num">${p.lag}</td>
                  </tr>`,
              )
        }
      </tbody>
    </table>
    <table>
      <caption class="muted">
        Dead letters by reason
      </caption>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col" class="num">Lines</th>
          <th scope="col">Latest</th>
        </tr>
      </thead>
      <tbody>
        ${
          v.deadLetters.length === 0
            ? html`<tr>
                <td colspan="3" class="muted">No dead letter.</td>
              </tr>`
            : v.deadLetters.map(
                (d) =>
                  html`<tr>
                    <td>${d.reason}</td>
                    <td class="num">${d.count}</td>
                    <td>${when(d.lastReceivedAt)}</td>
                  </tr>`,
              )
        }
      </tbody>
    </table>
    <h2>Serving</h2>
    <dl class="facts">
      <dt>Production in the registry</dt>
      <dd>
        ${v.production ? html`<a href="/console/models/${encodeURIComponent(v.production.id)}"><code>${v.production.id}</code></a>` : 'none'}
      </dd>
      <dt>Loaded in this process</dt>
      <dd>${v.serving.loaded.length ? v.serving.loaded.map((id) => html`<code>${id}</code> `) : 'none'}</dd>
    </dl>
    <h2>Drift of the production model's snapshot</h2>
    ${
      drift
        ? html`${
            psi
              ? barChart(
                  'Population stability index (PSI) per feature',
                  Object.entries(psi).map(([label, value]) => ({ label, value })),
                )
              : ''
          }
          ${gateSection('drift', drift)}`
        : html`<p class="muted">The production model has no drift result.</p>`
    }
    <h2>Fairness audit of the production model</h2>
    ${fairness ? gateSection('fairness', fairness) : html`<p class="muted">The production model has no fairness result.</p>`}`;
  return page(ctx, 'health', 'Data & health', body);
}
