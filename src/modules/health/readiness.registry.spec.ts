import { ReadinessRegistry } from './readiness.registry';

describe('ReadinessRegistry', () => {
  it('counts a check that never answers as not ready, and still answers', async () => {
    const registry = new ReadinessRegistry();
    registry.checkTimeoutMs = 50;
    registry.register({ name: 'database', check: () => new Promise<boolean>(() => undefined) });
    registry.register({ name: 'model', check: () => true });
    const result = await registry.evaluate();
    expect(result).toEqual({ ready: false, checks: { database: false, model: true, notDraining: true } });
  });

  it('counts a throwing check as not ready and reports the others', async () => {
    const registry = new ReadinessRegistry();
    registry.register({
      name: 'eventBus',
      check: () => {
        throw new Error('broker gone');
      },
    });
    registry.register({ name: 'database', check: async () => true });
    expect(await registry.evaluate()).toEqual({
      ready: false,
      checks: { eventBus: false, database: true, notDraining: true },
    });
  });

  it('is ready when every check answers true in time', async () => {
    const registry = new ReadinessRegistry();
    registry.register({ name: 'database', check: async () => true });
    expect((await registry.evaluate()).ready).toBe(true);
    registry.startDraining();
    expect((await registry.evaluate()).ready).toBe(false);
  });
});
