import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Test, TestingModule } from '@nestjs/testing';
import { activityBatch, movieRecord } from '@test/support/activity-store';
import { loadConfig, ConfigModule } from '@modules/config';
import { DatasetSnapshotService } from '@modules/datasets';
import type { InteractionDataset } from '@lib/dataset';
import { AuditService, ModelRegistryService } from '@modules/governance';
import { ActivityWriteRepository, CatalogRepository } from '@modules/interactions';
import { MetricsModule, MetricsRegistry } from '@modules/metrics';
import { writeArtifact } from '@lib/artifacts';
import { StorageModule } from '@modules/storage';
import { AuditChainMonitor } from './audit-chain.monitor';
import { DriftService } from './drift/drift.service';
import { MonitoringModule } from './monitoring.module';

const HOUR = 3_600_000;
const GENRES = ['Drama', 'Comedy', 'Action', 'Horror'];
const MOVIES = Array.from({ length: 40 }, (_, i) => ({ id: `movie+${i}+2001`, genre: GENRES[i % GENRES.length] }));

/** One (user, movie) interaction of the synthetic behaviour. */
interface Pair {
  user: number;
  movie: string;
  minutes: number;
  rating: number;
  at: number;
}

/** A deterministic, varied behaviour: users with 1..8 movies, mixed genres, ratings 1..5. */
function behaviour(
  users: number,
  start: number,
  pick: (u: number, k: number) => number,
  rate: (u: number, k: number) => number,
): Pair[] {
  const pairs: Pair[] = [];
  for (let u = 1; u <= users; u++) {
    const n = 1 + (u % 8);
    for (let k = 0; k < n; k++) {
      pairs.push({
        user: u,
        movie: MOVIES[pick(u, k) % MOVIES.length].id,
        minutes: 10 + ((u * 7 + k) % 90),
        rating: k % 2 === 0 ? rate(u, k) : 0,
        at: start + ((u * 13 + k * 7) % 20) * HOUR,
      });
    }
  }
  // One interaction per (user, movie), like the store.
  return [...new Map(pairs.map((p) => [`${p.user}|${p.movie}`, p])).values()];
}

function toDataset(snapshotId: string, pairs: readonly Pair[]): InteractionDataset {
  const users = [...new Set(pairs.map((p) => p.user))];
  const userIdx = new Map(users.map((u, i) => [u, i]));
  const movieIdx = new Map(MOVIES.map((m, i) => [m.id, i]));
  return {
    snapshotId,
    contentHash: 'ab'.repeat(32),
    users: users.map((id) => ({ id, age: null, gender: null, occupation: null })),
    movies: MOVIES.map((m) => ({
      id: m.id,
      genres: [m.genre],
      year: 2001,
      language: 'en',
      adult: false,
      runtime: 100,
    })),
    userIndex: Int32Array.from(pairs.map((p) => userIdx.get(p.user) as number)),
    itemIndex: Int32Array.from(pairs.map((p) => movieIdx.get(p.movie) as number)),
    watchMinutes: Float32Array.from(pairs.map((p) => p.minutes)),
    rating: Float32Array.from(pairs.map((p) => p.rating)),
    timestamp: Float64Array.from(pairs.map((p) => p.at)),
    ratingScaleMax: 5,
  };
}

