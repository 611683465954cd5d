#!/usr/bin/env node
// `npm test`: the whole suite, unit and integration, against a REAL PostgreSQL
// and a REAL Kafka broker. When DATABASE_URL / KAFKA_BROKERS are not set, the
// infra/ scripts start both on loopback first (idempotent), so the command
// works on a fresh machine. Extra arguments go to jest.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// --help is ours; every other argument is jest's.
if (process.argv.slice(2).some((a) => a === '--help' || a === '-h'))
  require('./command').parseScript(process.argv.includes('jest.faults.config.js') ? 'test:faults' : 'test', ['--help']);
const env = { ...process.env };

function startService(script, variable) {
  if (env[variable]) return;
  const r = spawnSync('bash', [path.join(root, 'infra', script)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stderr.write(r.stdout ?? '');
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(`${variable}=`));
  if (r.status !== 0 || !line) {
    console.error(`could not start ${script}; set ${variable} to an existing service instead`);
    process.exit(1);
  }
  env[variable] = line.slice(variable.length + 1).trim();
}

startService('pg-start.sh', 'DATABASE_URL');
startService('kafka-start.sh', 'KAFKA_BROKERS');
startService('redis-start.sh', 'REDIS_URL');

// Tools some tests call (OPA for `opa test policies/`; kustomize and kubeconform
// for the manifests). Installed once into .infra/bin from the Go module proxy;
// Debian's chromium for the console's browser tests.
for (const installer of ['opa-install.sh', 'k8s-tools-install.sh', 'prometheus-install.sh', 'chromium-install.sh']) {
  const r = spawnSync('bash', [path.join(root, 'infra', installer)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    console.error(`infra/${installer} failed`);
    process.exit(1);
  }
}

const gen = spawnSync(process.execPath, [path.join(__dirname, 'prisma-generate.js')], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (gen.status !== 0) process.exit(gen.status ?? 1);

// PGlite loads its WASM through dynamic import(), which jest only allows with VM modules on.
env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim();
env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const resultsFile = path.join(require('node:os').tmpdir(), `marquee-jest-${process.pid}.json`);
const jest = spawnSync(
  process.execPath,
  [
    require.resolve('jest/bin/jest', { paths: [root] }),
    '--json',
    `--outputFile=${resultsFile}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, env, stdio: 'inherit' },
);

// A plain closing line that any CI can read, whatever reporter jest used.
try {
  const r = JSON.parse(require('node:fs').readFileSync(resultsFile, 'utf8'));
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  if (r.numTotalTests === 0) {
    console.error('no test ran');
    process.exit(1);
  }
} catch {
  console.error('jest wrote no results');
}
process.exit(jest.status ?? 1);
