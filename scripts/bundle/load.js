// The loader of the bundled CLI (copied to dist/bundle/load.js by scripts/build-bundle.mjs).
//
// Startup (issue #5): most of a short run used to go to compiling. Node's compile cache keeps only
// what V8 compiles when it loads a module, not the functions it compiles later, when they are first
// called — and a run calls a thousand of them (oclif, the reader, the checks, the renderers). So the
// bundle is compiled here with `vm.Script`, and after a run V8's code cache of everything that run
// compiled is kept, one per command, in the dir bin/run.js names (next to Node's compile cache;
// nothing is kept when the loader is imported otherwise, e.g. by `oclif manifest`). V8 checks a
// cache against its own version and flags and refuses one that does not fit; the file name holds
// the bundle's content hash, so a rebuilt bundle never meets an old cache.
//
// Exports what oclif needs: COMMANDS (package.json `oclif.commands`, strategy explicit) and execute.
import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import vm from 'node:vm';

// Which first arguments get a cache of their own (names only: the classes are in the bundle).
const COMMAND_IDS = {checks: 1, collect: 1, doctor: 1, explain: 1};
/** Code caches kept at most (other bundles and Node versions: the least recently written go). */
const MAX_CACHES = 16;

const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.join(here, 'cli.cjs');
const source = fs.readFileSync(file, 'latin1');
const cacheFile = codeCacheFile();
let cachedData;
try {
  if (cacheFile) cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}

// The CommonJS wrapper, plus __kf_import: the bundle's dynamic imports (build-bundle.mjs).
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __kf_import) {${source}\n})`, {filename: file, cachedData});
const mod = {exports: {}};
script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, here, (specifier) => import(specifier));

if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
  // Kept only after a run that went through (exit code 0, or 1: findings): an error exit compiles
  // little, and its cache would serve the next, full run badly.
  process.once('exit', (code) => {
    if (code !== 0 && code !== 1) return;
    try {
      const data = script.createCachedData();
      fs.mkdirSync(path.dirname(cacheFile), {recursive: true, mode: 0o700});
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, data, {mode: 0o600});
      fs.renameSync(tmp, cacheFile);
      prune(path.dirname(cacheFile));
    } catch {
      /* an unwritable cache dir only costs speed */
    }
  });
}

export const {COMMANDS, execute} = mod.exports;

/** <dir>/<bundle hash>-<node>-<arch>-<command>.bin, or undefined (no caching). */
function codeCacheFile() {
  const dir = globalThis[Symbol.for('kubectl-failover.codeCacheDir')];
  if (typeof dir !== 'string' || !dir) return undefined;
  let hash;
  try {
    hash = JSON.parse(fs.readFileSync(path.join(here, 'build.json'), 'utf8')).hash;
  } catch {
    return undefined;
  }
  if (typeof hash !== 'string' || !/^[0-9a-f]+$/.test(hash)) return undefined;
  return path.join(dir, `${hash}-${process.version}-${process.arch}-${runKind(process.argv.slice(2))}.bin`);
}

/**
 * Which run this is, for its cache: the command, and whether it shows help (a help run compiles
 * other functions than a real one).
 */
function runKind(argv) {
  const id = argv[0] && /^[a-z][a-z-]*$/.test(argv[0]) && Object.hasOwn(COMMAND_IDS, argv[0]) ? argv[0] : 'root';
  const help = argv.some((a) => a === '--help' || a === '-h' || a === 'help') || id === 'root';
  return help ? `${id}-help` : id;
}

/** At most MAX_CACHES files: older bundles' and Node versions' caches go, least recently written first. */
function prune(dir) {
  const files = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.bin'))
    .map((n) => ({n, t: fs.statSync(path.join(dir, n)).mtimeMs}))
    .sort((a, b) => b.t - a.t);
  for (const f of files.slice(MAX_CACHES)) fs.rmSync(path.join(dir, f.n), {force: true});
}
