import { ModelLineage } from '../registry/lineage.service';
import { ComplianceReportData, renderHtml, renderMarkdown } from './compliance-report';

const at = new Date('2026-11-26T08:00:00.000Z');
const version = 'ab'.repeat(32);

function report(): ComplianceReportData {
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
    gates: { fairness: { passed: true }, drift: { passed: false, reason: 'stale' } },
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
    expect(md).toContain('| drift | FAILED {"reason":"stale"} |');
    expect(md).toContain('| poisoning | not evaluated |');
    expect(md).toContain('abc (dirty tree)');
    // A pipe in free text must not break the table.
    expect(md).toContain('<script>alert(1)</script> \\| urgent fix');
  });

  it('escapes free text in the HTML page', () => {
    const html = renderHtml(report());
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(version);
    expect(html).toContain('@media print');
  });
});
