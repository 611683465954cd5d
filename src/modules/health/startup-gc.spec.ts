import { runInNewContext } from 'node:vm';
import { collectStartupGarbage } from './startup-gc';

describe('collectStartupGarbage', () => {
  it('runs a full collection that frees unreachable objects, and leaves gc hidden from later contexts', async () => {
    const collected = ((): WeakRef<object> => new WeakRef({ payload: new Array(1_000).fill('x') }))();
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    const result = collectStartupGarbage();
    expect(result).not.toBeNull();
    expect(result!.milliseconds).toBeGreaterThanOrEqual(0);
    expect(collected.deref()).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
