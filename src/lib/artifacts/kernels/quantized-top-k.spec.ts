import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { createRng } from '@lib/training';
import { QuantizedTopK } from './quantized-top-k';
import { WASM_BASE64 } from './quantized-scores.wasm';

/** Deterministic test data in [-0.5, 0.5). */
function rng(seed: number): () => number {
  const source = createRng(seed);
  return () => source.next() - 0.5;
}

/** Brute force in float64: the ranking the quantized path must reproduce. */
function exactTopK(
  items: Float32Array,
  f: number,
  bias: Float32Array | null,
  active: Int32Array | null,
  user: Float32Array,
  k: number,
  excluded: number[],
): number[] {
  const n = items.length / f;
  const skip = new Set(excluded);
  const scored: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (skip.has(i) || (active && active[i] === 0)) continue;
    let s = bias ? bias[i] : 0;
    for (let j = 0; j < f; j++) s += items[i * f + j] * user[j];
    scored.push({ i, s: Math.fround(s) });
  }
  scored.sort((a, b) => b.s - a.s || a.i - b.i);
  return scored.slice(0, k).map((x) => x.i);
}

describe('QuantizedTopK', () => {
  it.each([
    [1, 5],
    [7, 20],
    [16, 20],
    [64, 40],
    [70, 40],
  ])('returns exactly the float top-k (%i factors, k=%i) for many users', (f, k) => {
    const n = 2_011; // not a multiple of the 16-item block
    const next = rng(f * 7919);
    const items = Float32Array.from({ length: n * f }, () => next() / Math.sqrt(f));
    const bias = Float32Array.from({ length: n }, () => next() * 0.1);
    const active = Int32Array.from({ length: n }, (_, i) => (i % 17 === 3 ? 0 : 1));
    const ranker = new QuantizedTopK(items, f, bias, active);
    for (let u = 0; u < 30; u++) {
      const user = Float32Array.from({ length: f }, () => next() * (u % 3 === 0 ? 10 : 1));
      const excluded = Array.from({ length: u % 5 }, (_, j) => (u * 131 + j * 977) % n);
      const got = ranker.topK(user, k, excluded);
      expect(Array.from(got.items)).toEqual(exactTopK(items, f, bias, active, user, k, excluded));
      // Scores are the exact ones, best first.
      for (let r = 1; r < got.scores.length; r++) expect(got.scores[r]).toBeLessThanOrEqual(got.scores[r - 1]);
    }
  });

  it('stays exact when many items crowd the threshold (near-duplicate items)', () => {
    const f = 32;
    const n = 600;
    const next = rng(5);
    const base = Float32Array.from({ length: f }, () => next());
    // Every item is the same direction plus tiny noise: approximate scores cannot separate them.
    const items = Float32Array.from({ length: n * f }, (_, x) => base[x % f] + next() * 1e-4);
    const ranker = new QuantizedTopK(items, f, null, null);
    const user = Float32Array.from({ length: f }, () => next());
    expect(Array.from(ranker.topK(user, 20).items)).toEqual(exactTopK(items, f, null, null, user, 20, []));
  });

  it('returns every recommendable item when k exceeds them, and never an inactive or excluded one', () => {
    const f = 4;
    const items = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const ranker = new QuantizedTopK(items, f, null, Int32Array.from([1, 0, 1, 1]));
    const got = ranker.topK([4, 3, 2, 1], 10, [3]);
    expect(Array.from(got.items)).toEqual([0, 2]);
    expect(Array.from(got.scores)).toEqual([4, 2]);
  });

  it('ranks by bias alone for a zero user vector, and nothing for a corrupt one', () => {
    const items = Float32Array.from([1, 1, 2, 2, 3, 3]);
    const ranker = new QuantizedTopK(items, 2, Float32Array.from([0.5, 0.9, 0.1]), null);
    expect(Array.from(ranker.topK([0, 0], 3).items)).toEqual([1, 0, 2]);
    expect(ranker.topK([NaN, 1], 3).items).toHaveLength(0);
  });

  it('never recommends an item whose factors are not finite', () => {
    const items = Float32Array.from([1, 0, NaN, 1, 0, 1]);
    const ranker = new QuantizedTopK(items, 2, null, null);
    expect(Array.from(ranker.topK([1, 1], 3).items)).toEqual([0, 2]);
  });

  it('scores each call independently when reused', () => {
    const ranker = new QuantizedTopK(Float32Array.from([1, 0, 0, 1]), 2, null, null);
    expect(Array.from(ranker.topK([3, 4], 1).items)).toEqual([1]);
    expect(Array.from(ranker.topK([5, 4], 1).items)).toEqual([0]);
  });

  it('ranks the same when the quantization runs later in slices (hot swap), and refuses to rank before it is done', async () => {
    const f = 24;
    const n = 5_000;
    const random = rng(11);
    const items = Float32Array.from({ length: n * f }, random);
    const bias = Float32Array.from({ length: n }, () => random() * 0.1);
    const active = Int32Array.from({ length: n }, (_, i) => (i % 13 === 0 ? 0 : 1));
    const eager = new QuantizedTopK(items, f, bias, active);
    const deferred = new QuantizedTopK(items, f, bias, active, 1000, true);
    expect(() => deferred.topK(new Float32Array(f), 5)).toThrow(/before quantizeInSlices/);
    await deferred.quantizeInSlices(700); // not a divisor of n: the last slice is short
    for (let u = 0; u < 20; u++) {
      const user = Float32Array.from({ length: f }, random);
      const want = eager.topK(user, 20, [3, 40]);
      const got = deferred.topK(user, 20, [3, 40]);
      expect(Array.from(got.items)).toEqual(Array.from(want.items));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  });

  it('takes each 16-item block maximum, four blocks at a time and in the tail (blockMax kernel)', () => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const blockMax = instance.exports.blockMax as (scores: number, n: number, blocks: number) => void;
    memory.grow(1);
    const random = rng(5);
    // 1 to 9 blocks: fewer than four, exactly four, four plus a tail of one to three, and two full steps.
    for (let blocks = 1; blocks <= 9; blocks++) {
      const n = blocks * 16;
      const scoresAt = 64; // not 0: a wrong bound would read below the scores as well as past them
      const blocksAt = scoresAt + n * 4 + 64;
      new Uint8Array(memory.buffer).fill(0);
      const scores = new Float32Array(memory.buffer, scoresAt, n);
      for (let i = 0; i < n; i++) scores[i] = i % 7 === 0 ? -Infinity : random() * 100;
      // A block of -inf only (every item excluded), and the maximum in each lane position.
      scores.fill(-Infinity, 0, 16);
      if (blocks > 1) scores[16 + (blocks % 16)] = 1_000;
      const out = new Float32Array(memory.buffer, blocksAt, blocks + 1).fill(-12_345);
      blockMax(scoresAt, n, blocksAt);
      for (let b = 0; b < blocks; b++) expect(out[b]).toBe(Math.max(...scores.subarray(b * 16, b * 16 + 16)));
      expect(out[blocks]).toBe(-12_345); // nothing written past the last block
    }
  });

  it('embeds binaries that match the WAT sources', () => {
    const check = spawnSync(
      process.execPath,
      [path.resolve(__dirname, '../../../../scripts/build-kernels.js'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
