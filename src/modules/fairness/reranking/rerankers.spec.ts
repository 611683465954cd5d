import { loadConfig } from '@modules/config';
import { RerankStage } from './rerank.stage';
import { gini } from '../indicators/exposure';
import { exploreRerank, exposureRerank, ExposureTracker, keyedRandom, ServingReranker } from './rerankers';

const list = (n: number, prefix = 'm') =>
  Array.from({ length: n }, (_, i) => ({ movieId: `${prefix}${i}`, score: n - i }));
const ids = (items: readonly { movieId: string }[]) => items.map((i) => i.movieId);

describe('exposureRerank', () => {
  it('keeps the order at strength 0 or without exposure, and every item always', () => {
    const items = list(6);
    expect(ids(exposureRerank(items, () => 0.3, 0))).toEqual(ids(items));
    expect(ids(exposureRerank(items, () => 0, 0.5))).toEqual(ids(items));
    const shares: Record<string, number> = { m0: 0.5, m1: 0.3 };
    const out = exposureRerank(items, (id) => shares[id] ?? 0, 0.5);
    expect([...ids(out)].sort()).toEqual([...ids(items)].sort());
    // m0: 1 − 0.5 = 0.5; m1: 5/6 − 0.3 = 0.533; m2 4/6; m3 3/6 (ties with m0, the better rank goes first); m4 2/6 …
    expect(ids(out)).toEqual(['m2', 'm1', 'm0', 'm3', 'm4', 'm5']);
  });
});

describe('exploreRerank', () => {
  const items = list(20);
  const pool = list(10, 'tail');

  it('fills ε of the shown slots from the pool and keeps the displaced items behind them', () => {
    const out = exploreRerank(items, pool, 0.2, 10, 'u1:100');
    const shown = ids(out.slice(0, 10));
    expect(shown.filter((id) => id.startsWith('tail'))).toHaveLength(2);
    expect(out).toHaveLength(22);
    expect(new Set(ids(out)).size).toBe(22);
    expect(ids(out.slice(12))).toEqual(ids(items.slice(10)));
  });

  it('is deterministic per key and varies between keys', () => {
    const a = ids(exploreRerank(items, pool, 0.3, 10, 'u1:100'));
    expect(ids(exploreRerank(items, pool, 0.3, 10, 'u1:100'))).toEqual(a);
    const others = [101, 102, 103].map((d) => ids(exploreRerank(items, pool, 0.3, 10, `u1:${d}`)).join());
    expect(others.some((o) => o !== a.join())).toBe(true);
  });

  it('draws the fractional slot so the expected share is ε', () => {
    let tail = 0;
    for (let u = 0; u < 2000; u++)
      tail += exploreRerank(items, pool, 0.25, 10, `u${u}:1`)
        .slice(0, 10)
        .filter((i) => i.movieId.startsWith('tail')).length;
    expect(tail / 20_000).toBeGreaterThan(0.23);
    expect(tail / 20_000).toBeLessThan(0.27);
  });

  it('does nothing at ε = 0', () => {
    expect(ids(exploreRerank(items, pool, 0, 10, 'k'))).toEqual(ids(items));
  });
});

describe('ServingReranker', () => {
  /** Every user gets the same 20 candidates: the most concentrated case. */
  function exposureGini(mode: 'none' | 'exposure' | 'explore', strength: number): number {
    const reranker = new ServingReranker({ mode, strength, listLength: 5, exposureHalfLifeLists: 50 });
    const counts = new Map<string, number>();
    for (let u = 0; u < 300; u++) {
      for (const item of reranker.apply(u, list(20), 86_400_000 * 3).slice(0, 5))
        counts.set(item.movieId, (counts.get(item.movieId) ?? 0) + 1);
    }
    return gini(ids(list(20)).map((id) => counts.get(id) ?? 0));
  }

  it('reduces the concentration of exposure on a toy catalog, in both modes', () => {
    const none = exposureGini('none', 0);
    expect(none).toBeCloseTo(0.75, 12); // 5 of 20 items take everything
    const mild = exposureGini('exposure', 0.5);
    expect(mild).toBeLessThan(none);
    expect(exposureGini('exposure', 1)).toBeLessThan(mild - 0.2);
    expect(exposureGini('explore', 0.4)).toBeLessThan(none - 0.1);
  });

  it('is deterministic: the same requests give the same lists', () => {
    const run = () => {
      const r = new ServingReranker({ mode: 'exposure', strength: 0.4, listLength: 5 });
      return Array.from({ length: 50 }, (_, u) => ids(r.apply(u, list(20), 0).slice(0, 5)).join()).join('|');
    };
    expect(run()).toEqual(run());
  });

  it('tracks exposure shares with forgetting', () => {
    const t = new ExposureTracker(1);
    t.record(['a']);
    t.record(['b']);
    expect(t.share('b')).toBeCloseTo(2 / 3, 12); // the newer list weighs twice as much at half-life 1
    expect(keyedRandom('x')()).toEqual(keyedRandom('x')());
  });
});

describe('RerankStage (the serving hook)', () => {
  const stage = (env: Record<string, string>) => new RerankStage(loadConfig({ NODE_ENV: 'test', ...env }));

  it('returns the model list unchanged by default (SERVING_RERANK=none)', () => {
    const items = list(30);
    expect(stage({}).apply(1, items, 20)).toBe(items);
  });

  it('re-orders only when configured, deterministically', () => {
    const configured = () => stage({ SERVING_RERANK: 'explore', SERVING_RERANK_STRENGTH: '0.5' });
    const a = configured().apply(7, list(40), 20, 86_400_000);
    expect(ids(a.slice(0, 20))).not.toEqual(ids(list(20)));
    expect(ids(configured().apply(7, list(40), 20, 86_400_000))).toEqual(ids(a));
  });
});
