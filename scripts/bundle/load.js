// oclif's command target (package.json `oclif.commands`, strategy explicit) and what bin/run.js
// runs: the bundled CLI, dist/bundle/cli.cjs (copied to dist/bundle/load.js by
// scripts/build-bundle.mjs; see compile.js for how it is loaded).
import {loadBundle} from './compile.js';

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

export const {COMMANDS, execute} = cli.exports;
