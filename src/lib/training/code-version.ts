import { execFileSync } from 'node:child_process';

export interface CodeVersion {
  readonly commit: string;
  readonly dirty: boolean;
}

let cached: CodeVersion | undefined;

/**
 * The git commit the trainer ran from, recorded in every artifact manifest.
 * Outside a git checkout (e.g. a container image) the commit is 'unknown'.
 */
export function codeVersion(cwd = process.cwd()): CodeVersion {
  if (cached) return cached;
  try {
    const run = (args: string[]) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    const commit = run(['rev-parse', 'HEAD']).trim();
    const dirty = run(['status', '--porcelain', '--untracked-files=no']).trim().length > 0;
    cached = { commit, dirty };
    // eslint-disable-next-line no-restricted-syntax -- no git or no checkout: the commit is 'unknown' (documented)
  } catch {
    cached = { commit: 'unknown', dirty: false };
  }
  return cached;
}
