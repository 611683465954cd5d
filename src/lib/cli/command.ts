/**
 * One command-line convention for every Marquee CLI, script and benchmark:
 * node's own `util.parseArgs` (strict: unknown options and missing values are
 * errors) plus a usage text built from the same declaration, so the options a
 * command accepts and the options its `--help` lists cannot drift apart.
 *
 * Why not commander or yargs: parseArgs already does the parsing every CLI
 * here used, without a dependency; what was missing is the usage text, the
 * defaults and the error wording, which is the small formatter below.
 */
import { parseArgs } from 'node:util';

export interface CommandOption {
  readonly type: 'string' | 'boolean';
  /** What the option does (one sentence; the usage text wraps it). */
  readonly description: string;
  readonly default?: string | boolean | readonly string[];
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's name in the usage text, e.g. `<dir>` (string options; default `<value>`). */
  readonly value?: string;
}

export interface CommandPositional {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
}

export interface CommandSpec<
  O extends Readonly<Record<string, CommandOption>> = Readonly<Record<string, CommandOption>>,
> {
  /** How a user runs it, e.g. `npm run eval --`. */
  readonly usage: string;
  /** One paragraph: what the command does and what it writes. */
  readonly summary: string;
  readonly options: O;
  readonly positionals?: readonly CommandPositional[];
  /** At least one complete command line a newcomer can paste. */
  readonly examples: readonly string[];
  /** Extra lines after the options (environment variables, exit codes). */
  readonly notes?: readonly string[];
}

type ValueOf<C extends CommandOption> = C['type'] extends 'boolean'
  ? C['multiple'] extends true
    ? boolean[]
    : boolean
  : C['multiple'] extends true
    ? string[]
    : string;

export type CommandValues<O extends Readonly<Record<string, CommandOption>>> = {
  -readonly [K in keyof O]: O[K] extends { readonly default: unknown } ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

export interface ParsedCommand<O extends Readonly<Record<string, CommandOption>>> {
  values: CommandValues<O>;
  positionals: string[];
}

/** Keeps the literal option types of a spec, so `values.out` is typed by its declaration. */
export function defineCommand<const O extends Readonly<Record<string, CommandOption>>>(
  spec: CommandSpec<O>,
): CommandSpec<O> {
  if ('help' in spec.options) throw new Error('--help is added by the command helper; do not declare it');
  if (spec.examples.length === 0) throw new Error(`${spec.usage}: a command needs at least one example`);
  return spec;
}

const WIDTH = 100;

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function formatDefault(value: CommandOption['default']): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.length ? value.join(' ') : '(none)';
  if (value === '') return '""';
  return String(value);
}

/** The `--help` text: usage line, summary, every option with its default, examples. */
export function formatUsage(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`)).join(' ');
  const hasOptions = Object.keys(spec.options).length > 0;
  const out = [`usage: ${spec.usage}${hasOptions ? ' [options]' : ''}${positionals ? ` ${positionals}` : ''}`, ''];
  out.push(...wrap(spec.summary, 0), '');
  if (spec.positionals?.length) {
    out.push('arguments:');
    for (const p of spec.positionals) {
      out.push(`  ${p.name}`);
      for (const l of wrap(p.description, 6)) out.push(`      ${l}`);
    }
    out.push('');
  }
  out.push('options:');
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
    const def = formatDefault(o.default);
    const text = `${o.description}${o.multiple ? ' (repeatable)' : ''}${def && !(o.type === 'boolean' && o.default === false) ? ` (default: ${def})` : ''}`;
    return { flag, text };
  });
  rows.push({ flag: '-h, --help', text: 'Print this text and exit.' });
  for (const { flag, text } of rows) {
    out.push(`  ${flag}`);
    for (const l of wrap(text, 6)) out.push(`      ${l}`);
  }
  if (spec.notes?.length) {
    out.push('');
    for (const n of spec.notes) out.push(...wrap(n, 0));
  }
  out.push('', spec.examples.length > 1 ? 'examples:' : 'example:');
  for (const e of spec.examples) out.push(`  ${e}`);
  return `${out.join('\n')}\n`;
}

/** Thrown (and, from `parseCommand`, reported with exit code 2) for a bad command line. */
export class CommandLineError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'CommandLineError';
  }
}

function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * Parses `argv` against the spec. Returns `'help'` when --help/-h was given
 * (before any `--`); throws CommandLineError for an unknown option, a missing
 * value, a value on a boolean flag or an unexpected positional argument.
 */
export function tryParseCommand<O extends Readonly<Record<string, CommandOption>>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): ParsedCommand<O> | 'help' {
  if (wantsHelp(argv)) return 'help';
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean | string[] }
  > = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type };
    if (o.multiple) options[name].multiple = true;
    if (o.short) options[name].short = o.short;
    if (o.default !== undefined)
      options[name].default = Array.isArray(o.default) ? [...(o.default as string[])] : (o.default as string | boolean);
  }
  try {
    const parsed = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: (spec.positionals?.length ?? 0) > 0,
    });
    const positionals = parsed.positionals;
    const max = spec.positionals?.length ?? 0;
    if (positionals.length > max) throw new Error(`unexpected argument '${positionals[max]}'`);
    const missing = (spec.positionals ?? []).filter((p, i) => p.required && positionals[i] === undefined);
    if (missing.length) throw new Error(`missing argument <${missing[0].name}>`);
    return { values: parsed.values as CommandValues<O>, positionals };
  } catch (error) {
    // parseArgs' messages name the option ("Unknown option '--x'"); drop its advice about '--' which does not apply here.
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new CommandLineError(message, spec.usage);
  }
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  exit: (code: number) => never;
}

const processIo: CommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  exit: (code) => process.exit(code),
};

/**
 * The entry of every CLI: prints the usage and exits 0 on --help; prints the
 * error and where to find the options and exits 2 on a bad command line.
 */
export function parseCommand<O extends Readonly<Record<string, CommandOption>>>(
  spec: CommandSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
  io: CommandIo = processIo,
): ParsedCommand<O> {
  let parsed: ParsedCommand<O> | 'help';
  try {
    parsed = tryParseCommand(spec, argv);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    io.stderr(`${spec.usage.replace(/ --$/, '')}: ${error.message}\nRun \`${spec.usage} --help\` for the options.\n`);
    return io.exit(2);
  }
  if (parsed === 'help') {
    io.stdout(formatUsage(spec));
    return io.exit(0);
  }
  return parsed;
}
