#!/usr/bin/env node
'use strict';
// Entry point. Refuse old runtimes with one line instead of a stack trace from a dependency.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`error: kubectl-failover needs Node.js 22 or newer (this is ${process.version})\n`);
  process.exit(2);
}

// Startup (issue #5): every command starts here, so it loads as little as it can.
// 1. V8's compile cache (Node >= 22.1): modules are compiled once and reused. It lives in the
//    user's cache dir, next to oclif's own (never in TMPDIR); NODE_COMPILE_CACHE and
//    NODE_DISABLE_COMPILE_CACHE still rule.
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const {pathToFileURL} = require('node:url');

const cacheDir = userCacheDir();
try {
  if (cacheDir && !process.env.NODE_DISABLE_COMPILE_CACHE) Module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || path.join(cacheDir, 'compile-cache'));
} catch {
  /* an unwritable cache dir only costs speed */
}
// The CLI is bundled (dist/bundle/); dist/bundle/compile.cjs compiles it with V8 code caches of whole
// runs (Node's compile cache holds only what V8 compiles when a module loads); they live here.
if (cacheDir && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  globalThis[Symbol.for('kubectl-failover.codeCacheDir')] = process.env.NODE_COMPILE_CACHE ? path.join(process.env.NODE_COMPILE_CACHE, 'kubectl-failover') : path.join(cacheDir, 'code-cache');
}

/** oclif's cache dir for this CLI: ~/.cache/kubectl-failover (XDG_CACHE_HOME, macOS Library/Caches). */
function userCacheDir() {
  if (process.env.KUBECTL_FAILOVER_CACHE_DIR) return process.env.KUBECTL_FAILOVER_CACHE_DIR;
  let home;
  try {
    home = os.homedir();
  } catch {
    return undefined;
  }
  if (process.platform === 'win32') return process.env.LOCALAPPDATA ? path.join(process.env.LOCALAPPDATA, 'kubectl-failover') : undefined;
  const base = process.platform === 'darwin' ? path.join(home, 'Library', 'Caches') : process.env.XDG_CACHE_HOME || path.join(home, '.cache');
  return path.join(base, 'kubectl-failover');
}

// Output goes out whole: oclif ends a command that sets an exit code (doctor with findings) with
// process.exit(), which drops what a pipe has not taken yet (`doctor | less` lost all but 64 KiB).
for (const s of [process.stdout, process.stderr]) s._handle?.setBlocking?.(true);

/** The package root (bin/..), and this file as a URL: what oclif is given to find it. */
const root = path.dirname(__dirname);
const selfUrl = pathToFileURL(__filename).href;

const done = main();
module.exports = {done};

if (require.main === module) {
  // As an ES module entry point awaiting `done` would: when the event loop empties before the run
  // has ended (oclif's flush waiting for a 'drain' after `doctor --fail-on none | head` closed the
  // pipe), exit with code 13 and say so. A rejection still surfaces as unhandled.
  let settled = false;
  done.finally(() => (settled = true));
  process.once('beforeExit', () => {
    if (settled) return;
    process.exitCode ??= 13;
    process.stderr.write(`Warning: Detected unsettled top-level await at ${selfUrl}\n\n`);
  });
}

async function main() {
  const argv = process.argv.slice(2);
  let fast = false;
  if (!process.env.KUBECTL_FAILOVER_NO_FAST_START) {
    if (argv.length === 1) fast = await fastStart(argv[0]);
    else if (argv[0] === 'doctor') fast = await fastDoctor(argv.slice(1));
  }
  if (!fast) {
    const {execute} = require('../dist/bundle/load.cjs');
    await execute({dir: selfUrl});
  }
}

/**
 * 2. `--version` and the top-level `--help` without loading oclif (it alone costs more than
 *    starting Node). --version prints what oclif prints (config.userAgent). The top-level help is
 *    rendered by oclif the first time and kept in the user's cache dir under a key made of all it
 *    depends on (package.json, oclif.manifest.json, @oclif/core's version, Node, the terminal),
 *    so it is always oclif's own output. Anything unusual goes to oclif.
 */
async function fastStart(arg) {
  if (arg !== '--version' && arg !== '--help') return false;
  try {
    const fs = require('node:fs');
    const pjsonText = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    const pjson = JSON.parse(pjsonText);
    if (pjson.oclif?.additionalVersionFlags || pjson.oclif?.additionalHelpFlags || pjson.oclif?.hooks || pjson.oclif?.plugins) return false;
    // oclif names the platform 'wsl' under WSL (wsl-utils): leave that to it.
    const release = os.release().toLowerCase();
    if (process.platform === 'linux' && (release.includes('microsoft') || safeRead(fs, '/proc/version').toLowerCase().includes('microsoft'))) return false;
    if (arg === '--version') {
      const arch = os.arch() === 'ia32' ? 'x86' : os.arch();
      process.stdout.write(`${pjson.name}/${pjson.version} ${os.platform()}-${arch} node-${process.version}\n`);
      return true;
    }
    return await cachedRootHelp(fs, root, pjsonText, pjson);
  } catch {
    return false;
  }
}

/**
 * 3. `doctor` without oclif (dist/bundle/fast.cjs, built from src/cli/fast.ts) when its command
 *    line is a plain one that src/cli/fast.ts reads exactly as oclif would; else oclif runs it.
 */
async function fastDoctor(args) {
  let fastBundle;
  try {
    const {loadBundle} = require('../dist/bundle/compile.cjs');
    fastBundle = loadBundle('fast.cjs', 'doctor');
  } catch {
    return false;
  }
  const flags = fastBundle.exports.doctorFlags(args, root);
  if (!flags) return false;
  fastBundle.keep();
  await fastBundle.exports.runDoctorFast(flags);
  return true;
}

function safeRead(fs, file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function cachedRootHelp(fs, root, pjsonText, pjson) {
  if (process.platform === 'win32') return false;
  const {createHash} = require('node:crypto');
  const manifest = safeRead(fs, path.join(root, 'oclif.manifest.json'));
  if (!manifest) return false;
  const oclifVersion = JSON.parse(fs.readFileSync(require.resolve('@oclif/core/package.json'), 'utf8')).version;
  const env = Object.entries(process.env)
    .filter(([k]) => /^(OCLIF_|KUBECTL_FAILOVER_|NO_COLOR$|FORCE_COLOR$|TERM$|COLORTERM$|CI$|COLUMNS$)/.test(k))
    .sort();
  const key = createHash('sha256')
    .update(JSON.stringify(['help-v1', pjsonText, manifest, oclifVersion, process.version, process.platform, os.arch(), !!process.stdout.isTTY, process.stdout.columns ?? null, env]))
    .digest('hex')
    .slice(0, 24);
  const dir = cacheDir;
  if (!dir) return false;
  const file = path.join(dir, `help-${key}.txt`);
  const hit = safeRead(fs, file);
  if (hit) {
    process.stdout.write(hit);
    return true;
  }
  // Not cached yet: let oclif render it, and keep what it wrote.
  const chunks = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return write(chunk, ...rest);
  };
  const {execute} = require('../dist/bundle/load.cjs');
  await execute({dir: selfUrl, args: ['--help']});
  process.stdout.write = write;
  if (process.exitCode === undefined || process.exitCode === 0) {
    try {
      fs.mkdirSync(dir, {recursive: true, mode: 0o700});
      const tmp = `${file}.${process.pid}`;
      fs.writeFileSync(tmp, chunks.join(''), {mode: 0o600});
      fs.renameSync(tmp, file);
    } catch {
      /* a read-only home only costs speed */
    }
  }
  return true;
}
