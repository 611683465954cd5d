/**
 * `npm run bench:train -- --users 1000000 --movies 27000 --interactions 30000000 --factors 64
 *                         [--models als,popularity,item-knn,svd,hybrid] [--seed 1] [--timeout-minutes 30]`
 *
 * Trains each model at the given scale on the trainer's synthetic latent world
 * and records training time, seconds per iteration, peak memory and artifact
 * size in bench/results/train.json. Each model runs in its own child process
 * so its peak RSS (getrusage maxrss) is its own; the dataset is generated once
 * and cached as raw typed arrays in the OS temp directory. A child loads what
 * its model's training reads (--dataset used, the default; ALS: the ids, not
 * the user profiles, and no timestamps unless it decays by time), as a job
 * training that model alone would; --dataset all loads everything.
 *
 * The peer (--peer, default auto = when Python 3 is there): right after ALS,
 * implicit's C++ ALS (PyPI `implicit`, installed into bench/.venv, gitignored)
 * trains on the very confidence matrix Marquee's ALS trains on (exported as raw
 * CSR arrays) with the same factors, regularisation, CG steps and iterations,
 * with the same number of threads (--peer-threads, default --workers) and
 * single-threaded BLAS. Marquee's CPU-s per iteration and peak RSS are written
 * as ratios to implicit's, beside the host's load and CPU steal during each run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeArtifact } from '@lib/artifacts';
import { InteractionDataset, UserProfile } from '@lib/dataset';
import { alsConfidenceCsr, trainerFor } from '@lib/training';
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
type Column = (typeof COLUMNS)[number];
const COLUMN_TYPES = {
  userIndex: Int32Array,
  itemIndex: Int32Array,
  watchMinutes: Float32Array,
  rating: Float32Array,
  timestamp: Float64Array,
} as const;

/** What a model's child loads of the cached dataset (--dataset). */
interface DatasetPart {
  readonly columns: readonly Column[];
  /** false: users are their ids only (UserProfile's other fields throw when read). */
  readonly profiles: boolean;
}

/**
 * The part of the dataset a model's training reads (--dataset used): ALS reads
 * the user and movie ids, not the user profiles, and the timestamps only for
 * time decay (halfLifeDays > 0). Other models: everything. --dataset all:
 * everything for every model.
 */
function datasetPart(model: string): DatasetPart {
  if (values.dataset !== 'used' && values.dataset !== 'all') throw new Error(`--dataset: used or all`);
  if (values.dataset === 'all' || model !== 'als') return { columns: COLUMNS, profiles: true };
  const params = { ...trainerFor('als').defaults, ...benchParams('als') } as { halfLifeDays: number };
  return { columns: params.halfLifeDays > 0 ? COLUMNS : COLUMNS.filter((c) => c !== 'timestamp'), profiles: false };
}

/**
 * Generates the dataset once into the cache (raw column files, the profiles
 * in meta.json), plus the user ids alone (userIds.bin, meta-ids.json: the
 * rest of meta.json without the user profiles) for children that do not read
 * the profiles.
 */
async function ensureCache(): Promise<void> {
  if (existsSync(path.join(cacheDir, 'meta-ids.json'))) return;
  let meta: Omit<InteractionDataset, Column>;
  if (existsSync(path.join(cacheDir, 'meta.json'))) {
    meta = JSON.parse(await fs.readFile(path.join(cacheDir, 'meta.json'), 'utf8'));
  } else {
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
    const { userIndex: _u, itemIndex: _i, watchMinutes: _w, rating: _r, timestamp: _t, ...rest } = dataset;
    meta = rest;
    await fs.writeFile(path.join(cacheDir, 'meta.json'), JSON.stringify(meta));
  }
  const ids = Int32Array.from(meta.users, (u) => u.id);
  await fs.writeFile(path.join(cacheDir, 'userIds.bin'), Buffer.from(ids.buffer));
  const { users: _users, ...rest } = meta;
  await fs.writeFile(path.join(cacheDir, 'meta-ids.json'), JSON.stringify(rest));
}

