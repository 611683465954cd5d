/**
 * `npm run bench:score [-- --users 1000000 --movies 27000 --factors 64 --requests 5000]`
 *
 * The request path's hot loop alone: ranking one user against the whole
 * catalog with the serving scorer (int8 WebAssembly SIMD scores + exact
 * re-scoring of the candidates, src/lib/artifacts/kernels/), against
 * a plain float32 JavaScript loop with the same partial top-k. Reports
 * per-user latency percentiles, candidates re-scored, and whether both give
 * the same top 20 (they must). Uses the same synthesised full-shape ALS
 * artifact as bench:serve. Results: bench/results/score.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readArtifact, tensor } from '@lib/artifacts/artifact-format';
import { QuantizedTopK } from '@lib/artifacts/kernels/quantized-top-k';
import { TopK } from '@lib/artifacts/top-k';
import { benchWorkDir, synthesiseAls, xorshift32 } from './synthetic-als';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from '@app/cli/commands';

const { values } = parseCommand(COMMANDS['bench:score']);
const users = Number(values.users);
const movies = Number(values.movies);
const factors = Number(values.factors);
const requests = Number(values.requests);
const k = Number(values.k);
const root = path.resolve(__dirname, '..');

/** The artifact bench:serve synthesises (same seed and shape), so both benches measure one model. */
async function artifactDir(): Promise<string> {
  const shape = { users, movies, factors };
  const dir = path.join(benchWorkDir(shape), 'als-a');
  await synthesiseAls(dir, shape, 1);
  return dir;
}

/** The baseline: float32 dot products in an unrolled JavaScript loop, then the same partial top-k. */
function plainTopK(user: Float32Array, items: Float32Array, scores: Float32Array, heap: TopK): Int32Array {
  const f = factors;
  for (let i = 0; i < movies; i++) {
    const base = i * f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < f; j += 4) {
      s0 += user[j] * items[base + j];
      s1 += user[j + 1] * items[base + j + 1];
      s2 += user[j + 2] * items[base + j + 2];
      s3 += user[j + 3] * items[base + j + 3];
    }
    scores[i] = s0 + s1 + s2 + s3;
  }
  heap.reset();
  let floor = -Infinity;
  for (let i = 0; i < movies; i++) {
    if (scores[i] >= floor) {
      heap.push(i, scores[i], k);
      floor = heap.threshold(k);
    }
  }
  return heap.drain().items;
}

function percentiles(samples: number[]): { p50: number; p90: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1));
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: Number((samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(1)),
  };
}

async function main(): Promise<void> {
  if (factors % 4 !== 0) throw new Error('--factors must be a multiple of 4 for the baseline loop');
  const contents = await readArtifact(await artifactDir());
  const userFactors = tensor(contents, 'userFactors', Float32Array, [users, factors]);
  const itemFactors = tensor(contents, 'itemFactors', Float32Array, [movies, factors]);
  const built = performance.now();
  const ranker = new QuantizedTopK(itemFactors, factors, null, null);
  const buildMs = performance.now() - built;
  const heap = new TopK(k);
  const scores = new Float32Array(movies);
  const pick = xorshift32(7);
  const sample = Array.from({ length: requests }, () => Math.floor(pick() * users));
  const row = (u: number) => userFactors.subarray(u * factors, (u + 1) * factors);

  for (const u of sample.slice(0, 200)) {
    ranker.topK(row(u), k);
    plainTopK(row(u), itemFactors, scores, heap);
  }
  // Two phases, not interleaved: each method runs with its own working set in the caches, as in a server.
  const quantizedUs: number[] = [];
  const plainUs: number[] = [];
  const quantizedTop: Int32Array[] = [];
  let candidates = 0;
  for (let r = 0; r < sample.length; r++) {
    const t = performance.now();
    const got = ranker.topK(row(sample[r]), k);
    quantizedUs.push((performance.now() - t) * 1000);
    candidates += ranker.lastCandidates;
    quantizedTop.push(got.items.slice(0, 20));
  }
  let sameTop20 = 0;
  for (let r = 0; r < sample.length; r++) {
    const t = performance.now();
    const expected = plainTopK(row(sample[r]), itemFactors, scores, heap);
    plainUs.push((performance.now() - t) * 1000);
    if (quantizedTop[r].every((item, i) => item === expected[i])) sameTop20++;
    if (r % 1000 === 999) process.stderr.write(`${r + 1}/${sample.length}\n`);
  }
  const report = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg() },
    shape: { users, movies, factors, k },
    requests,
    quantizedSimd: {
      perUserMicroseconds: percentiles(quantizedUs),
      meanCandidatesRescored: Number((candidates / requests).toFixed(1)),
      indexBuildMs: Math.round(buildMs),
    },
    plainFloat32Loop: { perUserMicroseconds: percentiles(plainUs) },
    identicalTop20: `${sameTop20}/${requests}`,
    note: 'single thread, one user at a time; same partial top-k for both; float ties may order differently',
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/score.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
