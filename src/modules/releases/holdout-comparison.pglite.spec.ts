import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { loadConfig, ConfigModule } from '@modules/config';
import {
  AuditService,
  ComplianceReportService,
  GateRegistry,
  GovernanceModule,
  HoldoutComparisonResult,
  ModelRegistryService,
  PromotionGate,
  SnapshotRef,
} from '@modules/governance';
import { MetricsModule } from '@modules/metrics';
import { StorageModule, StorageService } from '@modules/storage';
import type { InteractionDataset } from '@lib/dataset';
import { loadScorer } from '@lib/artifacts';
import { EvaluationContext, evaluateScorer, generateLatentWorld, temporalSplit } from '@lib/training';
import { HoldoutComparisonEvaluator } from './holdout-comparison.evaluator';
import { ModelReleaseService } from './model-release.service';
import { SNAPSHOT_SOURCE, SnapshotSource } from './snapshot-source';
import { TrainingRunRepository } from './training-run.repository';

const full = generateLatentWorld({ users: 300, movies: 80, interactions: 9_000, seed: 5 }).dataset;

/** The rows before the 90% time quantile: the champion's snapshot, which covers half of the candidate's holdout. */
function earlier(data: InteractionDataset, share: number): InteractionDataset {
  const cut = Float64Array.from(data.timestamp).sort()[Math.floor(data.timestamp.length * share)];
  const keep = (src: Int32Array | Float32Array | Float64Array) => src.filter((_, r) => data.timestamp[r] < cut);
  return {
    ...data,
    snapshotId: `${data.snapshotId}-early`,
    contentHash: 'ee'.repeat(32),
    userIndex: keep(data.userIndex) as Int32Array,
    itemIndex: keep(data.itemIndex) as Int32Array,
    watchMinutes: keep(data.watchMinutes) as Float32Array,
    rating: keep(data.rating) as Float32Array,
    timestamp: keep(data.timestamp) as Float64Array,
  };
}
const early = earlier(full, 0.9);
const datasets = new Map([full, early].map((d) => [d.snapshotId, d]));
const ref = (d: InteractionDataset): SnapshotRef => ({
  id: d.snapshotId,
  contentHash: d.contentHash,
  cutoff: new Date(0),
});
const snapshots: SnapshotSource = {
  create: async () => ref(full),
  find: async (id) => (datasets.has(id) ? ref(datasets.get(id)!) : null),
  load: async (id) => datasets.get(id)!,
};

@Module({ imports: [GovernanceModule], providers: [HoldoutComparisonEvaluator] })
class ComparisonGateModule implements OnModuleInit {
  constructor(
    @Inject(GateRegistry) private readonly gates: GateRegistry,
    @Inject(HoldoutComparisonEvaluator) private readonly comparison: HoldoutComparisonEvaluator,
  ) {}

  onModuleInit(): void {
    this.gates.register(this.comparison);
  }
}

/**
 * The biased holdout: the champion in production was trained on a snapshot that
 * reaches into the candidate's holdout. Scored as deployed on that holdout it
 * looks better than it is; the like-for-like comparison retrains its recipe on
 * the candidate's split, so the same recipe scores exactly the same.
 */
