import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

const ROOT = path.resolve(__dirname, '../../..');

export interface RunningService {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** The real service (`src/main.ts`, or another entry under `src/`) as a child process. */
export function startService(port: number, env: Record<string, string>, entry = 'src/main.ts'): RunningService {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/run-ts.js'), entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      NODE_OPTIONS: '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // No shared dependency unless the case names it (empty = unset).
      REDIS_URL: '',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Keep the tail only: a long outage logs a warning per retry.
  // FAULT_LOG_FILE: the whole log of every service a case starts, for a closer look.
  const logFile = process.env.FAULT_LOG_FILE;
  const append = (c: Buffer) => {
    output = (output + c.toString()).slice(-200_000);
    if (logFile) appendFileSync(logFile, c);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    port,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/** One GET with a hard per-request timeout; a network error or timeout is status 0. */
export function get(port: number, pathName: string, timeoutMs = 5_000): Promise<HttpResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathName, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
      res.on('error', (e) => resolve({ status: 0, body: String(e), ms: Date.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: String(e), ms: Date.now() - started }));
  });
}

/** Polls until condition() holds; throws after timeoutMs naming what was awaited. */
export async function until(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 250,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The value of one sample in a Prometheus text exposition (summed over matching series); NaN when absent. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let found = false;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const l = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) continue;
    found = true;
    sum += Number(m[3]);
  }
  return found ? sum : NaN;
}

/** Sum of a topic's end offsets (messages ever written to it). */
export async function topicEnd(brokers: string[], topic: string): Promise<number> {
  const admin = new Kafka({
    clientId: 'fault-test-admin',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((acc, o) => acc + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Prints one case's figures where jest does not swallow them, and returns them for assertions. */
export function report<T extends Record<string, unknown>>(caseName: string, figures: T): T {
  process.stdout.write(`\nFAULT ${caseName}: ${JSON.stringify(figures)}\n`);
  return figures;
}
