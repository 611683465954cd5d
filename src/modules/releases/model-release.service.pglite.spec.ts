import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { loadConfig, ConfigModule } from '@modules/config';
import {
  AuditModule,
  AuditService,
  GateEvaluation,
  GateEvaluator,
  GateInput,
  GateRegistry,
  GatesModule,
  SnapshotRef,
  ModelRegistryService,
  RegistryModule,
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
});