describe('like-for-like comparison with the champion (PGlite)', () => {
  let dataDir: string;
  let moduleRef: TestingModule;
  const recipe = { modelType: 'als', params: { factors: 16, iterations: 8 }, seed: 3 };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-holdout-comparison-'));
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' })),
        StorageModule,
        MetricsModule,
        GovernanceModule,
        ComparisonGateModule,
      ],
      providers: [TrainingRunRepository, ModelReleaseService, { provide: SNAPSHOT_SOURCE, useValue: snapshots }],
    }).compile();
    await moduleRef.init();
  }, 120_000);

  afterAll(async () => {
    await moduleRef?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records both figures on one holdout, with its hash, in the gate, the decision row and the report', async () => {
    const releases = moduleRef.get(ModelReleaseService);
    const common = { ...recipe, actor: 'root', role: 'admin', trigger: 'test' } as const;
    // The champion: the same recipe, trained on the earlier snapshot, put in production by an override.
    const first = await releases.release({ ...common, snapshotId: early.snapshotId, promoteTo: null });
    for (const to of ['canary', 'production'] as const) {
      const { decision } = await moduleRef.get(PromotionGate).requestTransition({
        modelId: first.model.id,
        to,
        actor: 'root',
        role: 'admin',
        override: true,
        justification: 'test champion, gates not under test here',
      });
      expect(decision.allowed).toBe(true);
    }
    const champion = await moduleRef.get(ModelRegistryService).get(first.model.id);
    expect(champion.gates['holdout-comparison']).toMatchObject({ status: 'passed', championId: null });

    const second = await releases.release({
      ...common,
      seed: recipe.seed,
      snapshotId: full.snapshotId,
      promoteTo: 'canary',
    });
    const candidate = await moduleRef.get(ModelRegistryService).get(second.model.id);
    const comparison = candidate.gates['holdout-comparison'] as HoldoutComparisonResult & { status: string };
    expect(comparison).toMatchObject({ status: 'passed', championId: champion.id, snapshotId: full.snapshotId });
    expect(comparison.splitHash).toMatch(/^[0-9a-f]{64}$/);

    // The biased figure: the deployed champion, which saw half of this holdout, scored on it as is.
    const split = temporalSplit(full, 0.8, 20);
    const ctx = new EvaluationContext(split, { maxUsers: 5_000, seed: recipe.seed });
    const deployed = evaluateScorer(await loadScorer(champion.artifactDir), ctx, { seed: recipe.seed }).warm.ndcg;
    // Like-for-like: the champion's recipe retrained on the candidate's split scores what the candidate does.
    expect(comparison.champion['ndcg@20']).toBeCloseTo(comparison.candidate['ndcg@20'], 9);
    expect(comparison.candidate['ndcg@20']).toBeCloseTo(Number(candidate.metrics['ndcg@20']), 9);
    // Measured: 0.58 as deployed vs 0.38 like-for-like (242 users), the candidate's own figure.
    expect(deployed).toBeGreaterThan(comparison.champion['ndcg@20'] + 0.05);
    expect(comparison.holdoutUsers).toBe(ctx.warmUsers.length);

    // The decision row and its audit record carry both figures and the split's hash.
    const [canary] = second.transitions;
    const input = canary.decision.input as { comparison: HoldoutComparisonResult };
    expect(input.comparison).toMatchObject({
      championId: champion.id,
      candidate: comparison.candidate,
      champion: comparison.champion,
      splitHash: comparison.splitHash,
    });
    expect(canary.decision.reasons.join('\n')).not.toMatch(/worse than champion/);
    const stored = await moduleRef
      .get(StorageService)
      .sql.query<{ input: { comparison: { splitHash: string } } }>(
        'SELECT input FROM promotion_decision WHERE id = $1',
        [canary.decision.id],
      );
    expect(stored[0].input.comparison.splitHash).toBe(comparison.splitHash);
    const [audited] = await moduleRef.get(AuditService).latest(1, 'policy.decision');
    expect(audited.payload).toMatchObject({ comparison: { championId: champion.id, splitHash: comparison.splitHash } });

    const report = await moduleRef.get(ComplianceReportService).write(candidate.id, 'auditor', dataDir);
    const markdown = readFileSync(report.markdownPath, 'utf8');
    expect(markdown).toContain('## Comparison with the champion (like-for-like)');
    expect(markdown).toContain(`| Split hash | ${comparison.splitHash} |`);
    expect(markdown).toContain(`| Champion ndcg@20 (shared holdout) | ${comparison.champion['ndcg@20'].toFixed(4)} |`);
    expect(markdown).toContain(`Decisions that used it: #${canary.decision.id}`);
  }, 300_000);
});
