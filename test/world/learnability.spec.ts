import { LineSink } from '@world/output/line-sink';
import { Rng } from '@world/random';
import { Simulation } from '@world/simulator/engine';
import { createWorld } from '@world/world';

/**
 * Is the simulated world learnable? On its own stream, a small implicit-feedback
 * matrix factorisation must recover held-out preferences clearly better than
 * popularity. The model is written here on purpose: the simulator shares no code
 * with Marquee's training code.
 */

/** Collects (user, movie) pairs that were watched (first minute seen), straight from the stream. */
class InteractionSink implements LineSink {
  readonly pairs = new Map<number, Set<string>>();
  write(lines: readonly string[]): void {
    for (const line of lines) {
      const m = /^[^,]+,(\d+),GET \/data\/m\/([^/]+)\/0\.mpg$/.exec(line);
      if (!m) continue;
      const user = Number(m[1]);
      let set = this.pairs.get(user);
      if (!set) this.pairs.set(user, (set = new Set()));
      set.add(m[2]);
    }
  }
  async close(): Promise<void> {}
}

/** Cholesky solve of A x = b for a small symmetric positive-definite A (k×k, row-major). */
function solve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j];
      for (let p = 0; p < j; p++) s -= l[i * k + p] * l[j * k + p];
      l[i * k + j] = i === j ? Math.sqrt(s) : s / l[j * k + j];
    }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * k + p] * y[p];
    y[i] = s / l[i * k + i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < k; p++) s -= l[p * k + i] * x[p];
    x[i] = s / l[i * k + i];
  }
  return x;
}

/** Implicit ALS (Hu, Koren & Volinsky 2008): confidence 1 + alpha for observed pairs, preference 1. */
function implicitAls(rows: number[][], nItems: number, k: number, iterations: number, alpha: number, lambda: number) {
  const rng = new Rng(7);
  const nUsers = rows.length;
  const cols: number[][] = Array.from({ length: nItems }, () => []);
  rows.forEach((items, u) => items.forEach((i) => cols[i].push(u)));
  const X = new Float64Array(nUsers * k).map(() => 0.1 * rng.normal());
  const Y = new Float64Array(nItems * k).map(() => 0.1 * rng.normal());
  const half = (F: Float64Array, G: Float64Array, lists: number[][], nG: number): void => {
    // G^T G once per half-step; each row adds alpha * g g^T for its observed entries.
    const gram = new Float64Array(k * k);
    for (let j = 0; j < nG; j++)
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) gram[a * k + b] += G[j * k + a] * G[j * k + b];
    lists.forEach((list, r) => {
      const A = Float64Array.from(gram);
      const rhs = new Float64Array(k);
      for (const j of list) {
        for (let a = 0; a < k; a++) {
          rhs[a] += (1 + alpha) * G[j * k + a];
          for (let b = 0; b < k; b++) A[a * k + b] += alpha * G[j * k + a] * G[j * k + b];
        }
      }
      for (let a = 0; a < k; a++) A[a * k + a] += lambda;
      F.set(solve(A, rhs, k), r * k);
    });
  };
  for (let it = 0; it < iterations; it++) {
    half(X, Y, rows, nItems);
    half(Y, X, cols, nUsers);
  }
  return (u: number, i: number): number => {
    let s = 0;
    for (let a = 0; a < k; a++) s += X[u * k + a] * Y[i * k + a];
    return s;
  };
}

function recallAt(
  n: number,
  train: number[][],
  test: number[][],
  nItems: number,
  score: (u: number, i: number) => number,
): number {
  let total = 0;
  let users = 0;
  const scores = new Float64Array(nItems);
  test.forEach((held, u) => {
    if (held.length === 0) return;
    const seen = new Set(train[u]);
    for (let i = 0; i < nItems; i++) scores[i] = seen.has(i) ? -Infinity : score(u, i);
    const top = Array.from({ length: nItems }, (_, i) => i)
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, n);
    const want = new Set(held);
    total += top.filter((i) => want.has(i)).length / Math.min(n, held.length);
    users++;
  });
  return total / users;
}

describe('learnability of the simulated world', () => {
  it('matrix factorisation beats popularity on held-out simulator data by a clear margin', async () => {
    const world = createWorld({ seed: 2026, users: 2500, movies: 500, activity: 1.5, drift: 0 });
    const sink = new InteractionSink();
    await new Simulation(world, sink, { durationMs: 6 * 86_400_000 }).run();

    const movieIndex = new Map(world.catalog.movies.map((m, i) => [m.id, i]));
    const rng = new Rng(99);
    const train: number[][] = [];
    const test: number[][] = [];
    for (const items of sink.pairs.values()) {
      if (items.size < 5) continue;
      const list = rng.shuffle([...items].map((id) => movieIndex.get(id)!));
      const cut = Math.floor(list.length * 0.8);
      train.push(list.slice(0, cut));
      test.push(list.slice(cut));
    }
    expect(train.length).toBeGreaterThan(400);

    const counts = new Float64Array(world.catalog.movies.length);
    for (const items of train) for (const i of items) counts[i]++;
    const popularity = recallAt(20, train, test, counts.length, (_u, i) => counts[i]);
    const mf = recallAt(20, train, test, counts.length, implicitAls(train, counts.length, 16, 6, 8, 5));

    console.log(
      `learnability: users=${train.length} recall@20 MF=${mf.toFixed(3)} popularity=${popularity.toFixed(3)} ratio=${(mf / popularity).toFixed(2)}`,
    );
    expect(mf).toBeGreaterThan(1.3 * popularity);
  });
});
