// Loads the bundled CLI (copied to dist/bundle/compile.cjs by scripts/build-bundle.mjs). CommonJS:
// bin/run.cjs requires it, which costs a few milliseconds less than a first import().
//
// Startup (issue #5): most of a short run went to compiling. Node's compile cache keeps only what V8
// compiles when it loads a module, not the functions it compiles later, when they are first called —
// and a run calls a thousand of them (the reader, the checks, the renderers, oclif). So a bundle is
// compiled here with `vm.Script`, and after a run V8's code cache of everything that run compiled is
// kept, one per bundle and command, in the dir bin/run.cjs names (next to Node's compile cache;
// nothing is kept when the bundle is loaded otherwise, e.g. by `oclif manifest`). V8 checks a cache
// against its own version and flags and refuses one that does not fit; the file name holds the
// bundle's content hash, so a rebuilt bundle never meets an old cache.
'use strict';
const fs = require('node:fs');
const {createRequire} = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** Code caches kept at most (other builds' and Node versions' go, least recently written first). */
const MAX_CACHES = 16;

const here = __dirname;
let build;

/**
 * Compile and run dist/bundle/<name> (a CommonJS file) and return its exports. `kind` names the
 * run for its code cache; keep() has the cache written at exit, if the run ends with 0 or 1 (an
 * error exit compiles little, and its cache would serve the next, full run badly).
 */
function loadBundle(name, kind) {
  const file = path.join(here, name);
  const source = fs.readFileSync(file, 'latin1'); // ASCII (build-bundle.mjs)
  const cacheFile = codeCacheFile(name, kind);
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
  let armed = false;
  const keep = () => {
    if (armed || !cacheFile || (cachedData !== undefined && !script.cachedDataRejected)) return;
    armed = true;
    process.once('exit', (code) => {
      if (code === 0 || code === 1) writeCache(cacheFile, script);
    });
  };
  return {exports: mod.exports, keep};
}

function writeCache(cacheFile, script) {
  try {
    const data = script.createCachedData();
    const dir = path.dirname(cacheFile);
    fs.mkdirSync(dir, {recursive: true, mode: 0o700});
    const tmp = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(tmp, data, {mode: 0o600});
    fs.renameSync(tmp, cacheFile);
    const files = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.bin'))
      .map((n) => ({n, t: fs.statSync(path.join(dir, n)).mtimeMs}))
      .sort((a, b) => b.t - a.t);
    for (const f of files.slice(MAX_CACHES)) fs.rmSync(path.join(dir, f.n), {force: true});
  } catch {
    /* an unwritable cache dir only costs speed */
  }
}

/** <dir>/<bundle hash>-<bundle>-<kind>-<node>-<arch>.bin, or undefined (no caching). */
function codeCacheFile(name, kind) {
  const dir = globalThis[Symbol.for('kubectl-failover.codeCacheDir')];
  if (typeof dir !== 'string' || !dir || !/^[a-z-]+$/.test(kind)) return undefined;
  try {
    build ??= JSON.parse(fs.readFileSync(path.join(here, 'build.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const hash = build?.hashes?.[name];
  if (typeof hash !== 'string' || !/^[0-9a-f]+$/.test(hash)) return undefined;
  return path.join(dir, `${hash}-${path.basename(name, '.cjs')}-${kind}-${process.version}-${process.arch}.bin`);
}

module.exports = {loadBundle};
