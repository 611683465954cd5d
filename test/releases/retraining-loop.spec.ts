import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeLoopReport } from '@app/cli/loop-report';
import { LoopResult, runRetrainingLoop } from '@app/cli/loop-simulate-harness';

/**
 * Issue 9, the retraining loop end to end on the embedded stack, in a tiny
 * world: the real service, its stream-clock schedule (`RETRAIN_CRON="stream: …"`)
 * starts every run, the release pipeline gates it, the canary controller ramps
 * it on online telemetry and promotes it. The driver never calls the pipeline
 * after cycle 0 (the bootstrap).
 */
const HOUR = 3_600_000;

describe('retraining loop in compressed time (embedded stack)', () => {
  let dir: string;
  let result: LoopResult;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-loop-test-'));
    result = await runRetrainingLoop({
      users: 1500,
      movies: 200,
      seed: 7,
      warmupDays: 1,
      days: 1,
      activity: 3,
      retrainCron: 'stream: 0 */6 * * *',
      modelType: 'item-knn',
      canaryPlan: { steps: [0.5, 1], guardrails: { minUsersPerStep: 40, minStepMs: 30 * 60_000 } },
      dataDir: path.join(dir, 'data'),
      // A 1500-user world has occupation and age groups of a handful of holdout users: only gender is gated here
      // (the others are measured and recorded on the model). The full run gates gender and age.
      env: { LOG_LEVEL: 'silent', FAIRNESS_GATE_DIMENSIONS: 'gender' },
    });
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every retraining run was started by the service schedule, at stream-clock occurrences', () => {
    expect(result.interrupted).toBe(false);
    expect(result.cycles.length).toBeGreaterThanOrEqual(1);
    for (const cycle of result.cycles) {
      expect(cycle.trigger).toBe('schedule');
      // The snapshot is cut at the cron occurrence on the stream's clock (every 6 simulated hours).
      expect(Date.parse(cycle.cutoff!) % (6 * HOUR)).toBe(0);
      // The service restarts with the schedule at loopStart; when its first look at the stream
      // comes before any later event, the occurrence at loopStart itself is the next one due.
      expect(Date.parse(cycle.cutoff!)).toBeGreaterThanOrEqual(Date.parse(result.options.loopStart));
      expect(cycle.audit.some((a) => a.kind === 'training.run' && a.actor === 'service:retraining')).toBe(true);
    }
  });

  it('at least one cycle went retrain → gates → canary → promote, and the audit trail records each step', () => {
    const complete = result.cycles.filter((c) => c.complete);
    if (complete.length === 0) console.log(JSON.stringify(result.cycles, null, 2));
    expect(complete.length).toBeGreaterThanOrEqual(1);
    for (const cycle of complete) {
      const kinds = cycle.audit.map(
        (a) => `${a.kind}${a.kind === 'experiment.decision' ? ` ${a.summary.split(' ')[0]}` : ''}`,
      );
      expect(kinds).toEqual(
        expect.arrayContaining([
          'model.registered',
          'model.gate-recorded',
          'policy.decision',
          'model.transition',
          'training.run',
          'experiment.decision canary',
          'experiment.decision advance',
          'experiment.decision promote:',
        ]),
      );
      // Gates evaluated and passed, the policy version named on the decision.
      expect(Object.keys(cycle.gates)).toEqual(expect.arrayContaining(['drift', 'fairness', 'poisoning']));
      expect(Object.values(cycle.gates).every((g) => g.passed)).toBe(true);
      expect(cycle.canaryDecision).toMatchObject({ allowed: true, reasons: [] });
      expect(cycle.canaryDecision!.policyVersion).toMatch(/^[0-9a-f]{16,}$/);
      // Promoted by the canary controller with its online telemetry, through the gate.
      const promote = cycle.audit.find(
        (a) => a.kind === 'policy.decision' && a.summary.startsWith('canary → production'),
      );
      expect(promote?.actor).toBe('service:canary');
      expect(promote?.summary).toMatch(/allowed by policy/);
      expect(cycle.canary?.status).toBe('promoted');
      expect(Number(cycle.canary?.telemetry?.requests)).toBeGreaterThanOrEqual(500);
    }
    // The last promoted model is the one in production; the ones before were retired.
    expect(result.finalProduction).toBe(result.promoted.at(-1));
  });

  it('the audit hash chain verifies, and the report is written', async () => {
    expect(result.audit.ok).toBe(true);
    expect(result.audit.checked).toBe(result.auditRecords);
    const files = await writeLoopReport(result, path.join(dir, 'report'), 'test');
    expect(readFileSync(files.markdownPath, 'utf8')).toMatch(
      /complete cycles \(retrain → gates → canary → promote\): \*\*[1-9]/,
    );
    expect(JSON.parse(readFileSync(files.jsonPath, 'utf8')).cycles.length).toBe(result.cycles.length);
    expect(readFileSync(files.svgPath, 'utf8')).toMatch(/<polyline/);
  });
});
