/**
 * `npm run bench:simulate [-- --users N --movies M --days D --workers W]`: full-scale world
 * generation to a file under /usr/bin/time -v; records wall time, peak RSS and
 * line counts in bench/results/simulate.json. The machine is shared with other
 * engineers, so the load average at start is recorded next to the figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from '@app/cli/commands';

const { values: options } = parseCommand(COMMANDS['bench:simulate']);
const values = { ...options, out: options.out ?? path.join(os.tmpdir(), 'marquee-world.log') };
const root = path.resolve(__dirname, '..');
const args = [
  path.join(root, 'scripts/run-ts.js'),
  path.join(root, 'src/cli/simulate.ts'),
  '--users',
  values.users,
  '--movies',
  values.movies,
  '--days',
  values.days,
  '--seed',
  values.seed,
  '--workers',
  values.workers,
  '--out',
  values.out,
];
const command = `/usr/bin/time -v node ${args.map((a) => (a.startsWith(root) ? path.relative(root, a) : a)).join(' ')}`;
const loadBefore = os.loadavg();
console.error(`running: ${command}`);
const run = spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 1 << 26,
});
if (run.status !== 0) {
  console.error(run.stderr);
  process.exit(run.status ?? 1);
}
const err = run.stderr;
const stats = JSON.parse(
  err
    .split(/[\r\n]/)
    .filter((l) => l.startsWith('{"lines"'))
    .pop() ?? '{}',
);
const field = (name: string): string => new RegExp(`${name}: (.*)`).exec(err)?.[1]?.trim() ?? '';
const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')
  .split(':')
  .reduce((acc, part) => acc * 60 + Number(part), 0);
const result = {
  command,
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, totalMemGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  loadAverageAtStart: loadBefore.map((x) => Math.round(x * 100) / 100),
  note: `CPU shared with other engineers during the run; timings are noisy. ${values.workers} simulation thread(s).`,
  wallSeconds: Math.round(wall * 10) / 10,
  userSeconds: Number(field('User time \\(seconds\\)')),
  systemSeconds: Number(field('System time \\(seconds\\)')),
  peakRssMB: Math.round(Number(field('Maximum resident set size \\(kbytes\\)')) / 1024),
  outputBytes: statSync(values.out).size,
  lines: stats.lines,
  watchLines: stats.watchLines,
  rateLines: stats.rateLines,
  watchAndRateLines: stats.watchLines + stats.rateLines,
  accountLines: stats.accountLines,
  sessions: stats.sessions,
  linesPerSecond: Math.round(stats.lines / wall),
};
if (!values.keep) rmSync(values.out, { force: true });
// Keep earlier runs: on a shared machine one figure alone says little.
const resultFile = path.join(root, 'bench/results/simulate.json');
const earlier: unknown[] = [];
if (existsSync(resultFile)) {
  const previous = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown> & {
    earlierRuns?: unknown[];
  };
  const { earlierRuns, ...last } = previous;
  earlier.push(...(earlierRuns ?? []), last);
}
mkdirSync(path.dirname(resultFile), { recursive: true });
writeFileSync(resultFile, JSON.stringify({ ...result, earlierRuns: earlier.slice(-10) }, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
