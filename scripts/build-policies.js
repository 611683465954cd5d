#!/usr/bin/env node
// `npm run policies:build`: compiles the promotion policy (policies/promotion/*.rego,
// tests excluded) to WebAssembly with the OPA CLI and writes
//   policies/dist/promotion.wasm          – evaluated in-process by @open-policy-agent/opa-wasm
//   policies/dist/promotion.manifest.json – hashes of the sources, the wasm and data.json
// The compiled wasm is committed so that CI and `npm start` need no Go or OPA.
// `--check` rebuilds into a temporary directory and fails if the committed files
// are stale (used by the freshness test). OPA comes from infra/opa-install.sh
// (.infra/bin/opa) unless OPA_BIN points elsewhere.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const policiesDir = path.join(root, 'policies');
const distDir = path.join(policiesDir, 'dist');
const ENTRYPOINT = 'promotion/decision';
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function opaBinary() {
  const candidate = process.env.OPA_BIN || path.join(root, '.infra', 'bin', 'opa');
  if (!fs.existsSync(candidate)) {
    console.error(`OPA CLI not found at ${candidate}; run: bash infra/opa-install.sh`);
    process.exit(2);
  }
  return candidate;
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`${path.basename(cmd)} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    process.exit(1);
  }
  return result.stdout;
}

/** Every Rego file that goes into the wasm, plus data.json, with their hashes (sorted, repo-relative). */
function sourceHashes() {
  const dir = path.join(policiesDir, 'promotion');
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => (f.endsWith('.rego') && !f.endsWith('_test.rego')) || f === 'data.json')
      .sort()
      .map((f) => [`policies/promotion/${f}`, sha256(fs.readFileSync(path.join(dir, f)))]),
  );
}

/** Builds into `outDir`; returns the manifest. */
function build(outDir) {
  const opa = opaBinary();
  const opaVersion = run(opa, ['version'])
    .split('\n')[0]
    .replace(/^Version:\s*/, '');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'marquee-policies-'));
  try {
    const bundle = path.join(tmp, 'bundle.tar.gz');
    run(opa, [
      'build',
      '--target',
      'wasm',
      '--entrypoint',
      ENTRYPOINT,
      '--ignore',
      'dist',
      '--ignore',
      '*_test.rego',
      '--output',
      bundle,
      'policies/',
    ]);
    run('tar', ['-xzf', bundle, '-C', tmp, '/policy.wasm']);
    const wasm = fs.readFileSync(path.join(tmp, 'policy.wasm'));
    const data = fs.readFileSync(path.join(policiesDir, 'promotion', 'data.json'));
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'promotion.wasm'), wasm);
    const manifest = {
      entrypoint: ENTRYPOINT,
      opaVersion,
      // The version a decision records: the compiled rules and the thresholds they read.
      policyVersion: sha256(Buffer.concat([wasm, data])),
      wasmSha256: sha256(wasm),
      dataSha256: sha256(data),
      sources: sourceHashes(),
    };
    fs.writeFileSync(path.join(outDir, 'promotion.manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function check() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'marquee-policies-check-'));
  try {
    build(tmp);
    const stale = ['promotion.wasm', 'promotion.manifest.json'].filter((file) => {
      const committed = path.join(distDir, file);
      return !fs.existsSync(committed) || !fs.readFileSync(committed).equals(fs.readFileSync(path.join(tmp, file)));
    });
    if (stale.length > 0) {
      console.error(
        `policies/dist is out of date with the Rego sources (${stale.join(', ')} differ): run npm run policies:build`,
      );
      process.exit(1);
    }
    console.log('policies/dist is up to date');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require('./command').parseScript('policies:build').values.check) {
  check();
} else {
  const manifest = build(distDir);
  console.log(`built policies/dist/promotion.wasm (policy version ${manifest.policyVersion.slice(0, 16)}…)`);
}
