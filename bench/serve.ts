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
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { createScratchDatabase } from '../test/support/services';
import { openLoop } from './open-loop';
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

/** Resident memory of the service: the process and, with --workers, its children. */
function rssMb(pid: number): number {
  const rssKb = (p: number | string): number => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file: a single process
  }
  return Math.round((rssKb(pid) + children.reduce((sum, child) => sum + rssKb(child), 0)) / 1024);
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
    return await driveOpen(`harness floor: no-op server, ${rate}/s`, durationSeconds, rate, undefined, floorPort);
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
): Promise<Run> {
  const pick = xorshift32(Date.now() & 0xffff);
  const cpuBefore = cpuTimes();
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
  };
  process.stderr.write(`${JSON.stringify(run)}\n`);
  return run;
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  mkdirSync(work, { recursive: true });
  const modelA = values.model ?? path.join(work, 'als-a');
  const modelB = values['model-b'] ?? path.join(work, 'als-b');
  if (!values.model) await synthesiseAls(modelA, shape, 1);
  if (!values['model-b']) await synthesiseAls(modelB, shape, 2);
  const live = path.join(work, 'live');
  rmSync(live, { force: true });
  symlinkSync(modelA, live);

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
  const service: ChildProcess = spawn(
    process.execPath,
    [path.join(root, 'scripts/run-ts.js'), path.join(root, 'src/main.ts')],
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
  const started = Date.now();
  try {
    await waitReady(service, 600_000);
    // /readyz is answered by whichever process takes the connection: with
    // --workers, wait until every process reports its history index loaded.
    if (values['history-index'] === 'true' && seeded) await waitAllIndexesLoaded(600_000);
    const loadSeconds = (Date.now() - started) / 1000;
    const rssLoaded = rssMb(service.pid!);
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
    const autocannonFixed = await drive(`autocannon ${rate}/s`, duration, rate);
    // The latency target is about a sustained rate: constant arrivals, latency from when each request was due.
    const main = await driveOpen(`open-loop ${rate}/s`, duration, rate);
    // Measured right after, so machine conditions (steal) are comparable.
    const floor = await harnessFloor(duration, rate);
    const rssAfter = rssMb(service.pid!);

    const ramp: Run[] = [];
    // From well below the target up, so the report shows where p99 crosses 20 ms and 100 ms.
    for (const r of [200, 400, 600, 800, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000]) {
      const run = await driveOpen(`open-loop ramp ${r}/s`, Number(values['ramp-duration']), r);
      ramp.push(run);
      if (run.latencyMs.p99 >= 100 || run.throughputPerSecond < r * 0.95 || run.errors + run.non2xx > 0) break;
    }
    const saturated = await drive('autocannon unthrottled', Number(values['ramp-duration']), null);
    const sustainable = ramp.filter(
      (r) => r.latencyMs.p99 < 100 && r.throughputPerSecond >= (r.targetRate ?? 0) * 0.95 && r.errors + r.non2xx === 0,
    );
    const highestUnder100 = sustainable.length ? Math.max(...sustainable.map((r) => r.targetRate ?? 0)) : null;
    const under20 = sustainable.filter((r) => r.latencyMs.p99 < 20);
    const highestUnder20 = under20.length ? Math.max(...under20.map((r) => r.targetRate ?? 0)) : null;

    let swaps = 0;
    let timer: NodeJS.Timeout | undefined;
    const swap = await driveOpen(`open-loop ${rate}/s with a model swap every 10 s`, duration, rate, () => {
      timer = setInterval(() => {
        swaps++;
        rmSync(live, { force: true });
        symlinkSync(swaps % 2 === 1 ? modelB : modelA, live);
        service.kill('SIGHUP');
      }, 10_000);
    });
    clearInterval(timer);

    const report = {
      measuredAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: os.loadavg(),
      },
      model: { users, movies, factors, artifact: values.model ? 'given' : 'synthesised ALS-format (random factors)' },
      serviceProcesses: workers,
      scoring: 'int8 WebAssembly SIMD approximate scores + exact float re-scoring of the candidates (exact top-k)',
      // SERVING_RANKING_THREAD (default true): the top-k runs on the service's ranking thread, not the HTTP thread.
      rankingThread: process.env.SERVING_RANKING_THREAD !== 'false',
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
      },
      history: {
        store: seeded ? { seeded: true, rows: seeded.rows } : { seeded: false },
        index: historyIndex,
      },
      readySeconds: loadSeconds,
      rssMb: { modelLoaded: rssLoaded, afterFixedRun: rssAfter },
      fixedRate: main,
      harnessFloor: floor,
      autocannonFixedRate: autocannonFixed,
      ramp,
      unthrottled: saturated,
      highestRateWithP99Under100ms: highestUnder100,
      highestRateWithP99Under20ms: highestUnder20,
      swapRun: { ...swap, swaps },
      targets: {
        p99Under20msAt1000: main.latencyMs.p99 < 20 && main.errors === 0 && main.non2xx === 0,
        zeroFailuresDuringSwaps: swap.errors === 0 && swap.non2xx === 0 && swap.timeouts === 0,
      },
      note:
        'The load generator, PostgreSQL and Kafka share the 2 cores with the service; latency is measured by the client. ' +
        'fixedRate, ramp and swapRun are open-loop (constant arrivals, latency from when each request was due); ' +
        "autocannon's fixed rate sends each second's budget as a burst over 64 connections, so its latencies measure burst draining. " +
        'harnessFloor is the same open-loop generator against a server that does no work, on the same machine: the lowest latency this setup can report.',
    };
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    const suffix = `${workers > 1 ? `-workers-${workers}` : ''}${historyIndex.enabled ? '' : '-sql-history'}${seeded ? '' : '-empty-store'}${report.rankingThread ? '' : '-no-ranking-thread'}`;
    const file = `serve${suffix}.json`;
    writeFileSync(path.join(root, 'bench/results', file), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
  } finally {
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
    await scratch?.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
