import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';

/**
 * The CI/CD workflows for users' own forge are not run here (`.ci/run` is the
 * check on this machine); these tests keep them parseable and keep the
 * promises they make: what runs, against which services, and when an image is
 * published.
 */
const ROOT = path.resolve(__dirname, '../..');

/* eslint-disable @typescript-eslint/no-explicit-any -- workflow files are untyped YAML. */
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, any> };
type Job = { needs?: string[]; if?: string; steps: Step[]; services?: Record<string, any>; environment?: string };
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

const load = (file: string): Workflow => YAML.parse(readFileSync(path.join(ROOT, '.github/workflows', file), 'utf8'));
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const uses = (job: Job) => job.steps.map((s) => s.uses ?? '').filter(Boolean);

describe('.github/workflows/ci.yml', () => {
  const ci = load('ci.yml');

  it('lints, type-checks and checks generated artefacts', () => {
    const script = runs(ci.jobs.static);
    for (const command of ['npm ci', 'npm run typecheck', 'npm run lint', 'npm run policies:check']) {
      expect(script).toContain(command);
    }
  });

  it('runs the whole test suite against real PostgreSQL and Kafka, with the policy tests', () => {
    const test = ci.jobs.test;
    expect(Object.keys(test.services ?? {}).sort()).toEqual(['kafka', 'postgres']);
    // Kafka 3.9.x: kafkajs 2.2 does not speak to Kafka 4.
    expect(test.services!.kafka.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    const script = runs(test);
    expect(script).toContain('bash infra/opa-install.sh');
    expect(script).toContain('bash infra/k8s-tools-install.sh');
    expect(script).toContain('npm run policies:test');
    expect(script).toMatch(/^npm test$/m);
  });

  it('renders and validates the manifests', () => {
    const script = runs(ci.jobs.manifests);
    expect(script).toContain('bash infra/k8s-tools-install.sh');
    expect(script).toContain('npx jest test/deploy');
  });

  it('builds, smoke-tests on a read-only root as non-root, and scans the image', () => {
    const image = ci.jobs.image;
    expect(uses(image)).toEqual(expect.arrayContaining([expect.stringMatching(/^docker\/build-push-action@/)]));
    expect(runs(image)).toContain('--read-only');
    const scans = image.steps.filter((s) => s.uses?.startsWith('aquasecurity/trivy-action@'));
    expect(scans.length).toBeGreaterThanOrEqual(1);
    expect(scans.every((s) => String(s.with?.['exit-code']) === '1')).toBe(true);
  });

  it('publishes a versioned image only from main or a release tag, after every check', () => {
    const publish = ci.jobs.publish;
    expect(publish.if).toContain("github.ref == 'refs/heads/main'");
    expect(publish.needs!.sort()).toEqual(['image', 'manifests', 'static', 'test']);
    const meta = publish.steps.find((s) => s.uses?.startsWith('docker/metadata-action@'))!;
    expect(meta.with!.flavor).toBe('latest=false');
    expect(meta.with!.tags).toContain('type=semver');
    const push = publish.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    expect(push.with!.push).toBe(true);
  });

  it('pins every action to a release, never a branch', () => {
    for (const job of Object.values(ci.jobs)) {
      for (const action of uses(job)) expect(action).toMatch(/@(v\d+(\.\d+)*|\d+\.\d+\.\d+|[0-9a-f]{40})$/);
    }
  });
});

describe('.github/workflows/model-release.yml', () => {
  const release = load('model-release.yml');

  it('tests the promotion policy, then trains, evaluates, gates and registers in a protected environment', () => {
    expect(runs(release.jobs.policy)).toContain('npm run policies:test');
    const train = release.jobs['train-evaluate-register'];
    expect(train.needs).toEqual(['policy']);
    expect(train.environment).toBe('model-training');
    const script = runs(train);
    expect(script).toContain('npm run eval');
    expect(script).toContain('dist/cli/retrain.js');
  });

  it('asks the promotion gate for canary only after a reviewer approves', () => {
    const promote = release.jobs['request-canary'];
    expect(promote.environment).toBe('model-promotion');
    expect(runs(promote)).toMatch(/\/admin\/models\/\$candidate\/promotions/);
  });
});
