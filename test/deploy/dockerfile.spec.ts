import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The Dockerfile checked statically (no Docker engine runs here): it parses,
 * builds in stages, pins its base, installs production dependencies only, runs
 * as a numeric non-root user with a health check, and carries no secrets.
 */
const ROOT = path.resolve(__dirname, '../..');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

/** Dockerfile reference grammar, the parts this file uses: comments, `\` continuations, `KEYWORD args`. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (pending === '' && /^\s*(#.*)?$/.test(line)) return;
    if (pending !== '' && /^\s*#/.test(line)) return; // comments inside a continuation
    if (pending === '') startLine = index + 1;
    if (/\\\s*$/.test(line)) {
      pending += line.replace(/\\\s*$/, ' ');
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^([A-Za-z]+)\s+([\s\S]*)$/.exec(full);
    if (!match) throw new Error(`line ${startLine}: cannot parse "${full}"`);
    const keyword = match[1].toUpperCase();
    if (!KEYWORDS.has(keyword)) throw new Error(`line ${startLine}: unknown instruction ${keyword}`);
    instructions.push({ keyword, args: match[2].trim(), line: startLine });
  });
  if (pending !== '') throw new Error('Dockerfile ends inside a line continuation');
  return instructions;
}

interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

function stagesOf(instructions: readonly Instruction[]): { globalArgs: Map<string, string>; stages: Stage[] } {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [image, as, name] = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const resolved = image.replace(/\$\{?(\w+)\}?/g, (_, v: string) => globalArgs.get(v) ?? `<unset ${v}>`);
      stages.push({ image: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: only ARG may precede the first FROM`);
      const [key, value = ''] = ins.args.split('=');
      globalArgs.set(key, value.replace(/^"|"$/g, ''));
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const { stages } = stagesOf(instructions);
const finalStage = stages[stages.length - 1];
const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));
const finalOf = (keyword: string) => finalStage.instructions.filter((i) => i.keyword === keyword);

describe('Dockerfile (static)', () => {
  it('parses and builds in several stages', () => {
    expect(instructions.length).toBeGreaterThan(10);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(finalStage.name).toBe('runtime');
  });

  it('pins every base image to an exact version tag or a digest', () => {
    for (const stage of stages) {
      if (stageNames.has(stage.image)) continue;
      const pinnedByDigest = /@sha256:[0-9a-f]{64}$/.test(stage.image);
      const pinnedByTag = /^[\w./-]+:\d+\.\d+\.\d+(-[\w.-]+)?$/.test(stage.image);
      expect({ image: stage.image, pinned: pinnedByDigest || pinnedByTag }).toEqual({
        image: stage.image,
        pinned: true,
      });
      expect(stage.image).not.toMatch(/:latest$|:lts|<unset/);
    }
  });

  it('ships production dependencies only, installed from the lockfile', () => {
    const copiesModules = finalOf('COPY').find((c) => /node_modules/.test(c.args));
    expect(copiesModules).toBeDefined();
    const from = /--from=(\S+)/.exec(copiesModules!.args)?.[1];
    const depsStage = stages.find((s) => s.name === from);
    expect(depsStage).toBeDefined();
    const installs = depsStage!.instructions.filter((i) => i.keyword === 'RUN' && /\bnpm\b/.test(i.args));
    expect(installs.some((i) => /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    expect(installs.some((i) => /npm (install|i)\b/.test(i.args))).toBe(false);
    // The final stage installs nothing itself: no compilers, no dev tooling.
    expect(finalOf('RUN').some((i) => /\bnpm\b|apt-get|apk /.test(i.args))).toBe(false);
  });

  it('runs as a numeric non-root user with a health check', () => {
    const users = finalOf('USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users[users.length - 1].args;
    const [uid, gid] = last.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
    // The user is set after the last RUN that needs root (mkdir/chown).
    const lastRun = Math.max(...finalOf('RUN').map((i) => i.line));
    expect(users[users.length - 1].line).toBeGreaterThan(lastRun);

    const health = finalOf('HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0].args).not.toMatch(/^NONE/);
    expect(health[0].args).toMatch(/\/healthz/);
  });

  it('defaults to the API and offers the worker and job entry points', () => {
    const entrypoint = JSON.parse(finalOf('ENTRYPOINT')[0].args) as string[];
    const cmd = JSON.parse(finalOf('CMD')[0].args) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(cmd).toEqual(['dist/main.js']);
    expect(dockerfile).toContain('dist/cli/ingest-worker.js');
    expect(dockerfile).toContain('dist/cli/retrain.js');
    expect(finalOf('EXPOSE')[0].args).toBe('8082');
  });

  it('runs the service with two malloc arenas (resident memory, bench/results/serve-malloc-arenas-ab.json)', () => {
    const env = finalOf('ENV').flatMap((i) => i.args.split(/\s+/));
    expect(env).toContain('MALLOC_ARENA_MAX=2');
  });

  it('holds no secrets in ENV or ARG', () => {
    const secretName = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|DATABASE_URL|ACCESS_KEY)/i;
    for (const ins of instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      for (const pair of ins.args.split(/\s+/)) {
        const [name, value] = pair.split('=');
        if (secretName.test(name)) expect({ name, value }).toEqual({ name, value: undefined });
      }
    }
    expect(dockerfile).not.toMatch(/postgres(ql)?:\/\/[^\s:]+:[^\s@]+@/);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    // Deny by default, allow by name: local state (.infra, data, .env, node_modules) never enters the context.
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    for (const stage of stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))) {
        const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const source of parts.slice(0, -1)) {
          expect({ source, exists: existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
          const through = allowed.some((a) => source === a || source.startsWith(`${a}/`));
          expect({ source, through }).toEqual({ source, through: true });
        }
      }
    }
  });
});
