import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Test, TestingModule } from '@nestjs/testing';
import { AppConfig, ConfigModule, loadConfig } from '@modules/config';
import { AuditService, ModelRegistryService, PromotionGate } from '@modules/governance';
import { StorageModule } from '@modules/storage';
// The controller and its store, wired by hand around fakes for routing, telemetry and the gate: what is under
// test is that the canary's per-step state survives a restart of the process that runs the controller.
import { CanaryService } from '@modules/experiments/canary.service';
import { Experiment } from '@modules/experiments/experiment';
import { ExperimentsMetrics } from '@modules/experiments/experiments.metrics';
import { ExperimentsRepository } from '@modules/experiments/experiments.repository';
import { ExperimentsService } from '@modules/experiments/experiments.service';
import { OnlineTelemetryService, OutcomeListener } from '@modules/experiments/online-telemetry.service';
import { createScratchDatabase } from '../support/services';

/** One "pod": its own connection pool and its own controller, on the shared PostgreSQL database. */
async function pod(config: AppConfig) {
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), StorageModule],
    providers: [ExperimentsRepository],
  }).compile();
  await moduleRef.init();
  const repository = moduleRef.get(ExperimentsRepository);
  let running: Experiment[] = await repository.running();
  let listener: OutcomeListener | null = null;
  const experiments = {
    get runningExperiments() {
      return running;
    },
    transition: async (e: Experiment, change: Parameters<ExperimentsRepository['update']>[1]) =>
      repository.update(e.id, change),
    replaceRunning: (e: Experiment) => {
      running = [...running.filter((x) => x.id !== e.id), ...(e.status === 'running' ? [e] : [])];
    },
    reload: async () => {
      running = await repository.running();
    },
    get: async (id: string) => repository.find(id),
    confirmedLoadFailure: async () => null,
  };
  const telemetry = {
    onOutcome: (l: OutcomeListener) => ((listener = l), () => (listener = null)),
    flush: async () => undefined,
    streamTime: () => null,
  };
  const service = new CanaryService(
    { experiments: { enabled: true, canaryTickMs: 3_600_000 }, serving: { slot: 'default' } } as unknown as AppConfig,
    experiments as unknown as ExperimentsService,
    repository,
    telemetry as unknown as OnlineTelemetryService,
    {
      serving: async () => ({ production: { id: 'v1' } }),
      get: async (id: string) => ({ id, state: 'canary' }),
    } as unknown as ModelRegistryService,
    {
      requestTransition: async (req: { modelId: string; to: string }) => ({
        decision: { allowed: true, reasons: [], id: 1 },
        model: { id: req.modelId, state: req.to },
      }),
    } as unknown as PromotionGate,
    { append: async () => undefined } as unknown as AuditService,
    { canaryShare: { set: () => undefined }, decisions: { inc: () => undefined } } as unknown as ExperimentsMetrics,
  );
  await service.onApplicationBootstrap();
  /** Users `from`..`to` - 1 in each arm, one response each; the first `converting` of each range convert. */
  const serve = (from: number, to: number, converting: number) => {
    for (let i = from; i < to; i++)
      for (const arm of ['candidate', 'control'])
        listener?.({
          attribution: {
            experimentId: 'canary-restart',
            arm,
            modelVersion: arm === 'candidate' ? 'v2' : 'v1',
            perUser: false,
          },
          userId: arm === 'candidate' ? i : 100_000 + i,
          at: 0,
          status: 200,
          latencyMs: 20,
          converted: i - from < converting,
          watchMinutes: 0,
          ratingSum: 0,
          ratingCount: 0,
        });
  };
  return {
    service,
    serve,
    running: () => running,
    /** A hard kill: the pod's connections go, its controller never runs its shutdown hook. */
    kill: () => moduleRef.close(),
  };
}

describe('canary state survives a restart of the controller (PostgreSQL)', () => {
  let db: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let config: AppConfig;

  beforeAll(async () => {
    db = await createScratchDatabase('marquee_canary');
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-canary-restart-'));
    config = loadConfig({ DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('killed mid-step, the restarted controller resumes the step with its counts', async () => {
    const first = await pod(config);
    await first.service.start(
      {
        candidate: 'v2',
        id: 'canary-restart',
        steps: [0.1, 0.5, 1],
        guardrails: { minUsersPerStep: 100, minStepMs: 0, minRequestsToPromote: 100 },
      },
      'alice',
      'release-manager',
    );
    await first.service.evaluateAll();
    // 60 of the step's 100 users per arm, then a tick (which saves), then the pod dies.
    first.serve(0, 60, 30);
    const [tick] = await first.service.evaluateAll();
    expect(tick.decision).toBe('hold');
    const before = first.service.report(first.running()[0]);
    expect(before).toMatchObject({ step: 0, candidateUsers: 60, controlUsers: 60, candidateConversion: 0.5 });
    await first.kill();

    const second = await pod(config);
    const resumed = second.service.report(second.running()[0]);
    expect(resumed).toEqual(before);
    // The step goes on from 60 users, not from zero: 40 more reach the step's 100 and it advances.
    second.serve(60, 100, 20);
    const [next] = await second.service.evaluateAll();
    expect(next.report).toMatchObject({ step: 0, candidateUsers: 100, controlUsers: 100, candidateConversion: 0.5 });
    expect(next.decision).toBe('advance');
    expect(second.running()[0]).toMatchObject({ canaryStep: 1, canaryShare: 0.5 });
    await second.kill();

    // After the advance, a third start resumes step 1 (empty), keeping the whole canary's totals.
    const third = await pod(config);
    expect(third.service.report(third.running()[0])).toMatchObject({ step: 1, candidateUsers: 0, controlUsers: 0 });
    await third.service.beforeApplicationShutdown();
    await third.kill();
  }, 120_000);
});
