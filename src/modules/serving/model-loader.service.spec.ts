import { loadConfig } from '@modules/config';
import type { ModelRegistryService } from '@modules/governance';
import { ReadinessRegistry } from '@modules/health';
import { MetricsRegistry } from '@modules/metrics';
import { LiveModels } from './live-models';
import { ModelLoaderService } from './model-loader.service';
import { ServingMetrics } from './serving.metrics';

/**
 * refresh() after a promotion must see the promotion: a poll that was already
 * reading the registry when the promotion happened cannot be the answer (the
 * start-up bootstrap promoted, refreshed, and /readyz still said "no model").
 */
describe('ModelLoaderService.refresh', () => {
  it('resolves only after a registry read that started after the call, even while a poll is running', async () => {
    const reads: { promoted: boolean; release: () => void }[] = [];
    let promoted = false;
    const registry = {
      serving: () =>
        new Promise<{ production: null; canaries: never[] }>((resolve) => {
          reads.push({ promoted, release: () => resolve({ production: null, canaries: [] }) });
        }),
      list: async () => [],
      find: async () => null,
    } as unknown as ModelRegistryService;
    const config = loadConfig({ SERVING_RANKING_THREAD: 'false', SERVING_MODEL_DIR: '' });
    const loader = new ModelLoaderService(
      config,
      registry,
      new LiveModels(),
      new ServingMetrics(new MetricsRegistry()),
      new ReadinessRegistry(),
    );
    const nextTurn = () => new Promise((r) => setImmediate(r));

    const poll = loader.refresh();
    await nextTurn();
    expect(reads).toHaveLength(1);
    promoted = true;
    let afterPromotionDone = false;
    const afterPromotion = loader.refresh().then(() => (afterPromotionDone = true));
    // A third caller while the same poll runs shares the one follow-up read.
    const alsoAfterPromotion = loader.refresh();

    reads[0].release();
    await poll;
    await nextTurn();
    expect(afterPromotionDone).toBe(false);
    expect(reads).toHaveLength(2);
    expect(reads[1].promoted).toBe(true);
    reads[1].release();
    await Promise.all([afterPromotion, alsoAfterPromotion]);
    expect(reads).toHaveLength(2);

    // With nothing running, a refresh is one read.
    const alone = loader.refresh();
    await nextTurn();
    expect(reads).toHaveLength(3);
    reads[2].release();
    await alone;
  });

  it('never reads the registry or loads a model in a process that does not serve', async () => {
    const registry = { serving: jest.fn(), list: jest.fn(), find: jest.fn() };
    const loader = new ModelLoaderService(
      loadConfig({ SERVING_ENABLED: 'false' }),
      registry as unknown as ModelRegistryService,
      new LiveModels(),
      new ServingMetrics(new MetricsRegistry()),
      new ReadinessRegistry(),
    );
    await loader.refresh();
    expect(registry.serving).not.toHaveBeenCalled();
  });
});
