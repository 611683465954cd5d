import { CommandIo, defineCommand, formatUsage, parseCommand, tryParseCommand } from './command';

const spec = defineCommand({
  usage: 'npm run demo --',
  summary: 'A demo command.',
  options: {
    users: { type: 'string', value: '<n>', default: '100', description: 'How many users.' },
    out: { type: 'string', value: '<dir>', description: 'Where to write.' },
    gate: { type: 'boolean', default: false, description: 'Record the gate.' },
    anchor: { type: 'string', multiple: true, description: 'An anchor.' },
  },
  positionals: [{ name: 'id', required: true, description: 'The id.' }],
  examples: ['npm run demo -- 42 --users 5'],
});

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function run(argv: string[]): { code: number | null; stdout: string; stderr: string; values?: unknown } {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    exit: (code) => {
      throw new Exit(code);
    },
  };
  try {
    const parsed = parseCommand(spec, argv, io);
    return { code: null, stdout, stderr, values: parsed.values };
  } catch (error) {
    if (error instanceof Exit) return { code: error.code, stdout, stderr };
    throw error;
  }
}

describe('command helper', () => {
  it('parses options with their defaults and types', () => {
    const parsed = tryParseCommand(spec, ['7', '--out', 'x', '--anchor', 'a', '--anchor', 'b']);
    expect(parsed).toEqual({ values: { users: '100', out: 'x', gate: false, anchor: ['a', 'b'] }, positionals: ['7'] });
  });

  it('prints the usage with every option, its default and an example on --help, exit 0', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run demo -- \[options\] <id>\n/);
    for (const flag of ['--users <n>', '--out <dir>', '--gate', '--anchor <value>', '-h, --help'])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('How many users. (default: 100)');
    expect(r.stdout).toContain('An anchor. (repeatable)');
    expect(r.stdout).toContain('example:\n  npm run demo -- 42 --users 5');
    expect(r.stdout).toBe(formatUsage(spec));
    expect(run(['-h']).code).toBe(0);
  });

  it('--help wins over a bad option, but not after --', () => {
    expect(run(['--bogus', '--help']).code).toBe(0);
    expect(run(['1', '--', '--help']).code).toBe(2);
  });

  it('fails with exit 2 and names the unknown option and where the help is', () => {
    const r = run(['1', '--userz', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("npm run demo: Unknown option '--userz'");
    expect(r.stderr).toContain('Run `npm run demo -- --help` for the options.');
  });

  it('fails on a missing value, a value on a flag, a missing or extra positional', () => {
    expect(run(['1', '--users']).stderr).toMatch(/--users/);
    expect(run(['1', '--gate=yes']).code).toBe(2);
    expect(run([]).stderr).toContain('missing argument <id>');
    expect(run(['1', '2']).stderr).toContain("unexpected argument '2'");
  });

  it('refuses a declaration without an example or with its own --help', () => {
    expect(() => defineCommand({ usage: 'x', summary: 's', options: {}, examples: [] })).toThrow(/example/);
    expect(() =>
      defineCommand({
        usage: 'x',
        summary: 's',
        options: { help: { type: 'boolean', description: 'h' } },
        examples: ['x'],
      }),
    ).toThrow(/--help/);
  });
});
