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

describe('ReadinessRegistry, first ready', () => {
  it('collects start-up garbage once, when every check first passes, before answering', async () => {
    const registry = new ReadinessRegistry();
    let modelLoaded = false;
    const calls: boolean[] = [];
    registry.onFirstReady = () => {
      calls.push(modelLoaded);
      return null;
    };
    registry.register({ name: 'model', check: () => modelLoaded });
    expect((await registry.evaluate()).ready).toBe(false);
    expect(calls).toEqual([]);
    modelLoaded = true;
    expect((await registry.evaluate()).ready).toBe(true);
    expect(calls).toEqual([true]);
    modelLoaded = false;
    await registry.evaluate();
    modelLoaded = true;
    await registry.evaluate();
    expect(calls).toEqual([true]);
  });

  it('still answers when the collection throws', async () => {
    const registry = new ReadinessRegistry();
    registry.onFirstReady = () => {
      throw new Error('no gc here');
    };
    expect((await registry.evaluate()).ready).toBe(true);
  });
});
