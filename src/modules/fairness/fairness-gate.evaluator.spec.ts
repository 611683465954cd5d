import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig, loadConfig } from '@modules/config';
import { ModelVersion } from '@modules/governance';
import { MetricsRegistry } from '@modules/metrics';
import { Scorer, ScoredItem } from '@lib/artifacts';
import { generateLatentWorld } from '@lib/training';
import { auditScorer, auditSplit } from './audit/offline-audit';
import { trainRecipeScorer } from './audit/recipe-scorer';
import { writeFairnessReport } from './report/fairness-report';
import { FairnessAuditService } from './fairness-audit.service';
import { FairnessGateEvaluator } from './fairness-gate.evaluator';
import { FairnessMetrics } from './fairness.metrics';

const world = generateLatentWorld({ users: 800, movies: 160, interactions: 16_000, seed: 5 });
const data = world.dataset;

function evaluator(env: Record<string, string>): { gate: FairnessGateEvaluator; metrics: MetricsRegistry } {
  const config: AppConfig = loadConfig({ NODE_ENV: 'test', ...env });
  const metrics = new MetricsRegistry();
  const service = new FairnessAuditService(config, new FairnessMetrics(metrics));
  return { gate: new FairnessGateEvaluator(config, service), metrics };
}

const model = { id: 'popularity-test', modelType: 'popularity', params: {}, seed: 3 } as unknown as ModelVersion;
const snapshot = { id: data.snapshotId, contentHash: data.contentHash, cutoff: new Date(0) };

describe('FairnessGateEvaluator', () => {
  it('passes when the largest group gap is within the bound and records the audit in the gauges', async () => {
    const { gate, metrics } = evaluator({ FAIRNESS_MAX_QUALITY_GAP: '1' });
    const result = await gate.evaluate({ model, snapshot, data });
    expect(gate.gate).toBe('fairness');
    expect(result).toMatchObject({ status: 'passed', passed: true, reasons: [], undecided: [] });
    expect(result.qualityGap).toBeGreaterThanOrEqual(0);
    expect(result.gapCi[0]).toBeLessThanOrEqual(result.gapCi[1]);
    expect(Object.keys(result.groups).sort()).toEqual(['activity', 'age', 'gender', 'occupation']);
    expect(result.exposure.gini).toBeGreaterThan(0.5); // popularity shows everyone the same list
    const text = await metrics.text();
    expect(text).toMatch(/marquee_fairness_quality_gap\{dimension="gender"\} \d/);
    expect(text).toMatch(/marquee_exposure_gini \d/);
    expect(text).toMatch(/marquee_exposure_top10_share \d/);
  });

  it('fails when the gap exceeds the bound, with the same measurements (deterministic for a seed)', async () => {
    const strict = await evaluator({ FAIRNESS_MAX_QUALITY_GAP: '0.000001' }).gate.evaluate({ model, snapshot, data });
    const lenient = await evaluator({ FAIRNESS_MAX_QUALITY_GAP: '1' }).gate.evaluate({ model, snapshot, data });
    expect(strict.qualityGap).toBeGreaterThan(0.000001);
    expect(strict).toMatchObject({ status: 'failed', passed: false });
    expect(strict.reasons).toEqual([
      `quality gap ${strict.qualityGap.toFixed(3)} on ${strict.dimension} exceeds the bound 0.000001`,
    ]);
    expect({ ...strict, status: 'passed', passed: true, reasons: [], maxQualityGap: 1 }).toEqual(lenient);
  });

  it('is undecided, not passed, when a gated dimension has fewer than two groups large enough to compare', async () => {
    // 20 audited users: no group reaches the 30 users a gap needs.
    const { gate } = evaluator({ FAIRNESS_MAX_QUALITY_GAP: '1', FAIRNESS_AUDIT_MAX_USERS: '20' });
    const result = await gate.evaluate({ model, snapshot, data });
    expect(result).toMatchObject({ status: 'undecided', passed: false });
    expect(result.undecided).toEqual(['gender', 'age', 'occupation']);
    expect(result.reasons).toHaveLength(3);
    expect(result.reasons[0]).toMatch(/^gender: undecided, fewer than two groups with at least 30 holdout users \(/);
  });

  it('the default bound is the policy’s 0.1', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).fairness.maxQualityGap).toBe(0.1);
  });
});

describe('auditScorer', () => {
  it('finds a gap a scorer builds in on purpose: nothing useful for men', () => {
    const popular = [...new Set(Array.from(data.itemIndex))].slice(0, 60).map((i) => data.movies[i].id);
    const biased: Scorer = {
      modelType: 'stub',
      knowsUser: () => true,
      recommend(userId: number, k: number, exclude: ReadonlySet<string>): ScoredItem[] {
        if (data.users[userId - 1].gender === 'M') return [];
        return popular
          .filter((m) => !exclude.has(m))
          .slice(0, k)
          .map((movieId, r) => ({ movieId, score: -r }));
      },
    };
    const audit = auditScorer(biased, data, { seed: 1, resamples: 100 });
    const gender = audit.quality.gender;
    const men = gender.groups.find((g) => g.group === 'M');
    const women = gender.groups.find((g) => g.group === 'F');
    expect(men?.mean).toBe(0);
    expect(women?.mean).toBeGreaterThan(0);
    expect(gender.worst).toBe('M');
    expect(gender.gap).toBeGreaterThanOrEqual((women?.mean ?? 0) - 1e-12);
    expect(audit.qualityGap).toBeGreaterThanOrEqual(gender.gap);
    expect(audit.exposure.lists).toBe(audit.users);
  });

  it('writes the report: Markdown, JSON and one SVG per dimension plus Lorenz and genre plots', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'marquee-fairness-report-'));
    try {
      const audit = auditScorer(await trainRecipeScorer(auditSplit(data).train, model), data, { resamples: 50 });
      const report = await writeFairnessReport(
        audit,
        {
          model: 'popularity-test',
          recipe: model,
          dataset: 'synthetic',
          scorer: 'retrained',
          maxQualityGap: 0.1,
          passed: audit.qualityGap <= 0.1,
          command: 'test',
          generatedAt: '2026-11-26T00:00:00.000Z',
        },
        dir,
      );
      expect(path.basename(report.markdownPath)).toBe('fairness-popularity-test.md');
      expect(report.plots).toEqual(
        expect.arrayContaining(['fairness-popularity-test-quality-gender.svg', 'fairness-popularity-test-lorenz.svg']),
      );
      const markdown = await fs.readFile(report.markdownPath, 'utf8');
      expect(markdown).toContain('Gini of exposure');
      expect(markdown).toContain('## Popularity bias');
      const json = JSON.parse(await fs.readFile(report.jsonPath, 'utf8'));
      expect(json.audit.qualityGap).toBeCloseTo(audit.qualityGap, 12);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
