import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConflictException } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { loadConfig, ConfigModule } from '@modules/config';
import { AuditModule, AuditService, GatesModule, RegistryModule } from '@modules/governance';
import { MetricsModule } from '@modules/metrics';
import { StorageModule, StorageService } from '@modules/storage';
import { ModelReleaseService } from './model-release.service';
import { SNAPSHOT_SOURCE } from './snapshot-source';
import { TRAINING_RUN_STALE_MS, TrainingRunRepository } from './training-run.repository';

/**
 * A training run whose process died must not hold its slot: the next claim
 * fails it (audited) once its heartbeat is stale; a live one still conflicts.
 */
describe('TrainingRunRepository: abandoned runs (PGlite)', () => {
  let dataDir: string;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-training-runs-'));
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' })),
        StorageModule,
        MetricsModule,
        AuditModule,
        RegistryModule,
        GatesModule,
      ],
      providers: [TrainingRunRepository, ModelReleaseService, { provide: SNAPSHOT_SOURCE, useValue: {} }],
    }).compile();
    await moduleRef.init();
  }, 120_000);

  afterAll(async () => {
    await moduleRef?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const leftRunning = (id: string, slot: string, heartbeatAt: Date | null, startedAt = new Date()) =>
    moduleRef.get(StorageService).prisma.trainingRun.create({
      data: { id, slot, trigger: 'test', modelType: 'als', status: 'running', owner: 'gone:1', heartbeatAt, startedAt },
    });
  const claim = (id: string, slot: string) =>
    moduleRef.get(TrainingRunRepository).start({ id, slot, trigger: 'test', modelType: 'popularity' });

  it('a live run (fresh heartbeat) still holds the slot', async () => {
    await leftRunning('run-live', 'live', new Date());
    await expect(claim('run-second', 'live')).rejects.toBeInstanceOf(ConflictException);
  });

  it('a run whose heartbeat stopped is failed by the next claim, which then succeeds', async () => {
    await leftRunning('run-dead', 'dead', new Date(Date.now() - TRAINING_RUN_STALE_MS - 1_000));
    const abandoned = await claim('run-next', 'dead');
    expect(abandoned.map((r) => [r.id, r.owner])).toEqual([['run-dead', 'gone:1']]);
    const runs = await moduleRef.get(TrainingRunRepository).list();
    expect(runs.find((r) => r.id === 'run-dead')).toMatchObject({ status: 'failed' });
    expect(runs.find((r) => r.id === 'run-dead')?.error).toMatch(/abandoned: its process \(gone:1\) stopped/);
    expect(runs.find((r) => r.id === 'run-next')).toMatchObject({ status: 'running' });
  });

  it('at start-up of the embedded store every running run is failed and audited', async () => {
    await leftRunning('run-embedded', 'embedded', new Date());
    const n = await moduleRef.get(ModelReleaseService).failAbandonedRuns({ everyRunning: true });
    expect(n).toBeGreaterThanOrEqual(1);
    const audited = await moduleRef.get(AuditService).latest(20, 'training.abandoned');
    expect(audited.map((r) => r.subject)).toContain('training-run:run-embedded');
  });
});
