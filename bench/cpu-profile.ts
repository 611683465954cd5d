/**
 * Summarises V8 CPU profiles (`node --cpu-prof`: one .cpuprofile per thread)
 * of the service during one window of a bench:serve run: CPU time by
 * component (Nest pipeline, Fastify/HTTP, JSON, response log, store, Kafka,
 * ranking, metrics, GC, …) and the top functions by self time.
 *
 * A sample is charged to the first component, in RULES order, that any frame
 * of its stack belongs to (the response log's JSON.stringify counts as
 * response log, not as JSON), so the shares add up to the thread's busy time.
 *
 * Directly: `node scripts/run-ts.js bench/cpu-profile.ts <dir> [fromUs toUs]`
 * (window in V8's clock, microseconds of CLOCK_MONOTONIC, as
 * process.hrtime.bigint() / 1000n in any process on the machine).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Component rules, most specific first: a stack is charged to the first rule any of its frames matches. */
const RULES: ReadonlyArray<readonly [string, (f: CallFrame) => boolean]> = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['ranking (scorer, WebAssembly)', (f) => f.url.startsWith('wasm://') || /lib\/artifacts\//.test(f.url)],
  ['response log (format, hash, batch)', (f) => /response-log|lib\/movielog\//.test(f.url)],
  [
    'store (Prisma, pg driver)',
    (f) =>
      /@prisma|node_modules\/pg|pg-protocol|(src|dist)\/generated\/prisma|modules\/storage|modules\/interactions/.test(
        f.url,
      ),
  ],
  ['Kafka (kafkajs, client thread bridge)', (f) => /kafkajs|modules\/events|lib\/worker-thread/.test(f.url)],
  ['metrics (prom-client)', (f) => /prom-client|modules\/metrics/.test(f.url)],
  ['rate limit', (f) => /rate-limit/.test(f.url)],
  ['history index', (f) => /history-index|user-history|history-cache/.test(f.url)],
  ['serving logic (route, safety, pad)', (f) => /modules\/serving\//.test(f.url)],
  ['logging (pino)', (f) => /node_modules\/pino/.test(f.url)],
  ['Nest pipeline (router, guards, interceptors, rxjs)', (f) => /@nestjs|rxjs|reflect-metadata/.test(f.url)],
  ['project middleware/hooks (src/common, security, health)', (f) => /\/(src|dist)\//.test(f.url)],
  ['JSON (parse/stringify)', (f) => /^JSON\.|stringify|parse$/.test(f.functionName) && f.url === ''],
  [
    'Fastify + Node HTTP/net',
    (f) =>
      /fastify|find-my-way|avvio|light-my-request|node:_http|node:net|node:stream|node:internal\/stream/.test(f.url),
  ],
  ['other JS (node internals, timers, promises)', (f) => f.url.startsWith('node:') || f.url !== ''],
  ['native (program, unattributed)', (f) => f.functionName === '(program)'],
];
const IDLE = '(idle)';

export interface ThreadSummary {
  readonly file: string;
  /** Guessed from what it ran: main (HTTP), ranking, kafka. */
  readonly thread: string;
  readonly busyMs: number;
  readonly byComponent: Record<string, number>;
  readonly topSelf: ReadonlyArray<{ readonly fn: string; readonly ms: number }>;
  /**
   * Busy stretches: runs of samples without an idle one between them, i.e. how
   * long the thread went without returning to its event loop. A request that
   * arrives during a stretch waits for its end, so long stretches are the tail
   * latency. `longStartedBy` charges each stretch of at least STALL_MS to the
   * component of its first sample (what started it; requests queued behind it
   * make up the rest).
   */
  readonly stretches: {
    readonly atLeastMs: Record<string, number>;
    readonly longStartedBy: Record<string, number>;
  };
}

/** A busy stretch at least this long counts as a stall in ThreadSummary.stretches.longStartedBy. */
const STALL_MS = 2;

export function summariseProfile(file: string, fromUs = -Infinity, toUs = Infinity, top = 25): ThreadSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const componentOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = componentOf.get(id);
    if (known) return known;
    const stack: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
    let component = 'other';
    for (const [name, match] of RULES) {
      if (stack.some(match)) {
        component = name;
        break;
      }
    }
    componentOf.set(id, component);
    return component;
  };
  const byComponent: Record<string, number> = {};
  const self = new Map<string, number>();
  let busyUs = 0;
  let ranWasm = false;
  let ranKafka = false;
  let ranHttp = false;
  const stretchesUs: number[] = [];
  const longStartedBy: Record<string, number> = {};
  let stretch: { us: number; startedBy: string } | null = null;
  const endStretch = (): void => {
    if (!stretch) return;
    stretchesUs.push(stretch.us);
    if (stretch.us >= STALL_MS * 1000) longStartedBy[stretch.startedBy] = (longStartedBy[stretch.startedBy] ?? 0) + 1;
    stretch = null;
  };
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    // The time until the next sample is what this one stands for.
    const weight = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i])!;
    const frame = node.callFrame;
    if (frame.functionName === IDLE) {
      endStretch();
      continue;
    }
    busyUs += weight;
    const component = classify(node.id);
    stretch ??= { us: 0, startedBy: component };
    stretch.us += weight;
    byComponent[component] = (byComponent[component] ?? 0) + weight;
    const name =
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();
    self.set(name, (self.get(name) ?? 0) + weight);
    if (frame.url.startsWith('wasm://') || /lib\/artifacts\//.test(frame.url)) ranWasm = true;
    if (/kafkajs/.test(frame.url)) ranKafka = true;
    if (/fastify|@nestjs/.test(frame.url)) ranHttp = true;
  }
  endStretch();
  const ms = (us: number): number => Math.round(us / 100) / 10;
  const thread = ranHttp ? 'main (HTTP)' : ranWasm ? 'ranking thread' : ranKafka ? 'kafka client thread' : 'other';
  return {
    file: path.basename(file),
    thread,
    busyMs: ms(busyUs),
    byComponent: Object.fromEntries(
      Object.entries(byComponent)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, ms(v)]),
    ),
    topSelf: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: ms(us) })),
    stretches: {
      atLeastMs: Object.fromEntries(
        [1, 2, 5, 10, 20].map((m) => [m, stretchesUs.filter((us) => us >= m * 1000).length]),
      ),
      longStartedBy: Object.fromEntries(Object.entries(longStartedBy).sort((a, b) => b[1] - a[1])),
    },
  };
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = Math.max(url.indexOf('/src/'), url.indexOf('/dist/'));
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}