/** A user known by id only: reading any other profile field throws (the child did not load the profiles). */
class IdOnlyUser implements UserProfile {
  constructor(readonly id: number) {}
  get age(): never {
    return profileNotLoaded('age');
  }
  get gender(): never {
    return profileNotLoaded('gender');
  }
  get occupation(): never {
    return profileNotLoaded('occupation');
  }
}

function profileNotLoaded(field: string): never {
  throw new Error(`bench:train: user profiles were not loaded (read: ${field}; --dataset all loads them)`);
}

/** Reads a cached file straight into a typed array (as loadSnapshotDir does: no second copy). */
async function readColumn(
  file: string,
  Type: Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor,
): Promise<Int32Array | Float32Array | Float64Array> {
  let bytes = await fs.readFile(path.join(cacheDir, file));
  if (bytes.byteOffset % Type.BYTES_PER_ELEMENT !== 0) bytes = Buffer.from(bytes);
  return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
}

/**
 * The cached dataset, as much of it as `part` asks for. A column not loaded
 * is a getter that throws, as are the profile fields of id-only users, so a
 * trainer that did read them fails loudly instead of training on something else.
 */
async function cachedDataset(part: DatasetPart): Promise<InteractionDataset> {
  const data: Record<string, unknown> = part.profiles
    ? JSON.parse(await fs.readFile(path.join(cacheDir, 'meta.json'), 'utf8'))
    : {
        ...JSON.parse(await fs.readFile(path.join(cacheDir, 'meta-ids.json'), 'utf8')),
        users: Array.from(await readColumn('userIds.bin', Int32Array), (id) => new IdOnlyUser(id)),
      };
  for (const name of COLUMNS) {
    if (part.columns.includes(name)) {
      data[name] = await readColumn(`${name}.bin`, COLUMN_TYPES[name]);
      continue;
    }
    Object.defineProperty(data, name, {
      enumerable: true,
      get: () => {
        throw new Error(`bench:train: column ${name} was not loaded (--dataset all loads every column)`);
      },
    });
  }
  return data as unknown as InteractionDataset;
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
  /** Mean of cpuSecondsPerIteration without the first (setup). */
  meanCpuSecondsPerIteration?: number;
  /** Host state over the child's whole life (parent's /proc/stat samples). */
  host?: HostState;
  /** Machine load average (1, 5, 15 min) when this model started and finished training. */
  loadavgStart?: number[];
  loadavgEnd?: number[];
  /** RSS once the dataset is loaded, before training: peakRssMb − rssAfterDataMb is what training adds. */
  rssAfterDataMb?: number;
  /** What the child loaded: interaction columns, and the user profiles or only the ids (--dataset). */
  dataset?: { columns: readonly string[]; userProfiles: boolean };
  artifactBytes?: number;
}

interface HostState {
  loadavgStart: number[];
  loadavgEnd: number[];
  /** Share of all CPU time the hypervisor stole during the run (/proc/stat), percent. */
  stealPercent: number | null;
  /** Share of all CPU time busy (anything but idle and iowait) during the run, percent: others' load included. */
  busyPercent: number | null;
}

function procStat(): number[] | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    return line.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return null;
  }
}

/** Starts sampling the host; the returned function closes the interval. */
function hostMeter(): () => HostState {
  const loadavgStart = os.loadavg();
  const start = procStat();
  return () => {
    const end = procStat();
    if (!start || !end) return { loadavgStart, loadavgEnd: os.loadavg(), stealPercent: null, busyPercent: null };
    const d = end.map((v, i) => v - (start[i] ?? 0));
    const total = d.slice(0, 8).reduce((a, b) => a + b, 0) || 1;
    const idle = d[3] + (d[4] ?? 0);
    return {
      loadavgStart,
      loadavgEnd: os.loadavg(),
      stealPercent: Number(((100 * (d[7] ?? 0)) / total).toFixed(2)),
      busyPercent: Number(((100 * (total - idle)) / total).toFixed(1)),
    };
  };
}

