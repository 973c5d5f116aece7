/**
 * Where the analysis time goes: each check's time on a bundle (one process, checks in catalogue
 * order, so caches shared between checks are charged to the first that fills them).
 *
 *   node bench/lib/per-check.mjs BUNDLE_DIR [DIST_DIR]
 */
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';

const [bundle, distDir] = process.argv.slice(2);
const dist = distDir ? pathToFileURL(`${distDir.replace(/\/+$/, '')}/`) : new URL('../../dist/', import.meta.url);
const {loadBundle} = await import(new URL('sources/bundle.js', dist));
const {buildContext, buildSnapshot} = await import(new URL('model/snapshot.js', dist));
const {CHECKS} = await import(new URL('checks/index.js', dist));

const loaded = await loadBundle(bundle);
const t0 = performance.now();
const snapshot = buildSnapshot(loaded.contexts.map(buildContext), {notes: loaded.notes});
const rows = [['snapshot', performance.now() - t0, 0]];
const ONLY = process.env.ONLY ? new Set(process.env.ONLY.split(",")) : undefined;
for (const check of CHECKS) {
  if (ONLY && !ONLY.has(check.meta.code)) continue;
  if (check.meta.live) continue;
  const t = performance.now();
  const n = check.run(snapshot).length;
  rows.push([check.meta.code, performance.now() - t, n]);
}
await loaded.cleanup();
const total = rows.slice(1).reduce((s, r) => s + r[1], 0);
for (const [code, ms, n] of rows.sort((a, b) => b[1] - a[1])) if (ms >= 20) console.log(`${code.padEnd(9)} ${ms.toFixed(0).padStart(7)} ms  ${String(n).padStart(5)} findings`);
console.log(`checks    ${total.toFixed(0).padStart(7)} ms`);
