/**
 * A constant-arrival-rate HTTP/1.1 load generator (what wrk2 and k6's
 * constant-arrival-rate executor do; neither is installable here).
 *
 * Why not autocannon's `overallRate`: it lets each connection send as fast as
 * it can until its share of the second is used up, then pauses until the next
 * one-second tick, so "1,000/s" arrives as a burst at the top of every second
 * and the latencies measure how fast a burst of 64 drains. Here request i is
 * due at t0 + i/rate whatever happened before (open loop), and its latency is
 * measured from when it was due, not from when a free connection sent it, so
 * a stall is charged to every request it delayed (no coordinated omission).
 *
 * Why raw sockets instead of node:http: the generator shares the 2 cores with
 * the service it measures, and Node's HTTP client cost 0.25–0.35 ms of CPU per
 * request here, a third of what the service itself spends. Writing the
 * request line by hand and reading only the status, Content-Length (or the
 * chunked framing) and the body costs a fraction of that, so more of the
 * machine is left to the service, as it would be with the clients elsewhere.
 */
import * as net from 'node:net';

export interface OpenLoopResult {
  readonly requests: number;
  readonly completed: number;
  readonly throughputPerSecond: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
  /** Requests that were due but still waiting for a connection when the run ended. */
  readonly neverSent: number;
}

export interface OpenLoopOptions {
  readonly host: string;
  readonly port: number;
  readonly rate: number;
  readonly durationSeconds: number;
  /** Keep-alive connections (requests beyond them queue on the client and are charged their wait). */
  readonly connections: number;
  readonly path: () => string;
  readonly timeoutMs?: number;
  /** Called for every completed request: when it was due (ms since the run started) and its latency. For timelines. */
  readonly onCompleted?: (dueMs: number, latencyMs: number) => void;
}

/** Outcome of one response read off a connection. */
interface Parsed {
  readonly status: number;
  /** Bytes of the buffer this response used. */
  readonly length: number;
  readonly close: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One complete response at the start of `buffer`, null if more bytes are needed; throws on bad framing. */
export function parseResponse(buffer: Buffer): Parsed | null {
  const headerEnd = buffer.indexOf(HEADER_END);
  if (headerEnd < 0) return null;
  const head = buffer.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  if (!head.startsWith('HTTP/1.') || !Number.isInteger(status))
    throw new Error(`bad status line: ${head.slice(0, 40)}`);
  const lower = head.toLowerCase();
  const close = /\r\nconnection:\s*close/.test(lower);
  const lengthMatch = /\r\ncontent-length:\s*(\d+)/.exec(lower);
  const bodyStart = headerEnd + 4;
  if (lengthMatch) {
    const end = bodyStart + Number(lengthMatch[1]);
    return buffer.length >= end ? { status, length: end, close } : null;
  }
  if (/\r\ntransfer-encoding:\s*chunked/.test(lower)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at, 'latin1');
      if (lineEnd < 0) return null;
      const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
      if (!Number.isFinite(size)) throw new Error('bad chunk size');
      at = lineEnd + 2 + size + 2;
      if (buffer.length < at) return null;
      if (size === 0) return { status, length: at, close };
    }
  }
  if (status === 204 || status === 304) return { status, length: bodyStart, close };
  throw new Error('response without Content-Length or chunked framing');
}

interface Connection {
  socket: net.Socket;
  buffered: Buffer;
  /** When the request on this connection was due (null: idle). */
  due: number | null;
  sentAt: number;
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.round(options.rate * options.durationSeconds);
  const intervalMs = 1000 / options.rate;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const latencies = new Float64Array(total);
  let completed = 0;
  let sent = 0;
  let finished = 0;
  let errors = 0;
  let non2xx = 0;
  let timeouts = 0;
  let done!: () => void;
  const allDone = new Promise<void>((resolve) => (done = resolve));
  const start = performance.now();
  /**
   * Idle connections, oldest first: each request takes the connection idle longest, so all of them
   * carry load in turn. (A stack would leave most idle for seconds at low rates; servers that close
   * idle keep-alive connections after a few seconds, gunicorn's default 2 s, then race the next
   * request on them, and servers that pin a connection to one worker process see it unbalanced.)
   */
  const idle: Connection[] = [];
  /** Due times of requests waiting for a free connection, oldest first. */
  const waiting: number[] = [];
  let waitingHead = 0;
  const open = new Set<Connection>();
  let written = 0;
  let stopped = false;

