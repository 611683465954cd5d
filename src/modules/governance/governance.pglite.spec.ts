import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Test, TestingModule } from '@nestjs/testing';
import { loadConfig, ConfigModule } from '@modules/config';
import { MetricsModule } from '@modules/metrics';
import { writeArtifact } from '@lib/artifacts';
import { StorageModule, StorageService } from '@modules/storage';
import { AuditModule } from './audit/audit.module';
import { AuditService } from './audit/audit.service';
import { ModelRegistryService } from './registry/model-registry.service';
import { PromotionGate } from './registry/promotion-gate.service';
import { RegistryModule } from './registry/registry.module';

/**
 * The same governance path on embedded PGlite (the default back end of
 * `npm start`): plpgsql trigger, advisory locks, jsonb merges. The full API
 * flow runs on PostgreSQL in test/integration/governance.pg.spec.ts.
 */
describe('governance on PGlite', () => {
  let dataDir: string;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-gov-pglite-'));
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' })),
        StorageModule,
        MetricsModule,
        AuditModule,
        RegistryModule,
      ],
    }).compile();
    await moduleRef.init();
  }, 120_000);

  afterAll(async () => {
    await moduleRef?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function register(name: string, ndcg: number): Promise<string> {
    await writeArtifact(path.join(dataDir, name), {
      modelType: 'popularity',
      params: {},
      seed: ndcg * 1000,
      snapshotId: 'snap-1',
      snapshotHash: 'cd'.repeat(32),
      codeVersion: { commit: 'deadbeef', dirty: true },
      ids: { users: [], items: ['m1'] },
      tensors: { scores: { data: Float32Array.of(ndcg), shape: [1] } },
    });
    const registry = moduleRef.get(ModelRegistryService);
    const model = await registry.register({ artifactDir: name, metrics: { 'ndcg@20': ndcg, coverage: 0.5 } }, 'ds');
    for (const gate of ['fairness', 'drift', 'poisoning'] as const) {
      await registry.recordGateResult(model.id, gate, { passed: true }, 'gates');
    }
    return model.id;
  }

  it('promotes, denies a worse challenger with the reason, and keeps an intact chain', async () => {
    const gate = moduleRef.get(PromotionGate);
    const first = await register('a', 0.3);
    const actor = { actor: 'rm', role: 'release-manager' };
    expect((await gate.requestTransition({ modelId: first, to: 'canary', ...actor })).decision.allowed).toBe(true);
    const telemetry = { requests: 900, errorRate: 0, latencyP95Ms: 20, onlineMetric: 0.1 };
    const prod = await gate.requestTransition({
      modelId: first,
      to: 'production',
      canaryTelemetry: telemetry,
      ...actor,
    });
    expect(prod.model.state).toBe('production');

    const worse = await register('b', 0.1);
    const denied = await gate.requestTransition({ modelId: worse, to: 'canary', ...actor });
    expect(denied.decision.allowed).toBe(false);
    expect(denied.decision.reasons).toEqual([
      `candidate ndcg@20 0.1 is worse than champion ${first}'s 0.3 by more than the tolerance 0.005`,
    ]);
    expect(denied.model.state).toBe('candidate');

    await expect(moduleRef.get(AuditService).verify()).resolves.toMatchObject({ ok: true, firstBroken: null });
  });

  it('searches the trail newest first by kind, subject and actor, in keyset pages', async () => {
    const audit = moduleRef.get(AuditService);
    for (let i = 0; i < 5; i++) {
      await audit.append({ actor: i % 2 ? 'odd' : 'even', kind: 'search.test', subject: `thing:${i}`, payload: { i } });
    }
    const all = await audit.search({ kind: 'search.test', limit: 10 });
    expect(all.map((r) => (r.payload as { i: number }).i)).toEqual([4, 3, 2, 1, 0]);
    const page = await audit.search({ kind: 'search.test', limit: 2, beforeSeq: BigInt(all[1].seq) });
    expect(page.map((r) => r.subject)).toEqual(['thing:2', 'thing:1']);
    expect((await audit.search({ kind: 'search.test', actor: 'odd', limit: 10 })).map((r) => r.subject)).toEqual([
      'thing:3',
      'thing:1',
    ]);
    expect(await audit.search({ subject: 'thing:4', limit: 10 })).toHaveLength(1);
    expect(await audit.search({ kind: 'no.such.kind', limit: 10 })).toEqual([]);
  });

  it('refuses UPDATE and DELETE on the audit table', async () => {
    const sql = moduleRef.get(StorageService).sql;
    await expect(sql.query(`UPDATE audit_record SET actor = 'x'`)).rejects.toThrow(/append-only/);
    await expect(sql.query('DELETE FROM audit_record')).rejects.toThrow(/append-only/);
  });
});
