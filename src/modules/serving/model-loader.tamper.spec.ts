import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '@lib/artifacts';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { loadConfig } from '@modules/config';
import type { AuditService, ModelRegistryService, ModelVersion } from '@modules/governance';
import { ReadinessRegistry } from '@modules/health';
import { MetricsRegistry } from '@modules/metrics';
import { twoTasteGroups } from '@test/support/training/two-taste-groups';
import { LiveModels } from './live-models';
import { ModelLoaderService } from './model-loader.service';
import { ServingMetrics } from './serving.metrics';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Alters model.bin, then rewrites the manifest's hash of it: the artifact is self-consistent again. */
function tamperAndRehash(dir: string): void {
  const bin = path.join(dir, 'model.bin');
  const bytes = readFileSync(bin);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(bin, bytes);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    files: Record<string, string>;
  };
  manifest.files['model.bin'] = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

describe('ModelLoaderService: altered artifacts', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'marquee-tamper-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const artifact = async (name: string, seed: number) => {
    const dir = path.join(root, name);
    await writeArtifact(dir, await popularityTrainer.train(twoTasteGroups(10, 3), {}, seed));
    return dir;
  };
  const version = (id: string, dir: string, state: ModelVersion['state'], promotedAt: Date | null) =>
    ({
      id,
      slot: 'default',
      modelType: 'popularity',
      artifactDir: dir,
      artifactSha256: sha256(path.join(dir, 'manifest.json')),
      snapshotId: 'snap-1',
      state,
      promotedAt,
      registeredAt: promotedAt ?? new Date(0),
    }) as unknown as ModelVersion;
  const setup = (config: ReturnType<typeof loadConfig>, registry: Partial<ModelRegistryService>) => {
    const audit: { kind: string; subject: string }[] = [];
    const metrics = new MetricsRegistry();
    const live = new LiveModels();
    const loader = new ModelLoaderService(
      config,
      registry as ModelRegistryService,
      live,
      new ServingMetrics(metrics),
      new ReadinessRegistry(),
      { append: async (e: { kind: string; subject: string }) => void audit.push(e) } as unknown as AuditService,
    );
    return { loader, live, audit, metrics };
  };

  it('a fresh process whose production artifact was altered serves the last good production model, and says so', async () => {
    const good = version('pop-good', await artifact('good', 1), 'retired', new Date(1_000));
    const bad = version('pop-bad', await artifact('bad', 2), 'production', new Date(2_000));
    tamperAndRehash(bad.artifactDir); // the registry's manifest hash no longer matches
    const { loader, live, audit, metrics } = setup(loadConfig({ SERVING_RANKING_THREAD: 'false' }), {
      serving: async () => ({ production: bad, canaries: [] }),
      list: async (filter?: { state?: string }) => (filter?.state === 'retired' ? [good] : [good, bad]),
      find: async () => null,
    });
    await loader.refresh();
    expect(live.production?.versionId).toBe('pop-good');
    expect(audit).toEqual([expect.objectContaining({ kind: 'model.load-refused', subject: 'model:pop-bad' })]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/marquee_model_load_refused_total\{reason="integrity"\} 1/);
    expect(text).toMatch(/marquee_model_serving_last_good 1/);
    // A poll later neither counts nor audits the same refusal again.
    await loader.refresh();
    expect(audit).toHaveLength(1);
  });

  it('SERVING_MODEL_DIR: an artifact altered and re-hashed in place is refused on reload; the old model keeps serving', async () => {
    const dir = await artifact('fixed', 3);
    const { loader, live, audit } = setup(loadConfig({ SERVING_RANKING_THREAD: 'false', SERVING_MODEL_DIR: dir }), {
      list: async () => [],
    });
    await loader.refresh();
    const before = live.production?.versionId;
    expect(before).toMatch(/^popularity-/);
    tamperAndRehash(dir);
    await loader.reload('SIGHUP');
    expect(live.production?.versionId).toBe(before);
    expect(audit).toEqual([expect.objectContaining({ kind: 'model.load-refused', subject: `dir:${dir}` })]);
  });

  it('SERVING_MODEL_SHA256 (or the registry) pins the manifest across restarts', async () => {
    const dir = await artifact('pinned', 4);
    const pin = sha256(path.join(dir, 'manifest.json'));
    tamperAndRehash(dir);
    const pinned = setup(
      loadConfig({ SERVING_RANKING_THREAD: 'false', SERVING_MODEL_DIR: dir, SERVING_MODEL_SHA256: pin }),
      { list: async () => [] },
    );
    await expect(pinned.loader.installFromDirectory(dir)).rejects.toThrow(/differs from SERVING_MODEL_SHA256/);
    const registered = setup(loadConfig({ SERVING_RANKING_THREAD: 'false', SERVING_MODEL_DIR: dir }), {
      list: async () => [{ ...version('pop-pinned', dir, 'production', new Date()), artifactSha256: pin }],
    });
    await expect(registered.loader.installFromDirectory(dir)).rejects.toThrow(
      /differs from the registry \(pop-pinned\)/,
    );
    expect(registered.live.production).toBeNull();
  });
});
