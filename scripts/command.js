// The bridge from the plain-JS scripts to the one command-line helper
// (src/lib/cli) and the command declarations (src/cli/commands.ts): both are
// TypeScript, so this registers SWC first (about 0.3 s, paid only by a script
// that has arguments to parse).
'use strict';
const path = require('node:path');

function loadCommands() {
  process.env.SWC_NODE_PROJECT ??= path.resolve(__dirname, '../tsconfig.json');
  require('@swc-node/register');
  const { COMMANDS, COMMAND_ENTRIES } = require('../src/cli/commands');
  return { cli: require('../src/lib/cli'), COMMANDS, COMMAND_ENTRIES };
}

/** Parses this script's arguments against COMMANDS[name]: exits 0 with the usage on --help, 2 on a bad option. */
function parseScript(name, argv = process.argv.slice(2)) {
  const { cli, COMMANDS } = loadCommands();
  return cli.parseCommand(COMMANDS[name], argv);
}

module.exports = { loadCommands, parseScript };