async function runChild(model: string): Promise<void> {
  const part = datasetPart(model);
  const data = await cachedDataset(part);
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
  const result: ModelBench = {
    model,
    params,
    status: 'ok',
    dataset: { columns: part.columns, userProfiles: part.profiles },
    loadavgStart: os.loadavg(),
  };
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
  const cpuSteady = result.cpuSecondsPerIteration.length > 1 ? result.cpuSecondsPerIteration.slice(1) : [];
  result.meanCpuSecondsPerIteration = cpuSteady.length
    ? cpuSteady.reduce((a, b) => a + b, 0) / cpuSteady.length
    : result.cpuSeconds;
  result.iterationsDone = iterationsDone;
  result.peakRssMb = process.resourceUsage().maxRSS / 1024;
  result.rssAfterDataMb = rssAfterData / 2 ** 20;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

async function runParent(): Promise<void> {
  await ensureCache(); // generate once, before any timing
  const results: ModelBench[] = [];
  const peer = peerWanted();
  for (const model of values.models.split(',').filter(Boolean)) {
    trainerFor(model);
    const meter = hostMeter();
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
    result.host = meter();
    results.push(result);
    console.log(
      `${model.padEnd(10)} ${result.status} train=${result.trainingSeconds?.toFixed(1)}s s/iter=${result.meanSecondsPerIteration?.toFixed(1)} ` +
        `cpu=${result.cpuSeconds?.toFixed(0)}s cores=${result.meanCoresUsed?.toFixed(2)} ` +
        `peakRSS=${result.peakRssMb?.toFixed(0)}MB (data alone ${result.rssAfterDataMb?.toFixed(0)}MB) artifact=${((result.artifactBytes ?? 0) / 2 ** 20).toFixed(0)}MB ${result.detail ?? ''}`,
    );
    await writeResults(results, peerResult);
    if (model === 'als' && peer) {
      peerResult = await runImplicit(peer);
      peerResult.ratios = ratiosToPeer(result, peerResult);
      console.log(
        `implicit   ${peerResult.status} cpu/iter=${peerResult.meanCpuSecondsPerIteration?.toFixed(2)}s ` +
          `peakRSS=${peerResult.peakRssMb?.toFixed(0)}MB ${peerResult.detail ?? ''}\n` +
          `ratios (Marquee ALS / implicit): ${JSON.stringify(peerResult.ratios)}`,
      );
      await writeResults(results, peerResult);
    }
  }
}

interface PeerResult {
  library: 'implicit';
  status: 'ok' | 'failed' | 'skipped';
  detail?: string;
  version?: string;
  threads?: number;
  params?: Record<string, unknown>;
  trainingSeconds?: number;
  cpuSeconds?: number;
  meanCoresUsed?: number;
  secondsPerIteration?: number[];
  cpuSecondsPerIteration?: number[];
  meanSecondsPerIteration?: number;
  meanCpuSecondsPerIteration?: number;
  peakRssMb?: number;
  rssAfterDataMb?: number;
  exportSeconds?: number;
  host?: HostState;
  ratios?: PeerRatios;
}

interface PeerRatios {
  /** Marquee ALS mean CPU-s per steady iteration ÷ implicit's (goal ≤ 1.2). */
  cpuSecondsPerIteration: number | null;
  /** Marquee ALS peak RSS ÷ implicit's (each process's getrusage maxrss; Marquee's includes the whole dataset). */
  peakRss: number | null;
  /** The same for the memory each adds on top of its loaded input (peak − RSS after the data). */
  peakRssAboveData: number | null;
  wallSecondsPerIteration: number | null;
}

let peerResult: PeerResult | undefined;

const VENV = path.resolve('bench/.venv');
const IMPLICIT_VERSION = '0.7.3';

/** 'implicit' when the peer should run, null when not (auto: only with a working Python 3). */
function peerWanted(): 'implicit' | null {
  if (values.peer === 'none') return null;
  if (values.peer !== 'auto' && values.peer !== 'implicit') throw new Error(`--peer: auto, implicit or none`);
  if (!values.models.split(',').includes('als')) return null;
  const python = spawnSync(values.python, ['--version'], { encoding: 'utf8' });
  if (python.status === 0) return 'implicit';
  if (values.peer === 'implicit') throw new Error(`--peer implicit: ${values.python} is not available`);
  process.stderr.write(`peer: ${values.python} not available, implicit skipped\n`);
  return null;
}

/** bench/.venv with implicit (and numpy/scipy from PyPI); created once. */
function ensureVenv(): string {
  const py = path.join(VENV, 'bin', 'python');
  const check = () =>
    spawnSync(py, ['-c', `import implicit; assert implicit.__version__ == '${IMPLICIT_VERSION}'`]).status === 0;
  if (existsSync(py) && check()) return py;
  process.stderr.write(`peer: installing implicit ${IMPLICIT_VERSION} into ${VENV} …\n`);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  };
  if (!existsSync(py)) run(values.python, ['-m', 'venv', VENV]);
  run(py, ['-m', 'pip', 'install', '--quiet', `implicit==${IMPLICIT_VERSION}`, 'numpy', 'scipy', 'threadpoolctl']);
  return py;
}

