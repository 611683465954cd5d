#!/usr/bin/env node
// `npm start`: generate the Prisma client, compile (incrementally), run the service.
// Compiling first keeps the running process plain Node: no transpiler in production.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (process.argv.length > 2) require('./command').parseScript('start');
const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run([path.join(__dirname, 'prisma-generate.js')]);
run([require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.build.json']);
// tsc leaves the path aliases (@lib/…, @modules/…) as written; tsc-alias makes them relative in dist/.
run([require.resolve('tsc-alias/dist/bin/index.js', { paths: [root] }), '-p', 'tsconfig.build.json']);

// The main command on a fresh machine: an empty embedded store gets a small
// simulated world and a first model (see BOOTSTRAP_WORLD in the README).
// MALLOC_ARENA_MAX=2 as in the container image (Dockerfile): fewer glibc arenas, ~40 MB less resident memory.
const env = {
  ...process.env,
  BOOTSTRAP_WORLD: process.env.BOOTSTRAP_WORLD || 'auto',
  MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX || '2',
};
const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
// SIGHUP (reload) too: unhandled it would end this wrapper and leave the service orphaned.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