describe('monitoring on PGlite: drift service, drift gate, audit-chain gauge', () => {
  let dataDir: string;
  let moduleRef: TestingModule;
  let activity: ActivityWriteRepository;
  const trainingStart = Date.parse('2026-11-01T00:00:00Z');
  const normalPick = (u: number, k: number): number => u * 3 + k * 5;
  const normalRate = (u: number, k: number): number => 1 + ((u + k) % 5);
  const training = behaviour(400, trainingStart, normalPick, normalRate);
  const dataset = toDataset('snap-drift-1', training);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-monitoring-'));
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(
          loadConfig({
            DATA_DIR: dataDir,
            LOG_LEVEL: 'silent',
            MONITORING_AUDIT_VERIFY_MS: '0',
            DRIFT_EVALUATE_MS: '0',
          }),
        ),
        StorageModule,
        MetricsModule,
        MonitoringModule,
      ],
    }).compile();
    await moduleRef.init();
    activity = moduleRef.get(ActivityWriteRepository);
    await moduleRef
      .get(CatalogRepository)
      .upsertMovies(MOVIES.map((m) => movieRecord(m.id, { genres: [{ id: 1, name: m.genre }] })));
  }, 120_000);

  afterAll(async () => {
    await moduleRef?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Each pair as one watch (its minutes, at its time) and, when rated, the latest rating (no rating history). */
  async function store(pairs: readonly Pair[]): Promise<void> {
    await activity.writeBatch(
      activityBatch({
        watches: pairs.map((p) => ({
          userId: p.user,
          movieId: p.movie,
          maxMinute: p.minutes - 1,
          firstSeenAt: p.at,
          lastSeenAt: p.at,
        })),
        latestRatings: pairs
          .filter((p) => p.rating > 0)
          .map((p) => ({ userId: p.user, movieId: p.movie, rating: p.rating, ratedAt: p.at })),
      }),
    );
  }

  async function registerModel(name: string): Promise<string> {
    await writeArtifact(path.join(dataDir, name), {
      modelType: 'popularity',
      params: {},
      seed: 1,
      snapshotId: dataset.snapshotId,
      snapshotHash: dataset.contentHash,
      codeVersion: { commit: 'deadbeef', dirty: true },
      ids: { users: [], items: ['m1'] },
      tensors: { scores: { data: Float32Array.of(1), shape: [1] } },
    });
    return (await moduleRef.get(ModelRegistryService).register({ artifactDir: name }, 'ds')).id;
  }

  it('reads the same profile from the store as from the snapshot when behaviour has not changed', async () => {
    // The same behaviour a week later, served by a model that recommends what people watch.
    const week = 7 * 24 * HOUR;
    await store(training.map((p) => ({ ...p, at: p.at + week })));
    const drift = moduleRef.get(DriftService);
    const evaluation = await drift.evaluate(dataset);
    const byFeature = Object.fromEntries(evaluation.features.map((f) => [f.feature, f]));
    expect(byFeature.user_activity.psi).toBeCloseTo(0, 9);
    expect(byFeature.user_activity.ks).toBeCloseTo(0, 9);
    expect(byFeature.genre_mix.psi).toBeCloseTo(0, 9);
    expect(byFeature.rating.psi).toBeCloseTo(0, 9);
    expect(byFeature.new_users.share).toBe(0);
    expect(byFeature.new_movies.share).toBe(0);
    expect(byFeature.user_activity.recentSamples).toBe(400);
    expect(evaluation.passed).toBe(true);
    expect(evaluation.snapshotAgeHours).toBeGreaterThan(0);

    const metrics = await moduleRef.get(MetricsRegistry).text();
    expect(metrics).toMatch(/marquee_drift_psi\{feature="genre_mix"\} 0/);
    expect(metrics).toMatch(/marquee_drift_new_share\{feature="new_users"\} 0/);
    expect(metrics).toMatch(/marquee_drift_evaluations_total\{result="passed"\} 1/);
    // No served lists in the window: too few samples, so no PSI series for it (only detected = 0).
    expect(metrics).not.toMatch(/marquee_drift_psi\{feature="served_popularity"\}/);
    expect(metrics).toMatch(/marquee_drift_detected\{feature="served_popularity"\} 0/);
  });

  it('loads a snapshot by id through the datasets module; its own last day compared with itself shows no drift', async () => {
    // The cutoff lies 5 hours past the last event (a cutoff taken on another clock): the reference
    // window ends at the snapshot's last event, and its age is measured on the stream's clock.
    const cutoff = new Date(trainingStart + 8 * 24 * HOUR);
    const lastEvent = new Date(trainingStart + 7 * 24 * HOUR + 19 * HOUR);
    const snapshot = await moduleRef.get(DatasetSnapshotService).createSnapshot({ cutoff });
    const evaluation = await moduleRef.get(DriftService).evaluate(snapshot.id, { until: cutoff });
    expect(evaluation.reference).toMatchObject({ snapshotId: snapshot.id, windowEnd: lastEvent.toISOString() });
    expect(evaluation.snapshotAgeHours).toBe(5);
    expect(evaluation.recent.windowEnd).toBe(cutoff.toISOString());
    for (const f of evaluation.features.filter((x) => !x.insufficient)) {
      expect({ feature: f.feature, psi: f.psi ?? 0, share: f.share ?? 0 }).toEqual({
        feature: f.feature,
        psi: expect.closeTo(0, 6),
        share: 0,
      });
    }
    expect(evaluation.passed).toBe(true);
  });

  it('records an undecided drift gate, never a pass, when a feature has too few samples (no served lists yet)', async () => {
    const modelId = await registerModel('model-a');
    const { result } = await moduleRef.get(DriftService).evaluateDriftGate(modelId, dataset);
    expect(result).toMatchObject({ status: 'undecided', passed: false, undecided: ['served_popularity'] });
    expect(result.features.served_popularity).toEqual({
      kind: 'prediction',
      decided: false,
      drifted: false,
      samples: { reference: training.length, recent: 0 },
      psi: expect.any(Number),
      ks: expect.any(Number),
      reason: 'served_popularity: undecided, 0 recent samples < 100 required',
    });
    expect(result.features.genre_mix).toMatchObject({ decided: true, drifted: false, psi: 0 });
    expect(result.reasons).toEqual(['served_popularity: undecided, 0 recent samples < 100 required']);
    const model = await moduleRef.get(ModelRegistryService).get(modelId);
    expect(model.gates.drift).toMatchObject({
      status: 'undecided',
      passed: false,
      snapshotAgeHours: result.snapshotAgeHours,
      undecided: ['served_popularity'],
      reasons: result.reasons,
    });
    expect((model.gates.drift as { psi: Record<string, number> }).psi.genre_mix).toBe(0);
    expect(await moduleRef.get(AuditService).latest(10, 'drift.blocked')).toEqual([]);
    const [undecided] = await moduleRef.get(AuditService).latest(1, 'drift.undecided');
    expect(undecided).toMatchObject({ actor: 'service:drift', subject: `model:${modelId}` });
  });

  it('blocks on drift: gate failed with reasons, drift.blocked audited, gauges flag the feature', async () => {
    // A later day where everyone watches horror, rates 1 and brings new friends, and serving pushes niche titles.
    const later = trainingStart + 10 * 24 * HOUR;
    const horror = MOVIES.filter((m) => m.genre === 'Horror').map((_, i) => i * 4 + 3);
    const drifted = behaviour(
      600,
      later,
      (u, k) => horror[(u + k) % horror.length],
      () => 1,
    );
    await store(drifted);
    await activity.writeBatch(
      activityBatch({
        recommendations: Array.from({ length: 300 }, (_, i) => ({
          lineHash: `h${i + 1}`,
          userId: i + 1,
          requestedAt: later + 5 * HOUR,
          status: 200,
          items: [MOVIES[39].id, MOVIES[38].id],
          latencyMs: 10,
        })),
      }),
    );
    const modelId = await registerModel('model-b');
    const { result, evaluation } = await moduleRef.get(DriftService).evaluateDriftGate(modelId, dataset);
    expect(result).toMatchObject({ status: 'failed', passed: false });
    expect(result.reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^genre_mix: PSI/), expect.stringMatching(/^rating: PSI/)]),
    );
    expect(result.psi.genre_mix).toBeGreaterThan(0.2);
    expect(result.shares.new_users).toBeGreaterThan(0.3);
    const served = evaluation.features.find((f) => f.feature === 'served_popularity');
    expect(served?.recentSamples).toBe(600);

    const model = await moduleRef.get(ModelRegistryService).get(modelId);
    expect(model.gates.drift).toMatchObject({ status: 'failed', passed: false });
    const [blocked] = await moduleRef.get(AuditService).latest(1, 'drift.blocked');
    expect(blocked).toMatchObject({ actor: 'service:drift', subject: `model:${modelId}` });
    expect((blocked.payload as { reasons: string[] }).reasons).toEqual(result.reasons);

    const metrics = await moduleRef.get(MetricsRegistry).text();
    expect(metrics).toMatch(/marquee_drift_detected\{feature="genre_mix"\} 1/);
    expect(metrics).toMatch(/marquee_drift_evaluations_total\{result="drifted"\} 1/);
  });

  it('refuses a dataset from another snapshot than the model was trained on', async () => {
    const modelId = await registerModel('model-c');
    await expect(
      moduleRef.get(DriftService).evaluateDriftGate(modelId, { ...dataset, snapshotId: 'other' }),
    ).rejects.toThrow(/trained on snapshot snap-drift-1/);
  });

  it('publishes marquee_audit_chain_ok = 1 for an intact chain', async () => {
    const result = await moduleRef.get(AuditChainMonitor).verifyNow();
    expect(result?.ok).toBe(true);
    expect(result?.checked).toBeGreaterThan(0);
    const metrics = await moduleRef.get(MetricsRegistry).text();
    expect(metrics).toMatch(/marquee_audit_chain_ok 1/);
    // A second run is anchored on the first run's head and still passes.
    expect((await moduleRef.get(AuditChainMonitor).verifyNow())?.ok).toBe(true);
  });
});
