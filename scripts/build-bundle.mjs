#!/usr/bin/env node
/**
 * `npm run build`, second step (after tsc): the CLI bundled for a fast start (issue #5), in
 * dist/bundle/:
 *   cli.cjs     the whole CLI (src/cli.ts: the commands, @oclif/core, yaml, cli-table3…), which
 *               bin/run.cjs runs through load.cjs; load.cjs is also oclif's command target
 *               (package.json `oclif.commands`, strategy explicit);
 *   fast.cjs    doctor without oclif (src/cli/fast.ts), which bin/run.cjs tries first for `doctor`;
 *   compile.cjs how both are loaded: with V8 code caches of whole runs (see scripts/bundle/).
 *
 * What a run loads only when it needs it stays outside: the Kubernetes client, ora, tar and ws are
 * imported from node_modules at that moment. A script compiled by `vm.Script` cannot use `import()`
 * (Node asks for --experimental-vm-modules), so every dynamic import of a bundle is rewritten into a
 * call of `__kf_import`, which the loader provides; the build checks that the rewrite caught every
 * one of them and nothing else.
 */
import {createHash} from 'node:crypto';
import {copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'bundle');

/** Loaded on demand from node_modules, never bundled (large, and needed only by some runs). */
const LAZY_EXTERNALS = ['@kubernetes/client-node', 'ora', 'tar', 'ws'];

rmSync(outDir, {recursive: true, force: true});
mkdirSync(outDir, {recursive: true});

const hashes = {};
for (const [name, entry, forbidden] of [
  ['cli.cjs', 'src/cli.ts'],
  // The point of the fast start: no oclif (nor anything a plain doctor run does not need at once).
  ['fast.cjs', 'src/cli/fast.ts', /node_modules\/(@oclif|cli-table3)\//],
]) {
  hashes[name] = await bundle(name, entry, forbidden);
}
for (const f of ['compile.cjs', 'load.cjs']) copyFileSync(path.join(root, 'scripts', 'bundle', f), path.join(outDir, f));
writeFileSync(path.join(outDir, 'build.json'), `${JSON.stringify({hashes})}\n`);

async function bundle(name, entry, forbidden) {
  const outFile = path.join(outDir, name);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, entry)],
    outfile: outFile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    charset: 'ascii',
    // typescript: oclif requires it only to map compiled paths back to sources in development,
    // which src/cli.ts turns off; it must never be bundled (10 MB).
    external: [...LAZY_EXTERNALS, 'typescript'],
    // The file runs as a function body (see the loader): import.meta.url is the bundle's own URL.
    define: {'import.meta.url': '__kf_import_meta_url'},
    banner: {js: "var __kf_import_meta_url = require('node:url').pathToFileURL(__filename).href;"},
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  const banned = forbidden && Object.keys(result.metafile.inputs).find((i) => forbidden.test(i));
  if (banned) throw new Error(`build-bundle ${name}: must not include ${banned}`);

  // Every dynamic import() becomes __kf_import(), and nothing else does (an `import(` inside a
  // string, such as the YAML worker's source, stays): each candidate gets a marker that esbuild
  // replaces only where it is code (a define), and the counts are checked before and after.
  const before = readFileSync(outFile, 'utf8');
  const dynamicImports = await countDynamicImports(before);
  let candidates = 0;
  const marked = before.replace(/(?<![\w$.])import\(/g, () => `__kf_import_${candidates++}__(`);
  const define = Object.fromEntries(Array.from({length: candidates}, (_, i) => [`__kf_import_${i}__`, '__kf_import']));
  const probe = (await esbuild.transform(marked, {loader: 'js', format: 'cjs', platform: 'node', define, logLevel: 'silent'})).code;
  let rewritten = 0;
  const text = marked.replace(/__kf_import_(\d+)__\(/g, (m) => (probe.includes(m) ? 'import(' : (rewritten++, '__kf_import(')));
  if (rewritten !== dynamicImports) throw new Error(`build-bundle ${name}: esbuild sees ${dynamicImports} dynamic imports, ${rewritten} were rewritten`);
  const left = await countDynamicImports(text);
  if (left !== 0) throw new Error(`build-bundle ${name}: ${left} dynamic imports left after the rewrite`);

  // ASCII only, so that the loader can read it as latin1 (a one-byte string, several times faster
  // than decoding UTF-8). esbuild escapes strings but keeps comments and regular expression
  // literals as written: \uXXXX means the same there (and in a comment nothing).
  if (/\\[^\x00-\x7f]/.test(text)) throw new Error(`build-bundle ${name}: a backslash before a non-ASCII character: cannot escape it`);
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeFileSync(outFile, ascii, 'latin1');

  const modules = Object.keys(result.metafile.inputs).length;
  console.log(`bundled ${modules} modules into ${path.relative(root, outFile)} (${Math.round(ascii.length / 1024)} KiB, ${dynamicImports} dynamic imports routed through the loader)`);
  return createHash('sha256').update(ascii).digest('hex').slice(0, 20);
}

/**
 * import() calls in JavaScript text, as esbuild parses it (never in strings or comments): with the
 * dynamic-import feature marked unsupported, esbuild turns each into a Promise around require(),
 * so the difference in require( calls between the two forms counts them, computed specifiers too.
 */
async function countDynamicImports(src) {
  const asIs = await esbuild.transform(src, {loader: 'js', format: 'cjs', platform: 'node', logLevel: 'silent'});
  const lowered = await esbuild.transform(src, {loader: 'js', format: 'cjs', platform: 'node', supported: {'dynamic-import': false}, logLevel: 'silent'});
  const requires = (code) => code.match(/(?<![\w$.])require\(/g)?.length ?? 0;
  return requires(lowered.code) - requires(asIs.code);
}
