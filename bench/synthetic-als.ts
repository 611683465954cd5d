/**
 * Full-shape ALS-format artifacts with random factors for the serving
 * benchmarks (bench:serve, bench:score): serving cost depends on the shape,
 * not on what the factors learned. Cached under the OS temp dir by shape and
 * seed, so both benchmarks measure one and the same model.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '@lib/artifacts';

export interface AlsShape {
  readonly users: number;
  readonly movies: number;
  readonly factors: number;
}

/** xorshift32 in [0, 1): deterministic without a seed library. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Where the benchmarks keep their synthesised artifacts (and bench:serve its run state) for a shape. */
export function benchWorkDir({ users, movies, factors }: AlsShape): string {
  return path.join(os.tmpdir(), `marquee-bench-serve-${users}x${movies}x${factors}`);
}

/** The id of item i in the synthetic artifacts (bench/serving-history.ts seeds the catalog with the same ids). */
export function syntheticItemId(i: number): string {
  return `bench+movie+${i}+${1950 + (i % 75)}`;
}

/** Writes the artifact into `dir` unless it is already there. */
export async function synthesiseAls(dir: string, shape: AlsShape, seed: number): Promise<void> {
  if (existsSync(path.join(dir, 'manifest.json'))) return;
  const { users, movies, factors } = shape;
  process.stderr.write(`synthesising ALS artifact ${dir} (seed ${seed})…\n`);
  const next = xorshift32(seed);
  const scale = 1 / Math.sqrt(factors);
  const fill = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (next() - 0.5) * 2 * scale;
    return a;
  };
  await writeArtifact(dir, {
    modelType: 'als',
    params: { factors, synthetic: true },
    seed,
    snapshotId: 'bench-synthetic',
    snapshotHash: 'bench-synthetic',
    codeVersion: { commit: 'bench', dirty: false },
    ids: {
      users: Array.from({ length: users }, (_, i) => i + 1),
      items: Array.from({ length: movies }, (_, i) => syntheticItemId(i)),
    },
    tensors: {
      userFactors: { data: fill(users * factors), shape: [users, factors] },
      itemFactors: { data: fill(movies * factors), shape: [movies, factors] },
      userActive: { data: new Int32Array(users).fill(1), shape: [users] },
      itemActive: { data: new Int32Array(movies).fill(1), shape: [movies] },
    },
  });
}