export function summariseProfiles(dir: string, fromUs?: number, toUs?: number): ThreadSummary[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summariseProfile(path.join(dir, f), fromUs, toUs))
    .filter((s) => s.busyMs > 0)
    .sort((a, b) => b.busyMs - a.busyMs);
}

/** Markdown tables of a summary: components per thread, then the main thread's top self-time functions. */
export function profileMarkdown(threads: readonly ThreadSummary[], requests: number): string {
  const lines: string[] = [];
  for (const t of threads) {
    lines.push(
      `**${t.thread}** (${t.file}): ${t.busyMs} ms busy, ${((t.busyMs * 1000) / requests).toFixed(0)} µs/request`,
    );
    lines.push('', '| component | ms | share | µs/request |', '| --- | ---: | ---: | ---: |');
    for (const [k, v] of Object.entries(t.byComponent))
      lines.push(`| ${k} | ${v} | ${((100 * v) / t.busyMs).toFixed(1)}% | ${((v * 1000) / requests).toFixed(1)} |`);
    lines.push('', '| top self time | ms | share |', '| --- | ---: | ---: |');
    for (const f of t.topSelf.slice(0, t.thread === 'main (HTTP)' ? 25 : 8))
      lines.push(`| \`${f.fn.replace(/\|/g, '\\|')}\` | ${f.ms} | ${((100 * f.ms) / t.busyMs).toFixed(1)}% |`);
    const atLeast = Object.entries(t.stretches.atLeastMs)
      .map(([m, n]) => `≥ ${m} ms: ${n}`)
      .join(', ');
    const startedBy = Object.entries(t.stretches.longStartedBy)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    lines.push('', `Busy stretches (no return to the event loop) ${atLeast}.`);
    if (startedBy) lines.push(`Stretches ≥ ${STALL_MS} ms, by what started them: ${startedBy}.`);
    lines.push('');
  }
  return lines.join('\n');
}

// Run directly: scripts/run-ts.js sets argv[1] to this file (require.main is run-ts.js there).
if (path.resolve(process.argv[1] ?? '') === __filename) {
  const [dir, from, to] = process.argv.slice(2);
  const threads = summariseProfiles(dir, from ? Number(from) : undefined, to ? Number(to) : undefined);
  console.log(profileMarkdown(threads, 1));
}
