/**
 * `npm run bench:train -- --users 1000000 --movies 27000 --interactions 30000000 --factors 64
 *                         [--models als,popularity,item-knn,svd,hybrid] [--seed 1] [--timeout-minutes 30]`
 *
 * Trains each model at the given scale on the trainer's synthetic latent world
 * and records training time, seconds per iteration, peak memory and artifact
 * size in bench/results/train.json. Each model runs in its own child process
 * so its peak RSS (getrusage maxrss) is its own; the dataset is generated once
 * and cached as raw typed arrays in the OS temp directory.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '@lib/artifacts';
import { InteractionDataset } from '@lib/dataset';
import { trainerFor } from '@lib/training';
import { generateLatentWorld, LATENT_WORLD_VERSION } from '@lib/training/synthetic/latent-world';
import { stderrProgress, TrainingProgress } from '@lib/training/trainer';
import { codeVersion } from '@lib/training/code-version';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from '@app/cli/commands';

const { values } = parseCommand(COMMANDS['bench:train']);

const scale = {
  users: Number(values.users),
  movies: Number(values.movies),
  interactions: Number(values.interactions),
  seed: Number(values.seed),
};
const factors = Number(values.factors);

/** Per-model settings at benchmark scale (the factor count applies to every factor model). */
function benchParams(model: string): Record<string, unknown> {
  const overrides = (JSON.parse(values.params) as Record<string, Record<string, unknown>>)[model] ?? {};
  const base: Record<string, Record<string, unknown>> = {
    als: { factors, iterations: 10, cgSteps: 3 },
    svd: { factors, epochs: 10 },
    hybrid: { dim: factors, epochs: 1 },
    'item-knn': { neighbours: 100 },
    popularity: {},
  };
  return { ...base[model], ...overrides };
}

const cacheDir = path.join(
  os.tmpdir(),
  `marquee-bench-v${LATENT_WORLD_VERSION}-${scale.users}x${scale.movies}x${scale.interactions}-s${scale.seed}`,
);
const COLUMNS = ['userIndex', 'itemIndex', 'watchMinutes', 'rating', 'timestamp'] as const;