/** Exports ALS's confidence matrix (same params as the ALS run) as raw CSR arrays; cached by params. */
async function exportConfidence(): Promise<{
  dir: string;
  rows: number;
  cols: number;
  params: Record<string, number>;
}> {
  const params = { ...trainerFor('als').defaults, ...benchParams('als') } as Record<string, number>;
  const key = ['alpha', 'minutesScale', 'ratingWeight', 'halfLifeDays', 'decayFloor'].map((k) => params[k]).join('-');
  const dir = path.join(cacheDir, `confidence-${key}`);
  const data = await cachedDataset(datasetPart('als'));
  const rows = data.users.length;
  const cols = data.movies.length;
  if (!existsSync(path.join(dir, 'values.bin'))) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the trainer's own params type
    const csr = alsConfidenceCsr(data, params as any);
    await fs.mkdir(dir, { recursive: true });
    for (const [name, a] of [
      ['indptr', csr.indptr],
      ['indices', csr.indices],
      ['values', csr.values],
    ] as const)
      await fs.writeFile(path.join(dir, `${name}.bin`), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  return { dir, rows, cols, params };
}

async function runImplicit(peer: 'implicit'): Promise<PeerResult> {
  try {
    const py = ensureVenv();
    const t0 = performance.now();
    const exported = await exportConfidence();
    const exportSeconds = (performance.now() - t0) / 1000;
    const spec = {
      dir: exported.dir,
      rows: exported.rows,
      cols: exported.cols,
      factors: exported.params.factors,
      regularization: exported.params.regularization,
      iterations: exported.params.iterations,
      cgSteps: exported.params.cgSteps,
      threads: Number(values['peer-threads'] ?? values.workers),
      seed: scale.seed,
    };
    const meter = hostMeter();
    const child = spawn(py, [path.resolve('bench/implicit_als.py'), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const host = meter();
    const line = out.split('\n').find((l) => l.startsWith('PEER_RESULT '));
    if (!line) return { library: peer, status: 'failed', detail: `exited with ${code} before reporting`, host };
    return { ...(JSON.parse(line.slice('PEER_RESULT '.length)) as PeerResult), status: 'ok', exportSeconds, host };
  } catch (error) {
    return { library: peer, status: 'failed', detail: (error as Error).message };
  }
}

function ratiosToPeer(als: ModelBench, peer: PeerResult): PeerRatios {
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? Number((a / b).toFixed(3)) : null;
  return {
    cpuSecondsPerIteration: ratio(als.meanCpuSecondsPerIteration, peer.meanCpuSecondsPerIteration),
    peakRss: ratio(als.peakRssMb, peer.peakRssMb),
    peakRssAboveData: ratio(
      als.peakRssMb !== undefined && als.rssAfterDataMb !== undefined ? als.peakRssMb - als.rssAfterDataMb : undefined,
      peer.peakRssMb !== undefined && peer.rssAfterDataMb !== undefined
        ? peer.peakRssMb - peer.rssAfterDataMb
        : undefined,
    ),
    wallSecondsPerIteration: ratio(als.meanSecondsPerIteration, peer.meanSecondsPerIteration),
  };
}

async function writeResults(results: ModelBench[], peer?: PeerResult): Promise<void> {
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
    ...(peer ? { peer } : {}),
  };
  await fs.writeFile(file, JSON.stringify(body, null, 2) + '\n');
}

(values.child ? runChild(values.child) : runParent()).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
