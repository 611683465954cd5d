import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Test, TestingModule } from '@nestjs/testing';
import { AppConfig, ConfigModule, loadConfig } from '@modules/config';
import { AuditService, ModelRegistryService } from '@modules/governance';
import { ReadinessRegistry } from '@modules/health';
import { MetricsRegistry } from '@modules/metrics';
import { LiveModels, LoadFailureKind, ModelLoaderService, ServingRouter } from '@modules/serving';
import { StorageModule } from '@modules/storage';
// The service and its store wired by hand, one instance per "pod", around fakes for what each pod loaded:
// what is under test is who may stop a test when an arm's model cannot be loaded.
import { DEFAULT_SETTINGS, Experiment } from '@modules/experiments/experiment';
import { ExperimentsMetrics } from '@modules/experiments/experiments.metrics';
import { ExperimentsRepository } from '@modules/experiments/experiments.repository';
import { ExperimentsService } from '@modules/experiments/experiments.service';
import { OnlineTelemetryService } from '@modules/experiments/online-telemetry.service';
import { createScratchDatabase } from '../support/services';

describe('an arm that cannot load stops a test only when confirmed (PostgreSQL)', () => {
  let db: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let config: AppConfig;
  let moduleRef: TestingModule;
  let repository: ExperimentsRepository;

  beforeAll(async () => {
    db = await createScratchDatabase('marquee_armload');
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-armload-'));
    config = loadConfig({ DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), StorageModule],
      providers: [ExperimentsRepository],
    }).compile();
    await moduleRef.init();
    repository = moduleRef.get(ExperimentsRepository);
  }, 60_000);

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A pod: what it failed to load (version → kind), its readiness, its metrics and the audit it writes. */
  function pod(name: string, failures: Map<string, LoadFailureKind>) {
    const live = {
      loadFailure: (v: string) => (failures.has(v) ? `cannot read ${v}: ENOENT or sha mismatch` : undefined),
      loadFailureKind: (v: string) => failures.get(v),
    };
    const readiness = new ReadinessRegistry();
    const metrics = new MetricsRegistry();
    const audits: { kind: string; payload: Record<string, unknown> }[] = [];
    const service = new ExperimentsService(
      config,
      repository,
      {} as ServingRouter,
      live as unknown as LiveModels,
      { refresh: async () => undefined } as unknown as ModelLoaderService,
      {} as ModelRegistryService,
      {
        append: async (entry: { kind: string; payload: Record<string, unknown> }) => void audits.push(entry),
      } as unknown as AuditService,
      {} as OnlineTelemetryService,
      new ExperimentsMetrics(metrics),
      readiness,
    );
    (service as unknown as { pod: string }).pod = name;
    service.onModuleInit();
    return { service, readiness, metrics, audits };
  }

  async function runningAb(id: string): Promise<Experiment> {
    await repository.insert({
      id,
      kind: 'ab',
      slot: 'default',
      status: 'draft',
      salt: id,
      arms: [
        { name: 'A', modelVersion: `${id}-a`, share: 0.5 },
        { name: 'B', modelVersion: `${id}-b`, share: 0.5 },
      ],
      settings: DEFAULT_SETTINGS,
      canaryStep: null,
      canaryShare: null,
      createdBy: 'test',
    });
    return repository.update(id, { status: 'running', startedAt: new Date() });
  }

  it('one pod of three missing the volume: that pod is unready and flags it; the test stops once most pods fail', async () => {
    const e = await runningAb('exp-volume');
    const broken = new Map<string, LoadFailureKind>([['exp-volume-b', 'unavailable']]);
    const [a, b, c] = [pod('pod-a', broken), pod('pod-b', new Map()), pod('pod-c', new Map())];
    await b.service.reload();
    await c.service.reload();
    await a.service.reload();

    expect((await repository.find(e.id))?.status).toBe('running');
    expect((await a.readiness.evaluate()).checks).toMatchObject({ experimentArmsLoaded: false });
    expect((await b.readiness.evaluate()).checks).toMatchObject({ experimentArmsLoaded: true });
    expect(a.service.armLoadFailures()).toEqual([
      { experimentId: e.id, arm: 'B', modelVersion: 'exp-volume-b', kind: 'unavailable' },
    ]);
    expect(await a.metrics.text()).toMatch(
      /marquee_experiment_arm_load_failed\{experiment="exp-volume",arm="B",model_version="exp-volume-b"\} 1/,
    );
    expect(await b.metrics.text()).not.toMatch(/marquee_experiment_arm_load_failed\{/);
    expect(a.audits).toEqual([]);

    // A second pod loses it too: 2 of 3 is a majority, and the next poll stops the test with why.
    const b2 = pod('pod-b', broken);
    await b2.service.reload();
    expect((await repository.find(e.id))?.status).toBe('stopped');
    const [stop] = b2.audits;
    expect(stop.payload).toMatchObject({ action: 'stop' });
    expect(stop.payload.reason).toMatch(
      /^arm B: model exp-volume-b could not be loaded: .*\(confirmed by 2 of 3 pods\)$/,
    );
  });

  it('an artifact that fails the registry checksum stops the test from one pod (tampering is the same everywhere)', async () => {
    const e = await runningAb('exp-tampered');
    const [a, b] = [pod('pod-a', new Map([['exp-tampered-b', 'tampered']])), pod('pod-b', new Map())];
    await b.service.reload();
    await a.service.reload();
    expect((await repository.find(e.id))?.status).toBe('stopped');
    expect(a.audits[0].payload.reason).toMatch(/\(confirmed by the registry's checksum: tampering\)$/);
  });
});
