import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '@lib/artifacts';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { twoTasteGroups } from '../support/training/two-taste-groups';
import { freePort } from '../support/services';
import { get, metric, report, RunningService, startService, until } from './support/service';

/**
 * A production artifact altered on disk — and its manifest re-hashed so it is
 * self-consistent — then SIGHUP: the reload is refused, counted, the old model
 * keeps serving, the process lives. A restart pinned to the artifact's hash
 * (SERVING_MODEL_SHA256) refuses it too. SIGHUP in registry mode reloads and
 * never ends the process (it used to kill it at once). Embedded store: no
 * external dependency is needed for this case.
 */
describe('fault: altered production artifact and SIGHUP', () => {
  let dataDir: string;
  const services: RunningService[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-tamper-'));
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const boot = async (env: Record<string, string>) => {
    const port = await freePort();
    const s = startService(port, { DATABASE_URL: '', KAFKA_BROKERS: '', ...env });
    services.push(s);
    await until(
      'service up',
      async () => {
        if (s.child.exitCode !== null) throw new Error(`exited:\n${s.output().slice(-3000)}`);
        return (await get(port, '/healthz', 3_000)).status === 200;
      },
      120_000,
      500,
    );
    return s;
  };
  const servingModel = async (s: RunningService) =>
    (JSON.parse((await get(s.port, '/recommend/1?format=json')).body) as { model: { version: string } | null }).model
      ?.version ?? null;

  it('SERVING_MODEL_DIR: a re-hashed altered artifact is refused on SIGHUP and after a pinned restart', async () => {
    const modelDir = path.join(dataDir, 'artifacts/fixed');
    await writeArtifact(modelDir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, 1));
    const pin = createHash('sha256')
      .update(readFileSync(path.join(modelDir, 'manifest.json')))
      .digest('hex');
    const env = { DATA_DIR: path.join(dataDir, 'fixed-store'), SERVING_MODEL_DIR: modelDir };
    const s = await boot(env);
    await until('ready', async () => (await get(s.port, '/readyz')).status === 200, 60_000, 500);
    const before = await servingModel(s);
    expect(before).toMatch(/^popularity-/);

    // Alter the binary, then re-hash it into the manifest.
    const bin = path.join(modelDir, 'model.bin');
    const bytes = readFileSync(bin);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(bin, bytes);
    const manifest = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as {
      files: Record<string, string>;
    };
    manifest.files['model.bin'] = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(path.join(modelDir, 'manifest.json'), JSON.stringify(manifest, null, 2));

    s.child.kill('SIGHUP');
    await until('reload refused', () => s.output().includes('failed, keeping the current model'), 30_000);
    const refused = metric((await get(s.port, '/metrics')).body, 'marquee_model_load_refused_total', {
      reason: 'integrity',
    });
    const after = await servingModel(s);
    await s.stop();

    // A restart pinned to the hash the operator deployed refuses the altered artifact.
    const restarted = await boot({ ...env, SERVING_MODEL_SHA256: pin });
    await until('refused at start', () => restarted.output().includes('differs from SERVING_MODEL_SHA256'), 60_000);
    const readyAfterRestart = (await get(restarted.port, '/readyz')).status;
    await restarted.stop();

    const figures = report('artifact/tampered-fixed-dir', {
      modelBefore: before,
      modelAfterSighup: after,
      refusedCount: refused,
      processAliveAfterSighup: true,
      readyzAfterPinnedRestart: readyAfterRestart,
    });
    expect(figures.modelAfterSighup).toBe(before);
    expect(figures.refusedCount).toBe(1);
    expect(s.output()).toContain('SIGHUP: reloading the artifact');
    // Nothing trustworthy to serve: not ready (never a tampered model).
    expect(figures.readyzAfterPinnedRestart).toBe(503);
  }, 300_000);

  it('registry mode: SIGHUP reloads and the process lives', async () => {
    const s = await boot({ DATA_DIR: path.join(dataDir, 'registry-store') });
    s.child.kill('SIGHUP');
    await until('reload logged', () => s.output().includes('SIGHUP: reloading models from the registry'), 30_000);
    // Still answering afterwards (the default action of SIGHUP would have ended it at once).
    const health = await get(s.port, '/healthz');
    report('artifact/sighup-registry-mode', { healthzAfterSighup: health.status, exitCode: s.child.exitCode });
    expect(health.status).toBe(200);
    expect(s.child.exitCode).toBeNull();
  }, 180_000);
});
