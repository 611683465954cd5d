#!/usr/bin/env node
// Runs a TypeScript entry point without a build step (CLIs, benchmarks, the simulator).
// SWC honours emitDecoratorMetadata from tsconfig.json, which NestJS needs.
'use strict';
const path = require('node:path');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.js <file.ts> [args…]');
  process.exit(2);
}
// Answer --help and reject unknown options from the command's declaration
// (src/cli/commands.ts) before loading the program and its imports.
{
  const { cli, COMMANDS, COMMAND_ENTRIES } = require('./command').loadCommands();
  const name =
    COMMAND_ENTRIES[path.relative(path.resolve(__dirname, '..'), path.resolve(entry)).split(path.sep).join('/')];
  if (name) cli.parseCommand(COMMANDS[name], args);
}
// A fresh checkout has no generated Prisma client yet (npm start and npm test make it; benchmarks and CLIs need it too).
if (!require('node:fs').existsSync(path.resolve(__dirname, '../src/generated/prisma/client.ts'))) {
  const generated = require('node:child_process').spawnSync(
    process.execPath,
    [path.join(__dirname, 'prisma-generate.js')],
    {
      stdio: 'inherit',
    },
  );
  if (generated.status !== 0) process.exit(generated.status ?? 1);
}
process.argv = [process.argv[0], path.resolve(entry), ...args];
require(path.resolve(entry));
