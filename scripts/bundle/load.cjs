// oclif's command target (package.json `oclif.commands`, strategy explicit) and what bin/run.cjs
// runs: the bundled CLI, dist/bundle/cli.cjs (copied to dist/bundle/load.cjs by
// scripts/build-bundle.mjs; see compile.cjs for how it is loaded).
'use strict';
const {loadBundle} = require('./compile.cjs');

// Which first arguments get a code cache of their own (names only: the classes are in the bundle).
const COMMAND_IDS = new Set(['checks', 'collect', 'doctor', 'explain']);

/** The run, for its code cache: the command, and whether it shows help (which compiles other functions). */
function runKind(argv) {
  const id = COMMAND_IDS.has(argv[0]) ? argv[0] : 'root';
  const help = id === 'root' || argv.some((a) => a === '--help' || a === '-h' || a === 'help');
  return help ? `${id}-help` : id;
}

const cli = loadBundle('cli.cjs', runKind(process.argv.slice(2)));
cli.keep();

const {COMMANDS, execute, run, Errors} = cli.exports;
module.exports = {COMMANDS, execute, run, Errors};
