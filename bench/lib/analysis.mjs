/**
 * The analysis phase alone, in its own process: the objects of a bundle (read first, not timed) →
 * Snapshot (sort, freeze, index) → every check → the table doctor prints. Prints one JSON line.
 *
 *   node bench/lib/analysis.mjs BUNDLE_DIR [DIST_DIR]
 */
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';

const [bundle, distDir] = process.argv.slice(2);
const dist = distDir ? pathToFileURL(`${distDir.replace(/\/+$/, '')}/`) : new URL('../../dist/', import.meta.url);
const {loadBundle} = await import(new URL('sources/bundle.js', dist));
const {buildContext, buildSnapshot} = await import(new URL('model/snapshot.js', dist));
const {CHECKS} = await import(new URL('checks/index.js', dist));
const {runChecks} = await import(new URL('checks/run.js', dist));
const {renderReport} = await import(new URL('render/doctor.js', dist));
const {styleFor} = await import(new URL('render/text.js', dist));

const t0 = performance.now();
const loaded = await loadBundle(bundle);
const loadMs = performance.now() - t0;
let pods = 0;
for (const c of loaded.contexts) pods += c.objects.Pod?.length ?? 0;

const t1 = performance.now();
const snapshot = buildSnapshot(loaded.contexts.map(buildContext), {notes: loaded.notes});
const t2 = performance.now();
const report = runChecks(snapshot, CHECKS, {includeLive: snapshot.contexts.some((c) => c.proxies.length > 0)});
const t3 = performance.now();
const text = renderReport(report, 'table', {width: 100, style: styleFor({isTTY: false})});
const t4 = performance.now();
await loaded.cleanup();

process.stdout.write(
  JSON.stringify({
    pods,
    loadMs: Math.round(loadMs),
    snapshotMs: Math.round(t2 - t1),
    checksMs: Math.round(t3 - t2),
    renderMs: Math.round(t4 - t3),
    findings: report.findings.length,
    outputBytes: Buffer.byteLength(text),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);
