/**
 * Every script in package.json answers `--help` (issue 24). The test runs each
 * script's command line the way `npm run <script> -- --help` does (sh -c with
 * node_modules/.bin on PATH, the extra argument appended) without npm's own
 * start-up, two at a time, each bounded by a timeout. Commands that run
 * Marquee's code answer from src/cli/commands.ts without loading the program
 * (scripts/run-ts.js), so a run costs about half a second, not a compile.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MODEL_TYPES, SPLITS } from '@lib/training';
import { ATTACK_MODELS } from '@world/simulator/attack';
import { COMMAND_ENTRIES, COMMANDS } from './commands';

const root = path.resolve(__dirname, '../..');
const scripts = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** Scripts that take no option and forward none to a tool that answers --help (why each is left out). */
const NO_OPTIONS: Record<string, string> = {
  build: 'tsc then tsc-alias; an appended --help would compile the project first',
  prebuild: 'runs prisma:generate through npm, which takes --help as its own flag',
  'policies:test': 'bash -c "opa test -v policies/": appended arguments go to bash as $0, not to opa',
  'deps:check': 'two knip runs (all files, then production files only); an appended --help reaches the second',
};

/** Scripts that forward their arguments to a third-party tool, whose own --help then answers. */
const TOOLS: Record<string, RegExp> = {
  lint: /eslint \[options\]/,
  format: /Usage: prettier/,
  'format:check': /Usage: prettier/,
  typecheck: /tsc: The TypeScript Compiler/,
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(command: string, extra: string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${command} ${extra}`], {
      cwd: root,
      env: {
        ...process.env,
        PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${extra}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function inPairs<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

describe('npm scripts answer --help', () => {
  it('declares every script that runs Marquee code, and nothing else', () => {
    const undeclared = Object.keys(scripts).filter(
      (name) => !(name in COMMANDS) && !(name in NO_OPTIONS) && !(name in TOOLS) && name !== 'policies:check',
    );
    expect(undeclared).toEqual([]);
    expect(Object.keys(COMMANDS).filter((name) => !(name in scripts))).toEqual([]);
    for (const [name, command] of Object.entries(scripts)) {
      const entry = /scripts\/run-ts\.js (\S+)/.exec(command)?.[1];
      if (entry) expect([name, COMMAND_ENTRIES[entry]]).toEqual([name, name]);
    }
  });

  it('declares the same defaults as the code the options choose from', () => {
    expect(COMMANDS.eval.options.models.default).toBe(MODEL_TYPES.join(','));
    expect(COMMANDS.eval.options.splits.default).toBe(SPLITS.join(','));
    expect(COMMANDS['security:poisoning-report'].options.attacks.default).toBe(ATTACK_MODELS.join(','));
  });

  it('every script with options exits 0 with a usage text listing each option', async () => {
    const names = Object.keys(scripts).filter((name) => !(name in NO_OPTIONS));
    const runs = await inPairs(names, (name) => runScript(scripts[name], '--help'));
    const failures: string[] = [];
    names.forEach((name, i) => {
      const r = runs[i];
      const spec = name === 'policies:check' ? COMMANDS['policies:build'] : COMMANDS[name as keyof typeof COMMANDS];
      const usage = spec ? `usage: ${spec.usage}` : undefined;
      const ok =
        r.code === 0 &&
        (spec
          ? r.stdout.startsWith(usage!) && Object.keys(spec.options).every((o) => r.stdout.includes(`--${o}`))
          : TOOLS[name].test(r.stdout));
      if (!ok) failures.push(`${name}: exit ${r.code}\n${r.stdout.slice(0, 300)}\n${r.stderr.slice(0, 600)}`);
    });
    expect(failures).toEqual([]);
  }, 240_000);

  it('an unknown option fails fast with the option named and exit 2', async () => {
    const r = await runScript(scripts.eval, '--usres 5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("npm run eval: Unknown option '--usres'");
    expect(r.stderr).toContain('npm run eval -- --help');
    const js = await runScript(scripts['kernels:build'], '--chek');
    expect([js.code, js.stderr.trim().split('\n')[0]]).toEqual([2, "npm run kernels:build: Unknown option '--chek'"]);
  });
});
