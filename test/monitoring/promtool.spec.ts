import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** promtool from Debian's `prometheus` package; a missing tool fails the suite (never skips). */
export function requireTool(name: 'promtool' | 'prometheus'): string {
  const found = spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  if (found.status !== 0 || !bin) {
    throw new Error(`${name} is not installed: run \`bash infra/prometheus-install.sh\` (Debian package prometheus)`);
  }
  return bin;
}

function run(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(requireTool('promtool'), args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Prometheus configuration and alert rules (promtool)', () => {
  it('monitoring/prometheus.yml is a valid config and finds the rule files', () => {
    const { status, output } = run(['check', 'config', 'monitoring/prometheus.yml']);
    expect(output).toMatch(/SUCCESS: 1 rule files found/);
    expect(status).toBe(0);
  });

  it('the rule files are valid and define every required alert', () => {
    const { status, output } = run(['check', 'rules', 'monitoring/rules/marquee.rules.yml']);
    expect(status).toBe(0);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    const rules = readFileSync(path.join(ROOT, 'monitoring/rules/marquee.rules.yml'), 'utf8');
    const alerts = [...rules.matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]);
    expect(alerts).toEqual(
      expect.arrayContaining([
        'HighP99Latency',
        'HighErrorRate',
        'ConsumerLagGrowing',
        'NoModelLoaded',
        'OnlineConversionDrop',
        'DriftAboveThreshold',
        'AuditChainBroken',
      ]),
    );
    // every alert has at least one unit test
    const tests = readFileSync(path.join(ROOT, 'monitoring/rules/marquee_test.yml'), 'utf8');
    for (const alert of alerts)
      expect({ alert, tested: tests.includes(`alertname: ${alert}`) }).toEqual({ alert, tested: true });
  });

  it('the alert unit tests pass (promtool test rules)', () => {
    const { status, output } = run(['test', 'rules', 'monitoring/rules/marquee_test.yml']);
    expect(output).toMatch(/SUCCESS/);
    expect(status).toBe(0);
  });
});
