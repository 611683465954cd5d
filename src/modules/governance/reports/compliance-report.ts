import { ChainVerification } from '../audit/audit-chain';
import { GateSummary, summarizeGates } from '../gates/gate-evaluator';
import { POLICY_GATES } from '../gates/gate-registry';
import { HOLDOUT_COMPARISON_GATE } from '../policy/promotion-policy';
import { ModelLineage } from '../registry/lineage.service';

/** Everything an auditor needs about one model, gathered at `generatedAt`. */
export interface ComplianceReportData {
  readonly generatedAt: Date;
  readonly generatedBy: string;
  readonly lineage: ModelLineage;
  readonly chain: ChainVerification;
  /** Gates to report, evaluated or not: the policy's and every registered one (default: the policy's). */
  readonly gateNames?: readonly string[];
}

interface Section {
  readonly title: string;
  readonly paragraphs?: readonly string[];
  readonly table?: { readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] };
}

const iso = (d: Date | null | undefined): string => (d ? d.toISOString() : '—');
const json = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));

const VERDICT: Record<GateSummary['status'], string> = {
  passed: 'passed',
  failed: 'FAILED',
  undecided: 'UNDECIDED',
  missing: 'not evaluated',
};

/** The measurements of a gate result, without what the other columns already show. */
function gateMeasurements(result: unknown): string {
  if (!result || typeof result !== 'object') return '—';
  const rest = { ...(result as Record<string, unknown>) };
  for (const key of ['status', 'passed', 'reasons', 'reason', 'undecided']) delete rest[key];
  return Object.keys(rest).length ? JSON.stringify(rest) : '—';
}

const figure = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : '—');

/** The like-for-like comparison with the champion, as recorded by the candidate's holdout-comparison gate. */
function comparisonSection(
  gates: Record<string, unknown>,
  decisions: ComplianceReportData['lineage']['decisions'],
): Section {
  const c = gates[HOLDOUT_COMPARISON_GATE] as
    | {
        status?: string;
        reasons?: string[];
        championId?: string | null;
        candidate?: Record<string, unknown>;
        champion?: Record<string, unknown>;
        championRegistered?: Record<string, unknown>;
        split?: string;
        splitHash?: string;
        holdoutRows?: number;
        holdoutUsers?: number;
        method?: string;
      }
    | undefined;
  const used = decisions.filter((d) => (d.input as { comparison?: unknown } | null)?.comparison);
  const title = 'Comparison with the champion (like-for-like)';
  if (!c) {
    return {
      title,
      paragraphs: [
        'No like-for-like comparison was recorded: any champion comparison in the decisions used registered ' +
          'figures, each measured on its own model’s holdout.',
      ],
    };
  }
  if (!c.championId) return { title, paragraphs: ['No champion was in production when the model was evaluated.'] };
  return {
    title,
    paragraphs: [
      `Both models measured on the same holdout (${c.method ?? 'same split'}). Decisions that used it: ` +
        `${used.map((d) => `#${d.id}`).join(', ') || 'none'}.` +
        (c.status === 'passed' ? '' : ` Status ${String(c.status).toUpperCase()}: ${(c.reasons ?? []).join('; ')}`),
    ],
    table: {
      head: ['Field', 'Value'],
      rows: [
        ['Champion', c.championId],
        ['Candidate ndcg@20 (shared holdout)', figure(c.candidate?.['ndcg@20'])],
        ['Champion ndcg@20 (shared holdout)', figure(c.champion?.['ndcg@20'])],
        ['Champion ndcg@20 as registered (its own holdout)', figure(c.championRegistered?.['ndcg@20'])],
        [
          'Candidate coverage / champion coverage',
          `${figure(c.candidate?.coverage)} / ${figure(c.champion?.coverage)}`,
        ],
        ['Split', c.split ?? '—'],
        ['Split hash', c.splitHash ?? '—'],
        ['Holdout', `${c.holdoutRows ?? '—'} rows, ${c.holdoutUsers ?? '—'} evaluated users`],
      ],
    },
  };
}

function undecidedRows(summaries: readonly GateSummary[]): string[][] {
  return summaries.flatMap((s) =>
    s.undecided.map((u) => [
      s.gate,
      u.name,
      u.samples ? String(u.samples.reference) : '—',
      u.samples ? String(u.samples.recent) : '—',
      u.reason ?? '—',
    ]),
  );
}

function deploymentEvent(kind: string, payload: unknown): string {
  const p = (payload ?? {}) as { from?: string; to?: string; rollback?: boolean };
  if (kind !== 'model.transition') return kind;
  return `${p.from} → ${p.to}${p.rollback ? ' (rollback)' : ''}`;
}

