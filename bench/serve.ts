/**
 * `npm run bench:serve [-- --model <artifact dir> --duration 60 --rate 1000 --workers 2]`
 *
 * Loads a full-scale ALS model (1,000,000 users × 27,000 movies × 64 factors)
 * into the real service (a child process), drives GET /recommend/<random user>
 * on loopback with autocannon (the issue's tool) and with a constant-arrival-rate
 * generator (bench/open-loop.ts: autocannon's rate limit sends bursts, see there),
 * and records latency percentiles, throughput, errors and the service's
 * resident memory. Then:
 *   - a ramp of fixed rates (200/s up) to find the highest ones whose p99 stays under 20 ms and 100 ms;
 *   - the harness floor: the same generator at the same rate against a no-op
 *     server on the same machine, right after the fixed-rate run (no service
 *     can measure lower here);
 *   - the same fixed-rate run with a model swap every 10 s (SIGHUP after
 *     flipping the SERVING_MODEL_DIR symlink between two artifacts).
 * Without --model, two ALS-format artifacts of full shape are synthesised
 * from a seed (random factors: serving cost depends on shape, not on what the
 * factors learned; bench:train writes trained ones). autocannon runs on the
 * same 2-core machine as the service, so it competes for CPU: figures are
 * conservative. --workers N runs N service processes on the port (HTTP_WORKERS;
 * needs DATABASE_URL and KAFKA_BROKERS). Ingestion is off in the service, as
 * deployed: it runs in its own workers (k8s/base/ingest-worker.yaml); the
 * served lines still go to Kafka and PostgreSQL. Resident memory is the sum
 * over the service's processes.
 *
 * PostgreSQL holds a full-scale history (1M users with profiles, 25 watches
 * and 8 ratings each: bench/serving-history.ts, seeded once in ~3 min and kept
 * between runs), so the service's in-memory history index loads what
 * production would, and --history-index false measures the per-request SQL
 * path instead; --history empty runs against a blank scratch database. Each
 * open-loop run records the machine's CPU busy and steal shares (this is a
 * VM: time stolen by the hypervisor shows up as latency).
 * Results: bench/results/serve[-workers-N][-sql-history][-empty-store].json.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { createScratchDatabase } from '../test/support/services';
import { profileMarkdown, summariseProfiles, ThreadSummary } from './cpu-profile';
import { openLoop } from './open-loop';
import { CpuAccount, pidListeningOn, portOf, threadCpuSeconds } from './process-cpu';
import { DEFAULT_HISTORY_SHAPE, ensureServingHistoryDatabase, ServingHistoryDatabase } from './serving-history';
import { benchWorkDir, synthesiseAls, syntheticItemId, xorshift32 } from './synthetic-als';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from '@app/cli/commands';

const { values } = parseCommand(COMMANDS['bench:serve']);
const root = path.resolve(__dirname, '..');
const users = Number(values.users);
const movies = Number(values.movies);
const factors = Number(values.factors);
const port = Number(values.port);
const workers = Number(values.workers);
const shape = { users, movies, factors };
const work = benchWorkDir(shape);
const skip = new Set(values.skip.split(',').filter(Boolean));
const FULL_SHAPE = users === 1_000_000 && movies === 27_000 && factors === 64;
/** Monotonic clock in µs, the clock of V8's CPU profiles (for the profile window). */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** A kB field of /proc/<pid>/status (VmRSS, RssAnon, …), or 0 when the process or field is gone. */
function statusKb(pid: number | string, field: string): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Resident memory of the service: the process and, with --workers, its children. */
function rssMb(pid: number): number {
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file: a single process
  }
  return Math.round(
    (statusKb(pid, 'VmRSS') + children.reduce((sum, child) => sum + statusKb(child, 'VmRSS'), 0)) / 1024,
  );
}

/**
 * The measuring harness's own floor: the same open-loop generator against a
 * server that does no work at all (a fixed 20-id body), on the same machine
 * with the same neighbours. Latency the service cannot go below here: client
 * timer lateness, loopback sockets, scheduling and CPU steal of this VM.
 */