async function cachedDataset(): Promise<InteractionDataset> {
  try {
    const meta = JSON.parse(await fs.readFile(path.join(cacheDir, 'meta.json'), 'utf8'));
    const read = async (name: string) => {
      const buf = await fs.readFile(path.join(cacheDir, `${name}.bin`));
      const copy = new ArrayBuffer(buf.byteLength);
      new Uint8Array(copy).set(buf);
      return copy;
    };
    return {
      ...meta,
      userIndex: new Int32Array(await read('userIndex')),
      itemIndex: new Int32Array(await read('itemIndex')),
      watchMinutes: new Float32Array(await read('watchMinutes')),
      rating: new Float32Array(await read('rating')),
      timestamp: new Float64Array(await read('timestamp')),
    };
  } catch {
    const started = performance.now();
    const { dataset } = generateLatentWorld(scale);
    process.stderr.write(
      `generated ${dataset.userIndex.length} interactions in ${((performance.now() - started) / 1000).toFixed(1)}s\n`,
    );
    await fs.mkdir(cacheDir, { recursive: true });
    for (const name of COLUMNS) {
      const a = dataset[name];
      await fs.writeFile(path.join(cacheDir, `${name}.bin`), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    }
    const { userIndex: _u, itemIndex: _i, watchMinutes: _w, rating: _r, timestamp: _t, ...meta } = dataset;
    await fs.writeFile(path.join(cacheDir, 'meta.json'), JSON.stringify(meta));
    return dataset;
  }
}

interface ModelBench {
  model: string;
  params: Record<string, unknown>;
  status: 'ok' | 'interrupted' | 'failed';
  detail?: string;
  trainingSeconds?: number;
  secondsPerIteration?: number[];
  meanSecondsPerIteration?: number;
  iterationsDone?: number;
  peakRssMb?: number;
  /** CPU time of all threads of the process during training (user + system). */
  cpuSeconds?: number;
  /** Mean number of cores the process got while training (cpuSeconds / wall seconds). */
  meanCoresUsed?: number;
  /** CPU seconds (all threads) per iteration/epoch; the first includes setup, like secondsPerIteration. */
  cpuSecondsPerIteration?: number[];
  /** Machine load average (1, 5, 15 min) when this model started and finished training. */
  loadavgStart?: number[];
  loadavgEnd?: number[];
  rssAfterDataMb?: number;
  artifactBytes?: number;
}

async function runChild(model: string): Promise<void> {
  const data = await cachedDataset();
  const rssAfterData = process.memoryUsage().rss;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const params = benchParams(model);
  const iterationEnds: number[] = [];
  const iterationCpuEnds: number[] = [];
  let iterationsDone = 0;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const cpuNow = () => {
    const c = process.cpuUsage(cpuStart);
    return (c.user + c.system) / 1e6;
  };
  const result: ModelBench = { model, params, status: 'ok', loadavgStart: os.loadavg() };
  try {
    const artifact = await trainerFor(model).train(data, params, scale.seed, {
      workers: Number(values.workers),
      signal: controller.signal,
      onProgress: (p: TrainingProgress) => {
        stderrProgress(p);
        if (p.phase === 'iteration' || p.phase === 'epoch') {
          iterationEnds.push(p.seconds);
          iterationCpuEnds.push(cpuNow());
          iterationsDone = p.iteration;
        }
      },
    });
    result.trainingSeconds = artifact.trainingSeconds;
    const dir = path.join(os.tmpdir(), `marquee-bench-artifact-${model}-${process.pid}`);
    await writeArtifact(dir, artifact);
    result.artifactBytes = (await fs.stat(path.join(dir, 'model.bin'))).size;
    await fs.rm(dir, { recursive: true, force: true });
  } catch (error) {
    result.status = controller.signal.aborted ? 'interrupted' : 'failed';
    result.detail = (error as Error).message;
    result.trainingSeconds = (performance.now() - started) / 1000;
  }
  const cpu = process.cpuUsage(cpuStart);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  result.meanCoresUsed = result.cpuSeconds / Math.max(1e-9, result.trainingSeconds ?? 1);
  const perIteration = iterationEnds.map((t, i) => t - (i === 0 ? 0 : iterationEnds[i - 1]));
  // The first "iteration" also contains setup (CSR build etc.); report it but average the rest.
  result.secondsPerIteration = perIteration.map((s) => Number(s.toFixed(2)));
  result.cpuSecondsPerIteration = iterationCpuEnds.map((t, i) =>
    Number((t - (i === 0 ? 0 : iterationCpuEnds[i - 1])).toFixed(2)),
  );
  result.loadavgEnd = os.loadavg();
  const steady = perIteration.length > 1 ? perIteration.slice(1) : perIteration;
  result.meanSecondsPerIteration = steady.length ? steady.reduce((a, b) => a + b, 0) / steady.length : undefined;
  result.iterationsDone = iterationsDone;
  result.peakRssMb = process.resourceUsage().maxRSS / 1024;
  result.rssAfterDataMb = rssAfterData / 2 ** 20;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

async function runParent(): Promise<void> {
  await cachedDataset(); // generate once, before any timing
  const results: ModelBench[] = [];
  for (const model of values.models.split(',').filter(Boolean)) {
    trainerFor(model);
    const args = [path.resolve('scripts/run-ts.js'), __filename, ...process.argv.slice(2), '--child', model];
    const child = spawn(process.execPath, ['--max-old-space-size=8192', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    let hardKill: NodeJS.Timeout | undefined;
    const timeout = setTimeout(
      () => {
        // SIGINT is honoured between iterations; an epoch that cannot finish is killed a minute later.
        process.stderr.write(`${model}: timeout, interrupting\n`);
        child.kill('SIGINT');
        hardKill = setTimeout(() => child.kill('SIGKILL'), 60_000);
      },
      Number(values['timeout-minutes']) * 60_000,
    );
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timeout);
    if (hardKill) clearTimeout(hardKill);
    const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    const result: ModelBench = line
      ? JSON.parse(line.slice('BENCH_RESULT '.length))
      : {
          model,
          params: benchParams(model),
          status: 'failed',
          detail: `child exited with ${code} before reporting (killed after the timeout: no iteration finished)`,
        };
    results.push(result);
    console.log(
      `${model.padEnd(10)} ${result.status} train=${result.trainingSeconds?.toFixed(1)}s s/iter=${result.meanSecondsPerIteration?.toFixed(1)} ` +
        `cpu=${result.cpuSeconds?.toFixed(0)}s cores=${result.meanCoresUsed?.toFixed(2)} ` +
        `peakRSS=${result.peakRssMb?.toFixed(0)}MB (data alone ${result.rssAfterDataMb?.toFixed(0)}MB) artifact=${((result.artifactBytes ?? 0) / 2 ** 20).toFixed(0)}MB ${result.detail ?? ''}`,
    );
    await writeResults(results);
  }
}

async function writeResults(results: ModelBench[]): Promise<void> {
  const file = path.resolve(values.out);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const body = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench:train -- ${process.argv.slice(2).join(' ')}`,
    codeVersion: codeVersion(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      totalMemGb: os.totalmem() / 2 ** 30,
      loadavg: os.loadavg(),
    },
    note: 'Shared machine: other engineers were running builds/tests at the same time, so timings are upper bounds.',
    scale: { ...scale, factors },
    results,
  };
  await fs.writeFile(file, JSON.stringify(body, null, 2) + '\n');
}

(values.child ? runChild(values.child) : runParent()).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