interface TuningRecord {
  readonly method: string;
  readonly metric: string;
  readonly seed: number;
  readonly budget: { readonly trials: number; readonly seconds: number };
  readonly stoppedBy: string;
  readonly validation: { readonly description: string; readonly sourceRows: number; readonly validationRows: number };
  readonly best: { readonly trial: number; readonly metric: number };
  readonly trials: readonly {
    readonly trial: number;
    readonly params: Record<string, unknown>;
    readonly metric: number | null;
    readonly seconds: number;
    readonly status: string;
  }[];
}

/** Every trial of the search that chose the hyper-parameters (read from the registered, hashed manifest). */
function tuningSection(tuning: unknown, source: string): Section {
  const t = tuning as TuningRecord | null;
  if (!t || !Array.isArray(t.trials)) {
    return {
      title: 'Hyper-parameter search',
      paragraphs: [
        source === 'verified'
          ? 'None: the model was trained with the parameters above as given.'
          : `Not available (${source}).`,
      ],
    };
  }
  return {
    title: 'Hyper-parameter search',
    paragraphs: [
      `${t.method} (seed ${t.seed}) on a validation split carved from the training rows only ` +
        `(${t.validation.description}; ${t.validation.sourceRows} rows given to the search, ${t.validation.validationRows} held out for validation; ` +
        `the promotion holdout is never among them). Budget ${t.budget.trials} trials / ${t.budget.seconds} s, stopped by ${t.stoppedBy}. ` +
        `Chosen: trial ${t.best.trial}, ${t.metric} ${t.best.metric.toFixed(4)}. Trial 0 is the defaults.`,
    ],
    table: {
      head: ['Trial', t.metric, 'Seconds', 'Status', 'Parameters changed'],
      rows: t.trials.map((trial) => [
        `${trial.trial}${trial.trial === t.best.trial ? ' (chosen)' : ''}`,
        trial.metric === null ? '—' : trial.metric.toFixed(4),
        trial.seconds.toFixed(1),
        trial.status,
        json(trial.params),
      ]),
    },
  };
}

/** The report as titled sections, rendered to Markdown and HTML alike. */
function sections(data: ComplianceReportData): Section[] {
  const { model, snapshot, snapshotHashMatches, trainingRun, decisions, history } = data.lineage;
  const approvals = decisions.filter((d) => d.allowed && (d.toState === 'canary' || d.toState === 'production'));
  const overrides = decisions.filter((d) => d.overridden);
  const deployments = history.filter((r) => r.kind === 'model.transition' || r.kind === 'model.rolled-back');
  const policyVersions = [...new Set(decisions.map((d) => d.policyVersion))];
  const gates = summarizeGates(model.gates, data.gateNames ?? POLICY_GATES);
  const undecided = undecidedRows(gates);
  return [
    {
      title: 'Summary',
      table: {
        head: ['Field', 'Value'],
        rows: [
          ['Model', model.id],
          ['Current state', model.state],
          ['Serving slot', model.slot],
          ['Model type', model.modelType],
          ['Policy decisions', String(decisions.length)],
          ['Policy versions used', policyVersions.join(', ') || '—'],
          ['Gates', gates.map((g) => `${g.gate} ${VERDICT[g.status]}`).join(', ')],
          ['Overrides', String(overrides.length)],
          [
            'Audit chain',
            data.chain.ok
              ? `intact (${data.chain.checked} records verified, head ${data.chain.head})`
              : `BROKEN at record ${data.chain.firstBroken?.seq}: ${data.chain.firstBroken?.detail}`,
          ],
        ],
      },
    },
    {
      title: 'Provenance and training run',
      table: {
        head: ['Field', 'Value'],
        rows: [
          ['Training run', trainingRun.id ?? '—'],
          ['Trained by', trainingRun.trainedBy],
          ['Trained at', iso(trainingRun.trainedAt)],
          ['Hyper-parameters', json(trainingRun.params)],
          ['Seed', String(trainingRun.seed)],
          ['Code version', `${trainingRun.codeVersion.commit}${trainingRun.codeVersion.dirty ? ' (dirty tree)' : ''}`],
          ['Artifact sha256', trainingRun.artifactSha256],
          ['Registered by', `${model.registeredBy} at ${iso(model.registeredAt)}`],
        ],
      },
    },
    tuningSection(trainingRun.tuning, trainingRun.tuningSource),
    {
      title: 'Data snapshot',
      table: {
        head: ['Field', 'Value'],
        rows: [
          ['Snapshot id', model.snapshotId],
          ['Content hash (at training)', model.snapshotHash],
          [
            'Stored snapshot',
            snapshot
              ? `cutoff ${iso(snapshot.cutoff)}, rows ${json(snapshot.rowCounts)}, hash ${
                  snapshotHashMatches ? 'matches' : `DIFFERS (${snapshot.contentHash})`
                }`
              : 'not found in dataset_snapshot',
          ],
        ],
      },
    },
    {
      title: 'Offline metrics',
      table: { head: ['Metric', 'Value'], rows: Object.entries(model.metrics).map(([k, v]) => [k, json(v)]) },
    },
    {
      title: 'Gate results',
      paragraphs: [
        'Each gate is passed, FAILED or UNDECIDED (it could not decide, e.g. too few samples in a window); the ' +
          'policy denies a promotion on a failed or undecided gate unless an admin overrides it with a written ' +
          'justification that names the gate.',
      ],
      table: {
        head: ['Gate', 'Status', 'Reasons', 'Measurements'],
        rows: gates.map((g) => [
          g.gate,
          VERDICT[g.status],
          g.reasons.length ? g.reasons.join('; ') : '—',
          gateMeasurements(model.gates[g.gate]),
        ]),
      },
    },
    {
      title: 'Undecided gate features',
      paragraphs: undecided.length
        ? ['What each gate could not decide, with the samples it had in the reference and recent windows.']
        : ['None: every evaluated gate decided every feature.'],
      table: { head: ['Gate', 'Feature', 'Reference samples', 'Recent samples', 'Why'], rows: undecided },
    },
    comparisonSection(model.gates, decisions),
    {
      title: 'Policy decisions',
      paragraphs: decisions.length ? [] : ['No transition was ever requested.'],
      table: {
        head: ['#', 'Decided at', 'Transition', 'Actor (role)', 'Outcome', 'Policy version', 'Reasons'],
        rows: decisions.map((d) => [
          d.id,
          iso(d.decidedAt),
          `${d.fromState} → ${d.toState}`,
          `${d.actor} (${d.role})`,
          d.allowed ? (d.overridden ? 'ALLOWED BY OVERRIDE' : 'allowed') : 'denied',
          d.policyVersion,
          d.reasons.length ? d.reasons.join('; ') : 'none',
        ]),
      },
    },
    {
      title: 'Approvals',
      table: {
        head: ['Decision', 'Transition', 'Approved by', 'At'],
        rows: approvals.map((d) => [d.id, `${d.fromState} → ${d.toState}`, `${d.actor} (${d.role})`, iso(d.decidedAt)]),
      },
    },
    {
      title: 'Overrides',
      paragraphs: overrides.length ? [] : ['None.'],
      table: {
        head: ['Decision', 'Transition', 'By', 'Justification', 'Overridden reasons'],
        rows: overrides.map((d) => [
          d.id,
          `${d.fromState} → ${d.toState}`,
          `${d.actor} (${d.role})`,
          d.justification ?? '—',
          d.reasons.join('; '),
        ]),
      },
    },
    {
      title: 'Deployment history',
      table: {
        head: ['Audit seq', 'At', 'Event', 'By', 'Details'],
        rows: deployments.map((r) => [r.seq, r.at, deploymentEvent(r.kind, r.payload), r.actor, json(r.payload)]),
      },
    },
    {
      title: 'Audit records for this model',
      table: {
        head: ['Seq', 'At', 'Kind', 'Actor', 'Hash'],
        rows: history.map((r) => [r.seq, r.at, r.kind, r.actor, r.hash]),
      },
    },
  ];
}

const mdCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderMarkdown(data: ComplianceReportData): string {
  const out = [
    `# Compliance report: model ${data.lineage.model.id}`,
    '',
    `Generated ${iso(data.generatedAt)} by ${data.generatedBy}.`,
    '',
  ];
  for (const section of sections(data)) {
    out.push(`## ${section.title}`, '');
    for (const p of section.paragraphs ?? []) out.push(p, '');
    if (section.table && section.table.rows.length > 0) {
      out.push(`| ${section.table.head.map(mdCell).join(' | ')} |`);
      out.push(`| ${section.table.head.map(() => '---').join(' | ')} |`);
      for (const row of section.table.rows) out.push(`| ${row.map(mdCell).join(' | ')} |`);
      out.push('');
    } else if (!section.paragraphs?.length) {
      out.push('None.', '');
    }
  }
  return out.join('\n');
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderHtml(data: ComplianceReportData): string {
  const title = `Compliance report: model ${data.lineage.model.id}`;
  const body = sections(data)
    .map((section) => {
      const paragraphs = (section.paragraphs ?? []).map((p) => `<p>${escapeHtml(p)}</p>`).join('');
      const table =
        section.table && section.table.rows.length > 0
          ? `<table><thead><tr>${section.table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
            `<tbody>${section.table.rows
              .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
              .join('')}</tbody></table>`
          : paragraphs
            ? ''
            : '<p>None.</p>';
      return `<section><h2>${escapeHtml(section.title)}</h2>${paragraphs}${table}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 11pt/1.4 system-ui, sans-serif; margin: 2rem; color: #111; }
  h1 { font-size: 18pt; } h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.5rem; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
  th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left; vertical-align: top;
           font-size: 9pt; word-break: break-word; }
  th { background: #eee; }
  section { page-break-inside: avoid; }
  @media print { body { margin: 1cm; } a { color: inherit; } }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Generated ${escapeHtml(iso(data.generatedAt))} by ${escapeHtml(data.generatedBy)}.</p>
${body}
</body>
</html>
`;
}
