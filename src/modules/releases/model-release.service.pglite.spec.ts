import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { loadConfig, ConfigModule } from '@modules/config';
import {
  AuditModule,
  AuditService,
  ComplianceReportService,
  GateEvaluation,
  GateEvaluator,
  GateInput,
  GateRegistry,
  GatesModule,
  SnapshotRef,
  ModelRegistryService,
  RegistryModule,
  ReportsModule,
} from '@modules/governance';
import { MetricsModule } from '@modules/metrics';
import { StorageModule } from '@modules/storage';
import { generateLatentWorld } from '@lib/training';
import { ModelReleaseService } from './model-release.service';
import { SNAPSHOT_SOURCE, SnapshotSource } from './snapshot-source';
import { TrainingRunRepository } from './training-run.repository';

const data = generateLatentWorld({ users: 120, movies: 40, interactions: 2_400, seed: 11 }).dataset;
const snapshot: SnapshotRef = { id: data.snapshotId, contentHash: data.contentHash, cutoff: new Date(0) };

/** A snapshot source over one in-memory dataset (the datasets module is not under test). */
const snapshots: SnapshotSource = {
  create: async () => snapshot,
  find: async (id) => (id === snapshot.id ? snapshot : null),
  load: async () => data,
};

/**
 * A gate neither governance nor releases knows: defined here, registered by
 * its own module exactly as monitoring, fairness and security register theirs.
 */
@Injectable()
class LicensingGateEvaluator implements GateEvaluator {
  readonly gate = 'licensing';
  readonly inputs: GateInput[] = [];

  async evaluate(input: GateInput): Promise<GateEvaluation> {
    this.inputs.push(input);
    return { status: 'passed', reasons: [], licensedMovies: input.data.movies.length };
  }
}

@Module({ imports: [GatesModule], providers: [LicensingGateEvaluator], exports: [LicensingGateEvaluator] })
class LicensingModule implements OnModuleInit {
  constructor(
    @Inject(GateRegistry) private readonly gates: GateRegistry,
    @Inject(LicensingGateEvaluator) private readonly licensing: LicensingGateEvaluator,
  ) {}

  onModuleInit(): void {
    this.gates.register(this.licensing);
  }
}

/**
 * The release pipeline on embedded PGlite with a gate added by registering a
 * class: ModelReleaseService evaluates it and the registry records its result,
 * while gates nobody registered stay missing and the policy denies.
 */
describe('ModelReleaseService with a registered gate (PGlite)', () => {
  let dataDir: string;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-release-gates-'));
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' })),
        StorageModule,
        MetricsModule,
        AuditModule,
        RegistryModule,
        GatesModule,
        LicensingModule,
        ReportsModule,
      ],
      providers: [TrainingRunRepository, ModelReleaseService, { provide: SNAPSHOT_SOURCE, useValue: snapshots }],
    }).compile();
    await moduleRef.init();
  }, 120_000);

  afterAll(async () => {
    await moduleRef?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('evaluates and records the new gate; the unregistered policy gates stay missing and deny', async () => {
    const outcome = await moduleRef.get(ModelReleaseService).release({
      modelType: 'popularity',
      seed: 7,
      actor: 'rm',
      role: 'release-manager',
      promoteTo: 'canary',
      trigger: 'test',
    });

    const licensing = moduleRef.get(LicensingGateEvaluator);
    expect(licensing.inputs).toHaveLength(1);
    expect(licensing.inputs[0].model.id).toBe(outcome.model.id);
    expect(licensing.inputs[0].snapshot).toBe(snapshot);

    const model = await moduleRef.get(ModelRegistryService).get(outcome.model.id);
    expect(model.gates).toEqual({
      licensing: { status: 'passed', passed: true, reasons: [], licensedMovies: data.movies.length },
    });

    const recorded = (await moduleRef.get(AuditService).latest(50, 'model.gate-recorded')).filter(
      (r) => r.subject === `model:${model.id}`,
    );
    expect(recorded.map((r) => [r.actor, (r.payload as { gate: string }).gate])).toEqual([
      ['service:licensing-gate', 'licensing'],
    ]);

    const [canary] = outcome.transitions;
    expect(canary.decision.allowed).toBe(false);
    expect(canary.decision.reasons).toEqual(
      expect.arrayContaining([
        'fairness gate has not been evaluated',
        'drift gate has not been evaluated',
        'poisoning gate has not been evaluated',
      ]),
    );
    expect(canary.decision.reasons.join('\n')).not.toContain('licensing');
  }, 120_000);

  it('records a tuned run: every trial in the manifest, the audit trail and the compliance report', async () => {
    const outcome = await moduleRef.get(ModelReleaseService).release({
      modelType: 'als',
      params: { factors: 8 },
      seed: 3,
      actor: 'rm',
      role: 'release-manager',
      promoteTo: null,
      trigger: 'test',
      tune: { trials: 3, seconds: 600 },
    });
    expect(outcome.tuning?.trials).toHaveLength(3);
    expect(outcome.model.params).toEqual(expect.objectContaining(outcome.tuning?.best.params));
    expect(outcome.model.params.factors).toBe(8); // given by the caller: kept out of the search

    const registered = (await moduleRef.get(AuditService).latest(50, 'model.registered')).find(
      (r) => r.subject === `model:${outcome.model.id}`,
    );
    expect((registered?.payload as { tuning: { trials: unknown[] } }).tuning.trials).toHaveLength(3);

    const report = await moduleRef
      .get(ComplianceReportService)
      .write(outcome.model.id, 'auditor', path.join(dataDir, 'reports'));
    const { trainingRun } = report.data.lineage;
    expect(trainingRun.tuningSource).toBe('verified');
    expect((trainingRun.tuning as { trials: unknown[] }).trials).toHaveLength(3);
    const markdown = await import('node:fs/promises').then((fs) => fs.readFile(report.markdownPath, 'utf8'));
    expect(markdown).toContain('Hyper-parameter search');
    expect(markdown).toMatch(/\| 0( \(chosen\))? \| 0\.\d{4} \|/);
    expect(markdown).toMatch(/\| 2( \(chosen\))? \| 0\.\d{4} \|/);
  }, 120_000);
});
