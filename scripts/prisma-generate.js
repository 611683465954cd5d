#!/usr/bin/env node
// Generates the Prisma client into src/generated/prisma.
// `prisma generate` never runs the schema engine, but the CLI insists on
// locating one and would try to download it (no network here). Pointing the
// variable at any existing file satisfies that check without a download.
'use strict';
if (process.argv.length > 2) require('./command').parseScript('prisma:generate');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

const result = spawnSync(
  process.execPath,
  [require.resolve('prisma/build/index.js'), 'generate', '--schema', 'prisma/schema.prisma'],
  { cwd: root, env, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