async function harnessFloor(durationSeconds: number, rate: number): Promise<Run> {
  const floorPort = port + 1;
  const server = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'text/plain'); s.end(${JSON.stringify(
        Array.from({ length: 20 }, (_, i) => syntheticItemId(i)).join(','),
      )}); }).listen(${floorPort}, '127.0.0.1', () => console.log('up'));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
    });
    await driveOpen('harness floor warm-up', 5, rate, undefined, floorPort);
    return await driveOpen(
      `harness floor: no-op server, ${rate}/s`,
      durationSeconds,
      rate,
      undefined,
      floorPort,
      new CpuAccount({ server: server.pid ?? null }),
    );
  } finally {
    server.kill('SIGTERM');
  }
}

/** Refuses a port something already answers on: measuring another process's service would be meaningless. */
async function assertPortFree(): Promise<void> {
  const answered = await fetch(`http://127.0.0.1:${port}/readyz`).then(
    () => true,
    () => false,
  );
  if (answered) throw new Error(`something already listens on port ${port} (another bench run?); use --port`);
}

async function waitReady(service: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.exitCode !== null || service.signalCode !== null)
      throw new Error(`service exited (${service.exitCode ?? service.signalCode}) before it became ready`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('service did not become ready');
}

async function waitAllIndexesLoaded(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const loaded = await scrape('marquee_serving_history_index_users');
    if (loaded.length >= workers && loaded.every((users) => users > 0)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('not every service process loaded its history index');
}

/** Values of one metric in the service's /metrics (one per worker with --workers). */
async function scrape(name: string): Promise<number[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

/** Aggregate CPU jiffies (user, nice, system, idle, iowait, irq, softirq, steal). */
function cpuTimes(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
}

/** Machine CPU busy and stolen (by the hypervisor: this is a VM) over a run, in percent. */
function cpuShare(before: number[], after: number[]): { busyPct: number; stealPct: number } {
  const d = after.map((v, i) => v - before[i]);
  const total = d.reduce((a, b) => a + b, 0) || 1;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { busyPct: round(100 * (1 - (d[3] + d[4]) / total)), stealPct: round((100 * d[7]) / total) };
}

interface Run {
  readonly label: string;
  /** open-loop: constant arrival rate (bench/open-loop.ts); autocannon: closed loop, rate = per-second budget (bursts). */
  readonly generator: 'open-loop' | 'autocannon';
  readonly targetRate: number | null;
  readonly durationSeconds: number;
  readonly requests: number;
  readonly throughputPerSecond: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
  readonly cpu?: { busyPct: number; stealPct: number };
  /** CPU seconds each process (tree) used during the run: generator (this process), service, postgres, kafka, … */
  readonly processCpuSeconds?: Record<string, number>;
  /** The window in the V8 profiles' clock (µs), for --profile. */
  readonly windowUs?: { from: number; to: number };
}

async function drive(label: string, durationSeconds: number, rate: number | null, during?: () => void): Promise<Run> {
  const pick = xorshift32(Date.now() & 0xffff);
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: Number(values.connections),
    duration: durationSeconds,
    ...(rate ? { overallRate: rate } : {}),
    timeout: 10,
    requests: [
      { method: 'GET', setupRequest: (req) => ({ ...req, path: `/recommend/${1 + Math.floor(pick() * users)}` }) },
    ],
  });
  during?.();
  const result = await instance;
  const run: Run = {
    label,
    generator: 'autocannon',
    targetRate: rate,
    durationSeconds,
    requests: result.requests.total,
    throughputPerSecond: Math.round(result.requests.total / durationSeconds),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
  process.stderr.write(`${JSON.stringify(run)}\n`);
  return run;
}

/** A constant-arrival-rate run: the rate the latency targets are about. */
async function driveOpen(
  label: string,
  durationSeconds: number,
  rate: number,
  during?: () => void,
  target = port,
  account?: CpuAccount,
): Promise<Run> {
  const pick = xorshift32(Date.now() & 0xffff);
  const cpuBefore = cpuTimes();
  const processesBefore = account?.sample();
  const generatorBefore = process.cpuUsage();
  const from = monotonicUs();
  const running = openLoop({
    host: '127.0.0.1',
    port: target,
    rate,
    durationSeconds,
    connections: Number(values.connections),
    path: () => `/recommend/${1 + Math.floor(pick() * users)}`,
  });
  during?.();
  const result = await running;
  const to = monotonicUs();
  const generatorCpu = process.cpuUsage(generatorBefore);
  const processCpuSeconds = processesBefore
    ? {
        generator: Math.round((generatorCpu.user + generatorCpu.system) / 1e4) / 100,
        ...CpuAccount.delta(processesBefore, account!.sample()),
      }
    : undefined;
  const run: Run = {
    label,
    generator: 'open-loop',
    targetRate: rate,
    durationSeconds,
    requests: result.completed,
    throughputPerSecond: result.throughputPerSecond,
    latencyMs: result.latencyMs,
    errors: result.errors + result.neverSent,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    cpu: cpuShare(cpuBefore, cpuTimes()),
    ...(processCpuSeconds ? { processCpuSeconds } : {}),
    windowUs: { from, to },
  };
  process.stderr.write(`${JSON.stringify(run)}\n`);
  return run;
}

/** Host state to write beside every figure (the machine is shared: CI, other benchmarks). */
function hostState(): { loadAverage: number[]; stealPctSinceBoot: number } {
  const t = cpuTimes();
  const total = t.reduce((a, b) => a + b, 0) || 1;
  return { loadAverage: os.loadavg(), stealPctSinceBoot: Math.round((1000 * t[7]) / total) / 10 };
}

/** A ramp of open-loop rates from 200/s, stopped at the first not sustained; above 1,000/s each step is at most a third above the last. */
async function rampUp(label: string, target: number, account?: CpuAccount): Promise<Run[]> {
  const ramp: Run[] = [];
  for (const r of [200, 400, 600, 800, 1000, 1250, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000]) {
    const run = await driveOpen(`${label} ramp ${r}/s`, Number(values['ramp-duration']), r, undefined, target, account);
    ramp.push(run);
    if (run.latencyMs.p99 >= 100 || run.throughputPerSecond < r * 0.95 || run.errors + run.non2xx > 0) break;
  }
  return ramp;
}

/** Rates of a ramp that were sustained (≥ 95% delivered, no error) with p99 under `p99Ms`; the highest, or null. */
function highestSustained(ramp: readonly Run[], p99Ms: number): number | null {
  const ok = ramp.filter(
    (r) => r.latencyMs.p99 < p99Ms && r.throughputPerSecond >= (r.targetRate ?? 0) * 0.95 && r.errors + r.non2xx === 0,
  );
  return ok.length ? Math.max(...ok.map((r) => r.targetRate ?? 0)) : null;
}

const PEER_DIR = path.join(root, 'bench/peer');
const PEER_VENV = path.join(root, 'bench/.venv');

/**
 * The peer's virtualenv (bench/.venv, gitignored), created and filled from PyPI on first use and
 * refilled when bench/peer/requirements.txt changes (its text is kept in the venv); null without python3.
 */
function ensurePeerVenv(): string | null {
  const gunicorn = path.join(PEER_VENV, 'bin/gunicorn');
  const requirementsFile = path.join(PEER_DIR, 'requirements.txt');
  const requirements = readFileSync(requirementsFile, 'utf8');
  const installed = path.join(PEER_VENV, 'marquee-requirements.txt');
  if (existsSync(gunicorn) && existsSync(installed) && readFileSync(installed, 'utf8') === requirements)
    return gunicorn;
  const python = process.env.PYTHON ?? 'python3';
  if (spawnSync(python, ['--version']).status !== 0) return null;
  process.stderr.write(`peer: filling ${PEER_VENV} (pip install -r bench/peer/requirements.txt)…\n`);
  const steps: string[][] = [
    ...(existsSync(path.join(PEER_VENV, 'bin/pip')) ? [] : [[python, '-m', 'venv', PEER_VENV]]),
    [path.join(PEER_VENV, 'bin/pip'), 'install', '-q', '-r', requirementsFile],
  ];
  for (const [cmd, ...args] of steps) {
    const step = spawnSync(cmd, args, { stdio: 'inherit', timeout: 600_000 });
    if (step.status !== 0) throw new Error(`peer: ${cmd} ${args.join(' ')} failed (${step.status ?? step.signal})`);
  }
  writeFileSync(installed, requirements);
  return gunicorn;
}

interface PeerResult {
  readonly service: string;
  readonly rssMb: number;
  readonly fixedRate: Run;
  readonly ramp: Run[];
  readonly highestRateWithP99Under100ms: number | null;
  readonly highestRateWithP99Under20ms: number | null;
}

/**
 * The peer: what an MLIP course team would deploy (bench/peer/app.py), on the
 * same artifact, run after Marquee's service has stopped so neither idles on
 * the other's cores. gunicorn's documented threaded setup, 2 processes (one
 * per core) × 4 threads; BLAS single-threaded so the processes do not
 * oversubscribe the 2 cores.
 */
async function measurePeer(gunicorn: string, model: string, rate: number, duration: number): Promise<PeerResult> {
  // A fresh peer for each phase: one overrun by the fixed rate (it queues without bound and takes
  // minutes to drain) would otherwise fail the ramp's first steps.
  const fixed = await withPeer(gunicorn, model, async (peerPort, account, pid) => {
    await driveOpen('peer warm-up', 10, Math.min(rate, 500), undefined, peerPort);
    const run = await driveOpen(`peer open-loop ${rate}/s`, duration, rate, undefined, peerPort, account);
    return { run, rss: rssMb(pid) };
  });
  const ramp = skip.has('ramp')
    ? []
    : await withPeer(gunicorn, model, async (peerPort, account) => {
        await driveOpen('peer warm-up', 10, Math.min(rate, 500), undefined, peerPort);
        return rampUp('peer open-loop', peerPort, account);
      });
  return {
    service:
      'bench/peer/app.py: Flask + numpy (float32 dot products, argpartition top-20), gunicorn 23.0.0 gthread 2 × 4 threads',
    rssMb: fixed.rss,
    fixedRate: fixed.run,
    ramp,
    highestRateWithP99Under100ms: highestSustained(ramp, 100),
    highestRateWithP99Under20ms: highestSustained(ramp, 20),
  };
}

/** Starts the peer, waits until both workers answer, runs `use`, stops it. */
async function withPeer<T>(
  gunicorn: string,
  model: string,
  use: (peerPort: number, account: CpuAccount, pid: number) => Promise<T>,
): Promise<T> {
  const peerPort = port + 2;
  const threads = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const peer = spawn(
    gunicorn,
    ['--workers', '2', '--threads', '4', '--bind', `127.0.0.1:${peerPort}`, '--chdir', PEER_DIR, 'app:app'],
    { env: { ...process.env, ...threads, MARQUEE_PEER_MODEL: model }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (peer.exitCode !== null) throw new Error(`peer exited (${peer.exitCode})`);
      if (Date.now() > deadline) throw new Error('peer did not answer within 5 minutes');
      // Both workers load the model; a few answers in a row make it likely both are up.
      const answers = async (user: number): Promise<boolean> =>
        fetch(`http://127.0.0.1:${peerPort}/recommend/${user}`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status === 200,
          () => false,
        );
      if ((await answers(1)) && (await answers(2)) && (await answers(3))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    return await use(peerPort, new CpuAccount({ peer: peer.pid ?? null }), peer.pid!);
  } finally {
    peer.kill('SIGTERM');
    await new Promise((resolve) => (peer.exitCode !== null ? resolve(null) : peer.once('exit', resolve)));
  }
}

/** CPU seconds of a run's processes per 1,000 requests: what a request costs the machine. */
function costPer1000(run: Run, names: readonly string[]): number {
  const cpu = run.processCpuSeconds ?? {};
  const total = names.reduce((sum, n) => sum + (cpu[n] ?? 0), 0);
  return Math.round((1e6 * total) / Math.max(1, run.requests)) / 1000;
}

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a && b ? Math.round((100 * a) / b) / 100 : null;

/** Median of the known values (the mean of the middle two for an even count), or null when none is known. */
function median(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = known.length >> 1;
  return known.length % 2 ? known[mid] : Math.round(50 * (known[mid - 1] + known[mid])) / 100;
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  const hostAtStart = hostState();
  mkdirSync(work, { recursive: true });
  const modelA = values.model ?? path.join(work, 'als-a');
  const modelB = values['model-b'] ?? path.join(work, 'als-b');
  if (!values.model) await synthesiseAls(modelA, shape, 1);
  if (!values['model-b'] && !skip.has('swap')) await synthesiseAls(modelB, shape, 2);
  const live = path.join(work, 'live');
  rmSync(live, { force: true });
  symlinkSync(modelA, live);
  // Before the service starts, so a missing Python or a failed install stops the run early.
  const gunicorn = values.peer === 'false' ? null : ensurePeerVenv();
  if (values.peer === 'true' && !gunicorn) throw new Error('--peer true: python3 not found (set PYTHON)');

  const dataDir = path.join(work, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  // Production shape when a real PostgreSQL is given: history lookups run in
  // the database process instead of PGlite on the service's own thread.
  // Seeded: every user has a profile and ~33 history rows, as at full scale;
  // the database is kept between runs (seeding takes minutes).
  const seeded: ServingHistoryDatabase | null =
    process.env.DATABASE_URL && values.history === 'seeded'
      ? await ensureServingHistoryDatabase({ ...DEFAULT_HISTORY_SHAPE, users, movies }, syntheticItemId)
      : null;
  const scratch = process.env.DATABASE_URL && !seeded ? await createScratchDatabase('marquee_bench_serve') : null;
  const database = seeded ?? scratch;
  await assertPortFree();
  const profileDir = values.profile ? path.resolve(values.profile) : null;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  // As deployed (the Dockerfile runs dist/main.js), unless --entry src: the on-the-fly compiler adds resident memory.
  const fromDist = values.entry !== 'src';
  if (fromDist) {
    console.log('building the service (npm run build) …');
    const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) throw new Error(`npm run build failed (exit ${built.status})`);
  }
  const service: ChildProcess = spawn(
    process.execPath,
    [
      ...(profileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-interval=${Number(values['profile-interval'])}`]
        : []),
      ...(fromDist
        ? ['--enable-source-maps', path.join(root, 'dist/main.js')]
        : [path.join(root, 'scripts/run-ts.js'), path.join(root, 'src/main.ts')]),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: database?.url ?? '',
        SERVING_MODEL_DIR: live,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        // As the container image runs it (Dockerfile); set MALLOC_ARENA_MAX to compare.
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
        INGESTION_ENABLED: 'false',
        HTTP_WORKERS: String(workers),
        SERVING_HISTORY_INDEX: values['history-index'],
        // The generator is one client IP standing in for a platform's many: past 2,000/s (RATE_LIMIT_CLIENT_MAX per
        // window) the per-client abuse limit would answer 429, which measures the limiter, not serving. The per-user
        // limit and the limiter's own cost stay in the measured path.
        RATE_LIMIT_ALLOWLIST: '127.0.0.1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const serviceExited = new Promise((resolve) => service.once('exit', resolve));
  // Every process a request costs CPU in: the service (all its threads and workers) and the stores it writes to.
  const account = new CpuAccount({
    service: service.pid ?? null,
    postgres: pidListeningOn(portOf(process.env.DATABASE_URL) ?? -1),
    kafka: pidListeningOn(portOf(process.env.KAFKA_BROKERS) ?? -1),
    redis: pidListeningOn(portOf(process.env.REDIS_URL) ?? -1),
  });
  const started = Date.now();
  let stopped = false;
  const stopService = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    service.kill('SIGTERM');
    await serviceExited;
  };
  let marquee;
  try {
    await waitReady(service, 600_000);
    // /readyz is answered by whichever process takes the connection: with
    // --workers, wait until every process reports its history index loaded.
    if (values['history-index'] === 'true' && seeded) await waitAllIndexesLoaded(600_000);
    const loadSeconds = (Date.now() - started) / 1000;
    const rssLoaded = rssMb(service.pid!);
    // Where the resident memory is (prom-client's default process metrics, MB): JS heap, off-heap buffers.
    const memoryMb = async (): Promise<Record<string, number[]>> => {
      const out: Record<string, number[]> = {};
      for (const name of ['heap_size_total_bytes', 'heap_size_used_bytes', 'external_memory_bytes']) {
        out[name.replace('_bytes', '')] = (await scrape(`marquee_process_nodejs_${name}`)).map((b) =>
          Math.round(b / 1e6),
        );
      }
      // Anonymous (heaps, buffers, malloc arenas) against file-backed pages (code, mapped files) of the main process.
      for (const field of ['RssAnon', 'RssFile']) out[field] = [Math.round(statusKb(service.pid!, field) / 1024)];
      return out;
    };
    const memoryLoaded = await memoryMb();
    const historyIndex = {
      enabled: values['history-index'] === 'true',
      users: await scrape('marquee_serving_history_index_users'),
      megabytes: (await scrape('marquee_serving_history_index_bytes')).map((b) => Math.round(b / 1e6)),
      loadSeconds: (await scrape('marquee_serving_history_index_load_seconds')).map((t) => Math.round(t * 10) / 10),
    };
    process.stderr.write(
      `ready after ${loadSeconds.toFixed(1)} s, RSS ${rssLoaded} MB, history index ${JSON.stringify(historyIndex)}\n`,
    );
    // JIT and the garbage of the history-index load settle before anything is measured.
    await driveOpen('warm-up', 15, 500);

    const duration = Number(values.duration);
    const rate = Number(values.rate);
    // The issue's command: autocannon at the target rate (its rate limit sends each second's budget in a burst).
    const autocannonFixed = skip.has('autocannon') ? null : await drive(`autocannon ${rate}/s`, duration, rate);
    // The latency target is about a sustained rate: constant arrivals, latency from when each request was due.
    const threadsBefore = threadCpuSeconds(service.pid!);
    const main = await driveOpen(`open-loop ${rate}/s`, duration, rate, undefined, port, account);
    const threadsAfter = threadCpuSeconds(service.pid!);
    const serviceThreadCpuSeconds = Object.fromEntries(
      Object.entries(threadsAfter)
        .map(([name, t]) => [name, Math.round((t - (threadsBefore[name] ?? 0)) * 100) / 100] as const)
        .filter(([, t]) => t > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    // Measured right after, so machine conditions (steal) are comparable.
    const floor = await harnessFloor(duration, rate);
    const rssAfter = rssMb(service.pid!);
    const memoryAfter = await memoryMb();
    // More pairs for the request cost (--cost-rounds): each fixed-rate run followed by the floor, as the first.
    const costRounds: { main: Run; floor: Run }[] = [{ main, floor }];
    for (let round = 2; round <= Number(values['cost-rounds']); round++) {
      const again = await driveOpen(
        `open-loop ${rate}/s, cost round ${round}`,
        duration,
        rate,
        undefined,
        port,
        account,
      );
      costRounds.push({ main: again, floor: await harnessFloor(duration, rate) });
    }

    // From well below the target up, so the report shows where p99 crosses 20 ms and 100 ms.
    const ramp = skip.has('ramp') ? [] : await rampUp('open-loop', port);
    const saturated = skip.has('unthrottled')
      ? null
      : await drive('autocannon unthrottled', Number(values['ramp-duration']), null);

    let swap: (Run & { swaps: number; rssBeforeMb: number; rssPeakMb: number }) | null = null;
    let memoryBeforeSwaps: Record<string, number[]> | null = null;
    let memoryAfterSwaps: Record<string, number[]> | null = null;
    if (!skip.has('swap')) {
      memoryBeforeSwaps = await memoryMb();
      let swaps = 0;
      let timer: NodeJS.Timeout | undefined;
      // A replica's memory limit must hold its peak, and a swap reads a whole new artifact.
      const rssBeforeMb = rssMb(service.pid!);
      let rssPeakMb = rssBeforeMb;
      const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(service.pid!))), 100);
      const run = await driveOpen(`open-loop ${rate}/s with a model swap every 10 s`, duration, rate, () => {
        timer = setInterval(() => {
          swaps++;
          rmSync(live, { force: true });
          symlinkSync(swaps % 2 === 1 ? modelB : modelA, live);
          service.kill('SIGHUP');
        }, 10_000);
      });
      clearInterval(timer);
      clearInterval(sampler);
      swap = { ...run, swaps, rssBeforeMb, rssPeakMb };
      memoryAfterSwaps = await memoryMb();
    }
    marquee = {
      loadSeconds,
      historyIndex,
      rssLoaded,
      rssAfter,
      memoryLoaded,
      memoryAfter,
      costRounds,
      memoryBeforeSwaps,
      memoryAfterSwaps,
      main,
      floor,
      serviceThreadCpuSeconds,
      autocannonFixed,
      ramp,
      saturated,
      swap,
    };
  } finally {
    await stopService();
    await scratch?.drop();
  }

  const duration = Number(values.duration);
  const rate = Number(values.rate);
  const peer = gunicorn ? await measurePeer(gunicorn, modelA, rate, duration) : null;
  const { main, floor, ramp, swap, costRounds } = marquee;
  const highestUnder100 = ramp.length ? highestSustained(ramp, 100) : null;
  const highestUnder20 = ramp.length ? highestSustained(ramp, 20) : null;
  const profile: ThreadSummary[] | null =
    profileDir && main.windowUs ? summariseProfiles(profileDir, main.windowUs.from, main.windowUs.to) : null;

  // What a request costs the machine, from each process's own CPU time (not /proc/stat's machine-wide busy share,
  // which counts the neighbours of a shared host too). "With the generator" is the issue's measure: the whole
  // machine busy with Marquee against busy with the no-op server, the same client in both.
  const serving = ['service', 'postgres', 'kafka', 'redis'];
  const rounds = costRounds.map((r) => ({
    vsNoOpWithGenerator: ratio(
      costPer1000(r.main, [...serving, 'generator']),
      costPer1000(r.floor, ['server', 'generator']),
    ),
    cpuMsPerRequest: { marquee: costPer1000(r.main, serving), noOpServer: costPer1000(r.floor, ['server']) },
    p99Ms: { marquee: r.main.latencyMs.p99, noOpServer: r.floor.latencyMs.p99 },
  }));
  const requestCost = {
    cpuMsPerRequest: {
      marquee: costPer1000(main, serving),
      marqueeByProcess: Object.fromEntries(
        Object.entries(main.processCpuSeconds ?? {}).map(([k, v]) => [k, Math.round((1e6 * v) / main.requests) / 1000]),
      ),
      noOpServer: costPer1000(floor, ['server']),
      generatorWithMarquee: costPer1000(main, ['generator']),
      generatorWithNoOp: costPer1000(floor, ['generator']),
      peer: peer ? costPer1000(peer.fixedRate, ['peer']) : null,
    },
    /** (service + PostgreSQL + Kafka + Redis + generator) / (no-op server + generator): the issue's ratio (goal ≤ 2). */
    vsNoOpWithGenerator: ratio(
      costPer1000(main, [...serving, 'generator']),
      costPer1000(floor, ['server', 'generator']),
    ),
    /** Every pair of --cost-rounds (the first is the one above), and the median the targets use. */
    rounds,
    medianVsNoOpWithGenerator: median(rounds.map((r) => r.vsNoOpWithGenerator)),
    /** Server side only: (service + PostgreSQL + Kafka + Redis) / no-op server. */
    vsNoOpServerOnly: ratio(costPer1000(main, serving), costPer1000(floor, ['server'])),
    /** The machine-wide busy share (/proc/stat) of the two runs: includes whatever else ran on the host. */
    machineBusyVsNoOp: ratio(main.cpu?.busyPct, floor.cpu?.busyPct),
  };
  const vsPeer = peer
    ? {
        /** Marquee's highest sustained open-loop rate (p99 < 100 ms) over the peer's: goal ≥ 3. */
        highestSustainedRate: ratio(highestUnder100, peer.highestRateWithP99Under100ms),
        /** The peer's p99 at the fixed rate over Marquee's (how many times lower Marquee's is): goal ≥ 3. */
        p99AtFixedRate: ratio(peer.fixedRate.latencyMs.p99, main.latencyMs.p99),
        cpuPerRequest: ratio(requestCost.cpuMsPerRequest.peer, requestCost.cpuMsPerRequest.marquee),
      }
    : null;

  const report = {
    measuredAt: new Date().toISOString(),
    command: `npm run bench:serve -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg(),
      hostAtStart,
      hostAtEnd: hostState(),
    },
    model: { users, movies, factors, artifact: values.model ? 'given' : 'synthesised ALS-format (random factors)' },
    serviceProcesses: workers,
    scoring: 'int8 WebAssembly SIMD approximate scores + exact float re-scoring of the candidates (exact top-k)',
    // SERVING_RANKING_THREAD (default false): true runs the top-k on the service's ranking thread, not the HTTP thread.
    rankingThread: process.env.SERVING_RANKING_THREAD === 'true',
    backends: {
      database: database ? 'postgresql' : 'pglite',
      events: process.env.KAFKA_BROKERS ? 'kafka' : 'in-process',
      // KAFKA_CLIENT_THREAD (default true): kafkajs on its own thread at KAFKA_CLIENT_THREAD_NICE (default 10).
      kafkaClientThread: process.env.KAFKA_BROKERS
        ? {
            enabled: process.env.KAFKA_CLIENT_THREAD !== 'false',
            nice: Number(process.env.KAFKA_CLIENT_THREAD_NICE ?? 10),
          }
        : null,
      rateLimitStore: process.env.REDIS_URL ? 'redis' : 'memory',
    },
    history: {
      store: seeded ? { seeded: true, rows: seeded.rows } : { seeded: false },
      index: marquee.historyIndex,
    },
    entry: values.entry === 'src' ? 'src (scripts/run-ts.js)' : 'dist (node dist/main.js)',
    readySeconds: marquee.loadSeconds,
    rssMb: {
      modelLoaded: marquee.rssLoaded,
      afterFixedRun: marquee.rssAfter,
      // The swap phase follows the ramp and the unthrottled run; sampled every 100 ms during it.
      beforeSwaps: swap?.rssBeforeMb ?? null,
      peakDuringSwaps: swap?.rssPeakMb ?? null,
    },
    mainThreadMemoryMb: {
      modelLoaded: marquee.memoryLoaded,
      afterFixedRun: marquee.memoryAfter,
      beforeSwaps: marquee.memoryBeforeSwaps,
      afterSwaps: marquee.memoryAfterSwaps,
    },
    fixedRate: main,
    harnessFloor: floor,
    requestCost,
    serviceThreadCpuSeconds: marquee.serviceThreadCpuSeconds,
    peer,
    vsPeer,
    autocannonFixedRate: marquee.autocannonFixed,
    ramp,
    unthrottled: marquee.saturated,
    highestRateWithP99Under100ms: highestUnder100,
    highestRateWithP99Under20ms: highestUnder20,
    swapRun: swap,
    profile,
    targets: {
      p99Under20msAt1000: main.latencyMs.p99 < 20 && main.errors === 0 && main.non2xx === 0,
      zeroFailuresDuringSwaps: swap ? swap.errors === 0 && swap.non2xx === 0 && swap.timeouts === 0 : null,
      requestCostAtMost2xNoOp:
        requestCost.medianVsNoOpWithGenerator !== null ? requestCost.medianVsNoOpWithGenerator <= 2 : null,
      atLeast3xPeer: vsPeer ? (vsPeer.highestSustainedRate ?? 0) >= 3 && (vsPeer.p99AtFixedRate ?? 0) >= 3 : null,
      rssAtMost500Mb: Math.max(marquee.rssLoaded, marquee.rssAfter, swap?.rssPeakMb ?? 0) <= 500,
    },
    note:
      'The load generator, PostgreSQL and Kafka share the 2 cores with the service; latency is measured by the client. ' +
      'fixedRate, ramp and swapRun are open-loop (constant arrivals, latency from when each request was due); ' +
      "autocannon's fixed rate sends each second's budget as a burst over 64 connections, so its latencies measure burst draining. " +
      'harnessFloor is the same open-loop generator against a server that does no work, on the same machine: the lowest latency this setup can report. ' +
      'requestCost charges each process its own CPU seconds (/proc/<pid>/stat) during the fixed-rate run; the peer runs after Marquee has stopped.',
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const suffix = `${FULL_SHAPE ? '' : `-${users}x${movies}x${factors}`}${workers > 1 ? `-workers-${workers}` : ''}${marquee.historyIndex.enabled ? '' : '-sql-history'}${seeded ? '' : '-empty-store'}${report.rankingThread ? '-ranking-thread' : ''}`;
  const file = `serve${suffix}.json`;
  writeFileSync(path.join(root, 'bench/results', file), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  if (profile) console.log(profileMarkdown(profile, main.requests));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
