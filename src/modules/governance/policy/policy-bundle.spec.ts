import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The Rego sources are the truth; policies/dist/promotion.wasm is committed so
 * that nothing needs Go or OPA at start-up. These tests run the Rego unit tests
 * and fail when the committed build is stale. They need the OPA CLI
 * (bash infra/opa-install.sh) and fail, not skip, without it.
 */
const root = path.resolve(__dirname, '../../../..');
const opa = process.env.OPA_BIN ?? path.join(root, '.infra', 'bin', 'opa');

function requireOpa(): void {
  if (!existsSync(opa)) throw new Error(`OPA CLI not found at ${opa}: run bash infra/opa-install.sh`);
}

describe('policy bundle', () => {
  it('passes opa test policies/', () => {
    requireOpa();
    const result = spawnSync(opa, ['test', 'policies/'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`opa test policies/ failed:\n${result.stdout}${result.stderr}`);
    expect(result.stdout).toMatch(/^PASS: \d+\/\d+$/m);
  });

  it('has a committed WASM build up to date with the Rego sources (else: run npm run policies:build)', () => {
    requireOpa();
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-policies.js'), '--check'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, OPA_BIN: opa },
    });
    if (result.status !== 0) throw new Error(result.stderr || 'policies/dist is stale: run npm run policies:build');
    expect(result.stdout).toContain('up to date');
  });
});