  const settle = (): void => {
    finished++;
    if (finished === total) done();
  };
  const send = (connection: Connection, due: number): void => {
    connection.due = due;
    connection.sentAt = performance.now();
    written++;
    connection.socket.write(`GET ${options.path()} HTTP/1.1\r\nHost: ${options.host}\r\n\r\n`, 'latin1');
  };
  const release = (connection: Connection): void => {
    connection.due = null;
    if (waitingHead < waiting.length) send(connection, waiting[waitingHead++]);
    else idle.push(connection);
  };
  const fail = (connection: Connection, timedOut: boolean): void => {
    if (!open.delete(connection)) return;
    connection.socket.destroy();
    if (connection.due !== null) {
      if (timedOut) timeouts++;
      else errors++;
      connection.due = null;
      settle();
    }
    const at = idle.indexOf(connection);
    if (at >= 0) idle.splice(at, 1);
    // A refused or reset connection is replaced after a pause, not in a tight loop.
    if (!stopped) setTimeout(connect, 50).unref();
  };
  const connect = (): void => {
    const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
    const connection: Connection = { socket, buffered: Buffer.alloc(0), due: null, sentAt: 0 };
    open.add(connection);
    socket.once('connect', () => {
      release(connection);
    });
    socket.on('data', (chunk: Buffer) => {
      connection.buffered = connection.buffered.length ? Buffer.concat([connection.buffered, chunk]) : chunk;
      let parsed: Parsed | null;
      try {
        parsed = parseResponse(connection.buffered);
      } catch {
        fail(connection, false);
        return;
      }
      if (!parsed || connection.due === null) return;
      latencies[completed++] = performance.now() - connection.due;
      options.onCompleted?.(connection.due - start, latencies[completed - 1]);
      if (parsed.status < 200 || parsed.status >= 300) non2xx++;
      settle();
      connection.buffered = connection.buffered.subarray(parsed.length);
      if (parsed.close) fail(connection, false);
      else release(connection);
    });
    socket.on('error', () => fail(connection, false));
    socket.on('close', () => fail(connection, false));
  };
  for (let i = 0; i < options.connections; i++) connect();

  const tick = (): void => {
    const dueNow = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < dueNow) {
      const due = start + sent++ * intervalMs;
      const connection = idle.shift();
      if (connection) send(connection, due);
      else waiting.push(due);
    }
    if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, intervalMs / 2)));
  };
  tick();
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const connection of open) {
      if (connection.due !== null && now - connection.sentAt > timeoutMs) fail(connection, true);
    }
  }, 100);
  // Wait for the last responses, but not forever: a wedged server shows as timeouts.
  const grace = new Promise<void>((resolve) =>
    setTimeout(resolve, options.durationSeconds * 1000 + timeoutMs + 2_000).unref(),
  );
  await Promise.race([allDone, grace]);
  stopped = true;
  clearInterval(sweep);
  const elapsedSeconds = (performance.now() - start) / 1000;
  for (const connection of open) connection.socket.destroy();
  const sorted = latencies.subarray(0, completed).sort();
  const at = (q: number): number =>
    completed ? Math.round(sorted[Math.min(completed - 1, Math.floor(q * completed))] * 10) / 10 : NaN;
  return {
    requests: written,
    completed,
    throughputPerSecond: Math.round(completed / Math.max(options.durationSeconds, elapsedSeconds)),
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) },
    errors,
    non2xx,
    timeouts,
    neverSent: total - written,
  };
}
