import { ModelLineage } from '../registry/lineage.service';
import { ComplianceReportData, renderHtml, renderMarkdown } from './compliance-report';

const at = new Date('2026-11-26T08:00:00.000Z');
const version = 'ab'.repeat(32);

function report(
  gates: Record<string, unknown> = { fairness: { passed: true }, drift: { passed: false, reason: 'stale' } },
): ComplianceReportData {
  const model = {
    id: 'als-123',
    slot: 'default',
    modelType: 'als',
    params: { factors: 8 },
    seed: 1,
    snapshotId: 'snap-1',
    snapshotHash: 'cd'.repeat(32),
    codeVersion: { commit: 'abc', dirty: true },
    artifactDir: '/data/a',
    artifactSha256: 'ef'.repeat(32),
    trainingRunId: 'run-1',
    metrics: { 'ndcg@20': 0.3 },
    gates,
    state: 'production' as const,
    trainedBy: 'ds',
    trainedAt: at,
    registeredBy: 'ds',
    registeredAt: at,
    stateChangedAt: at,
    promotedAt: at,
  };
  const decision = (id: string, allowed: boolean, overridden: boolean, justification: string | null) => ({
    id,
    modelId: model.id,
    slot: 'default',
    fromState: 'candidate',
    toState: 'canary',
    actor: 'root',
    role: 'admin',
    allowed,
    overridden,
    justification,
    reasons: allowed && !overridden ? [] : ['drift gate failed: stale'],
    policyVersion: version,
    input: {},
    decidedAt: at,
  });
  const lineage: ModelLineage = {
    model,
    snapshot: null,
    snapshotHashMatches: null,
    trainingRun: {
      id: 'run-1',
      trainedBy: 'ds',
      trainedAt: at,
      modelType: 'als',
      params: model.params,
      seed: 1,
      codeVersion: model.codeVersion,
      snapshotId: 'snap-1',
      snapshotHash: model.snapshotHash,
      artifactSha256: model.artifactSha256,
      tuning: null,
      tuningSource: 'verified',
    },
    decisions: [decision('1', false, false, null), decision('2', true, true, '<script>alert(1)</script> | urgent fix')],
    history: [],
  };
  return {
    generatedAt: at,
    generatedBy: 'auditor',
    lineage,
    chain: { ok: true, checked: 3, head: 'f'.repeat(64), lastSeq: '3', firstBroken: null },
  };
}

describe('compliance report', () => {
  it('names every decision with its outcome and policy version (Markdown)', () => {
    const md = renderMarkdown(report());
    expect(md).toContain(`| 1 | 2026-11-26T08:00:00.000Z | candidate → canary | root (admin) | denied | ${version} |`);
    expect(md).toContain(
      `| 2 | 2026-11-26T08:00:00.000Z | candidate → canary | root (admin) | ALLOWED BY OVERRIDE | ${version} |`,
    );
    // Results recorded before gates were three-valued read as passed / failed.
    expect(md).toContain('| drift | FAILED | stale | — |');
    expect(md).toContain('| fairness | passed | — | — |');
    expect(md).toContain('| poisoning | not evaluated | — | — |');
    expect(md).toContain('| Gates | fairness passed, drift FAILED, poisoning not evaluated |');
    expect(md).toContain('None: every evaluated gate decided every feature.');
    expect(md).toContain('abc (dirty tree)');
    // A pipe in free text must not break the table.
    expect(md).toContain('<script>alert(1)</script> \\| urgent fix');
  });

  it('shows an undecided gate plainly: its status, reasons, and every undecided feature with its samples', () => {
    const md = renderMarkdown(
      report({
        drift: {
          status: 'undecided',
          passed: false,
          reasons: ['served_popularity: undecided, 0 recent samples < 100 required'],
          snapshotAgeHours: 0.5,
          undecided: ['served_popularity'],
          features: {
            rating: { decided: true, drifted: false, samples: { reference: 900, recent: 800 }, psi: 0.01 },
            served_popularity: {
              decided: false,
              drifted: false,
              samples: { reference: 5000, recent: 0 },
              psi: 1.8,
              reason: 'served_popularity: undecided, 0 recent samples < 100 required',
            },
          },
        },
        fairness: { status: 'passed', passed: true, reasons: [], qualityGap: 0.02 },
      }),
    );
    expect(md).toContain('| Gates | fairness passed, drift UNDECIDED, poisoning not evaluated |');
    expect(md).toMatch(
      /\| drift \| UNDECIDED \| served_popularity: undecided, 0 recent samples < 100 required \| \{"snapshotAgeHours":0.5,/,
    );
    expect(md).toContain(
      '| drift | served_popularity | 5000 | 0 | served_popularity: undecided, 0 recent samples < 100 required |',
    );
    expect(md).not.toContain('| drift | rating |');
  });

  it('escapes free text in the HTML page', () => {
    const html = renderHtml(report());
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(version);
    expect(html).toContain('@media print');
  });
});
