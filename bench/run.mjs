#!/usr/bin/env node
/**
 * `npm run bench`: kubectl-failover against kubectl and JSON.parse, on synthetic meshes and dumps
 * (issue #5). Prints a Markdown table (figures, baselines measured in the same run, ratios,
 * targets), then the details. Not part of `npm test`.
 *
 *   node bench/run.mjs [--quick] [--only startup,explain,doctor,analysis] [--sizes small,medium,large]
 *                      [--reps N] [--kubectl parallel|sequential] [--no-kubectl] [--json FILE] [--root CHECKOUT]
 *
 * Data (bundles, dumps) is generated once under bench/.data (ignored by git) and reused while the
 * generator is unchanged. Every command runs under GNU time (peak RSS); ratios compare medians of
 * alternating repetitions. kubectl runs with its own HOME and --cache-dir in a temp dir.
 */
import {spawn, execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {CONTEXTS, KUBECTL_KINDS, SIZES, writeMeshBundle} from './lib/mesh.mjs';
import {explainTarget, writeDumps} from './lib/dumps.mjs';
import {max, measure, median} from './lib/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = path.join(ROOT, 'bench', '.data');
// --root DIR: benchmark another checkout (built), e.g. one with a proposed patch; data and the
// simulated cluster stay this one's.
const argv0 = process.argv.slice(2);
const UNDER_TEST = argv0.includes('--root') ? path.resolve(argv0[argv0.indexOf('--root') + 1]) : ROOT;
const BIN = path.join(UNDER_TEST, 'bin', 'kubectl-failover');
const NODE = process.execPath; // the project's node (npm puts node_modules/.bin first on PATH)
const DUMP = {clusters: 10_000, hostsPerCluster: 10};

// ---------------------------------------------------------------------------------------------
// Options.

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = argv.includes('--quick');
const ONLY = new Set((opt('only') ?? 'startup,explain,doctor,analysis').split(','));
const SIZE_LIST = (opt('sizes') ?? (QUICK ? 'small,medium' : 'small,medium,large')).split(',');
const KUBECTL_MODE = opt('kubectl') ?? 'sequential';
const REPS = {
  startup: Number(opt('reps') ?? (QUICK ? 5 : 11)),
  explain: Number(opt('reps') ?? (QUICK ? 3 : 5)),
  doctor: {small: QUICK ? 3 : 5, medium: QUICK ? 2 : 3, large: QUICK ? 1 : 2},
  analysis: {small: 3, medium: 3, large: QUICK ? 1 : 2},
};
if (opt('reps')) for (const k of ['doctor', 'analysis']) for (const s of Object.keys(REPS[k])) REPS[k][s] = Number(opt('reps'));

const log = (m) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const fmtMs = (ms) => (!Number.isFinite(ms) ? 'n/a' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const fmtMB = (kb) => (Number.isFinite(kb) ? `${Math.round(kb / 1024)} MB` : 'n/a');
const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');
const fmtBytes = (b) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${Math.round(b / 2 ** 20)} MiB`);

// ---------------------------------------------------------------------------------------------
// Environment: machine, sandbox HOME with the plugin on PATH, kubectl.

function which(cmd) {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const p = path.join(d, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

const KUBECTL = which('kubectl');
const sandbox = mkdtempSync(path.join(os.tmpdir(), 'kf-bench-'));
mkdirSync(path.join(sandbox, 'bin'));
symlinkSync(BIN, path.join(sandbox, 'bin', 'kubectl-failover'));
const ENV = {
  PATH: `${path.join(sandbox, 'bin')}:${process.env.PATH}`,
  HOME: sandbox,
  KUBECONFIG: path.join(sandbox, 'no-kubeconfig'),
  NO_COLOR: '1',
  CI: '1',
  LANG: process.env.LANG ?? 'C.UTF-8',
};
const CACHE = path.join(sandbox, 'kube-cache');
let simChild;
const cleanup = () => {
  if (simChild && simChild.exitCode === null) simChild.kill('SIGTERM');
  rmSync(sandbox, {recursive: true, force: true});
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function machine() {
  const cpus = os.cpus();
  let kubectlVersion = 'not found';
  try {
    kubectlVersion = JSON.parse(execFileSync(KUBECTL, ['version', '--client', '-o', 'json'], {encoding: 'utf8'})).clientVersion.gitVersion;
  } catch {
    /* reported as not found */
  }
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    kubectl: `${kubectlVersion} (${KUBECTL})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Data: generated once per generator version.

function generatorStamp() {
  const h = createHash('sha256');
  for (const f of ['lib/mesh.mjs', 'lib/dumps.mjs']) h.update(readFileSync(path.join(ROOT, 'bench', f)));
  return h.digest('hex').slice(0, 16);
}

async function ensureData(sizes) {
  mkdirSync(DATA, {recursive: true});
  writeFileSync(path.join(DATA, '.gitignore'), '*\n');
  const stampFile = path.join(DATA, 'stamp.json');
  const stamp = generatorStamp();
  let have = {};
  try {
    have = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    have = {};
  }
  if (have.stamp !== stamp) have = {stamp, items: {}};
  const save = () => writeFileSync(stampFile, JSON.stringify(have, null, 1));
  const need = [...new Set(['tiny', ...sizes])];
  for (const size of need) {
    const dir = path.join(DATA, `mesh-${size}`);
    if (have.items[`mesh-${size}`] && existsSync(dir)) continue;
    log(`generating the ${size} mesh (${SIZES[size].services * SIZES[size].podsPerService} pods per cluster)…`);
    rmSync(dir, {recursive: true, force: true});
    const r = await writeMeshBundle(dir, size, {format: size === 'tiny' ? 'yaml' : 'json'});
    have.items[`mesh-${size}`] = r;
    save();
  }
  const json = path.join(DATA, 'clusters-10000x10.json');
  const text = path.join(DATA, 'clusters-10000x10.txt');
  if (!have.items.dumps || !existsSync(json) || !existsSync(text)) {
    log('generating the /clusters dumps (10,000 clusters × 10 hosts)…');
    have.items.dumps = await writeDumps(json, text, DUMP);
    save();
  }
  return {items: have.items, json, text};
}

// ---------------------------------------------------------------------------------------------
// Simulated cluster.

async function startSim(bundleDir) {
  const kdir = path.join(sandbox, `kc-${path.basename(bundleDir)}`);
  simChild = spawn(NODE, ['--max-old-space-size=12000', path.join(ROOT, 'bench/lib/sim-host.mjs'), bundleDir, kdir, ...CONTEXTS.map((c) => c.name)], {stdio: ['pipe', 'pipe', 'inherit']});
  const child = simChild;
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`the simulated cluster exited (${code}) before it was ready`)));
  });
  return {
    ...info,
    cpuMs: () => {
      try {
        const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
      } catch {
        return NaN;
      }
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

const results = {machine: machine(), command: `node bench/run.mjs ${argv.join(' ')}`.trim(), startedAt: new Date().toISOString(), loadStart: os.loadavg()[0].toFixed(2)};

async function benchStartup() {
  const tiny = path.join(DATA, 'mesh-tiny');
  const cases = [
    {key: 'node', label: 'node -e 0', cmd: NODE, args: ['-e', '0']},
    {key: 'help', label: 'kubectl-failover --help', cmd: BIN, args: ['--help']},
    {key: 'version', label: 'kubectl-failover --version', cmd: BIN, args: ['--version']},
    {key: 'doctor', label: 'kubectl-failover doctor --bundle tiny', cmd: BIN, args: ['doctor', '--bundle', tiny]},
  ];
  // The first run of each (cold: compile cache and help cache empty in the sandbox HOME), then warm runs.
  const firstRun = {};
  for (const c of cases) firstRun[c.key] = (await measure(c.cmd, c.args, {env: ENV})).ms;
  const runs = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let r = 0; r < REPS.startup; r++) for (const c of cases) runs[c.key].push(await measure(c.cmd, c.args, {env: ENV}));
  const out = {};
  for (const c of cases) out[c.key] = {label: c.label, ms: median(runs[c.key].map((x) => x.ms)), firstMs: firstRun[c.key], rssKB: max(runs[c.key].map((x) => x.rssKB)), codes: [...new Set(runs[c.key].map((x) => x.code))]};
  out.tinyBundle = `${path.relative(ROOT, tiny)} (YAML, 2 contexts × ${SIZES.tiny.services} services × ${SIZES.tiny.podsPerService} pods)`;
  results.startup = out;
}

async function benchExplain(data) {
  const t = explainTarget(DUMP.clusters);
  const cases = [
    {key: 'parse', label: 'node -e JSON.parse(readFileSync(json))', cmd: NODE, args: ['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(data.json)}, 'utf8'))`]},
    {key: 'json', label: 'explain --clusters-file clusters.json', cmd: BIN, args: ['explain', t.service, '--port', String(t.port), '--clusters-file', data.json, '-o', 'json']},
    {key: 'text', label: 'explain --clusters-file clusters.txt', cmd: BIN, args: ['explain', t.service, '--port', String(t.port), '--clusters-file', data.text, '-o', 'json']},
  ];
  for (const c of cases) {
    const w = await measure(c.cmd, c.args, {env: ENV});
    if (w.code !== 0) throw new Error(`${c.label} failed (exit ${w.code}): ${w.stderr.trim().split('\n').pop()}`);
  }
  const runs = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let r = 0; r < REPS.explain; r++) for (const c of cases) runs[c.key].push(await measure(c.cmd, c.args, {env: ENV}));
  const out = {target: t, sizes: {json: statSync(data.json).size, text: statSync(data.text).size}};
  for (const c of cases) out[c.key] = {label: c.label, ms: median(runs[c.key].map((x) => x.ms)), rssKB: max(runs[c.key].map((x) => x.rssKB))};
  // The two explanations must agree (same state in both files).
  const a = JSON.parse(execFileSync(BIN, cases[1].args, {env: ENV, encoding: 'utf8', maxBuffer: 64 << 20}));
  const b = JSON.parse(execFileSync(BIN, cases[2].args, {env: ENV, encoding: 'utf8', maxBuffer: 64 << 20}));
  out.endpoints = a.endpoints.length;
  out.agree = JSON.stringify(a.endpoints) === JSON.stringify(b.endpoints) && a.verdict === b.verdict;
  results.explain = out;
}

function kubectlArgs(kubeconfig, context) {
  return ['--kubeconfig', kubeconfig, '--cache-dir', CACHE, '--context', context, 'get', KUBECTL_KINDS.join(','), '-A', '-o', 'json'];
}

async function kubectlBoth(kubeconfig) {
  const start = process.hrtime.bigint();
  let runs;
  if (KUBECTL_MODE === 'parallel') runs = await Promise.all(CONTEXTS.map((c) => measure(KUBECTL, kubectlArgs(kubeconfig, c.name), {env: ENV})));
  else {
    runs = [];
    for (const c of CONTEXTS) runs.push(await measure(KUBECTL, kubectlArgs(kubeconfig, c.name), {env: ENV}));
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const bad = runs.find((r) => r.code !== 0);
  if (bad) throw new Error(`kubectl get failed (exit ${bad.code}): ${bad.stderr.trim().split('\n').pop()}`);
  return {ms, rssKB: max(runs.map((r) => r.rssKB)), bytes: runs.reduce((s, r) => s + r.stdoutBytes, 0)};
}

async function doctorLive(kubeconfig) {
  const r = await measure(KUBECTL, ['failover', 'doctor', '--kubeconfig', kubeconfig, ...CONTEXTS.flatMap((c) => ['--context', c.name]), '-A'], {env: ENV});
  if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl failover doctor failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop()}`);
  return {ms: r.ms, rssKB: r.rssKB, summary: r.tail.trim().split('\n').pop()};
}

async function benchDoctor(size) {
  const dir = path.join(DATA, `mesh-${size}`);
  log(`doctor vs kubectl, ${size} mesh: starting the simulated cluster…`);
  const sim = await startSim(dir);
  try {
    // Discovery once, untimed, as on any machine that has used kubectl before (the cache is kept).
    for (const c of CONTEXTS) execFileSync(KUBECTL, ['--kubeconfig', sim.kubeconfig, '--cache-dir', CACHE, '--context', c.name, 'api-resources'], {env: ENV, stdio: 'ignore'});
    const k = [];
    const d = [];
    let simCpu = {kubectl: 0, doctor: 0};
    for (let r = 0; r < REPS.doctor[size]; r++) {
      const order = (r % 2 === 0 ? ['doctor', 'kubectl'] : ['kubectl', 'doctor']).filter((w) => w === 'doctor' || !argv.includes('--no-kubectl'));
      for (const which of order) {
        const c0 = sim.cpuMs();
        log(`  ${size} rep ${r + 1}/${REPS.doctor[size]}: ${which === 'doctor' ? 'kubectl failover doctor -A' : `kubectl get … -A -o json (${KUBECTL_MODE})`}`);
        if (which === 'doctor') d.push(await doctorLive(sim.kubeconfig));
        else k.push(await kubectlBoth(sim.kubeconfig));
        simCpu[which] += sim.cpuMs() - c0;
      }
    }
    return {
      sim: {startMs: sim.startMs, rssMB: sim.rssMB},
      doctor: {ms: median(d.map((x) => x.ms)), all: d.map((x) => Math.round(x.ms)), rssKB: max(d.map((x) => x.rssKB)), summary: d[0]?.summary, simCpuMs: simCpu.doctor / d.length},
      kubectl: {ms: median(k.map((x) => x.ms)), all: k.map((x) => Math.round(x.ms)), rssKB: k.length ? max(k.map((x) => x.rssKB)) : NaN, bytes: k[0]?.bytes ?? 0, simCpuMs: simCpu.kubectl / Math.max(1, k.length)},
    };
  } finally {
    await sim.stop();
    simChild = undefined;
  }
}

async function benchAnalysis(size) {
  const dir = path.join(DATA, `mesh-${size}`);
  const runs = [];
  for (let r = 0; r < REPS.analysis[size]; r++) {
    const m = await measure(NODE, ['--max-old-space-size=12000', path.join(ROOT, 'bench/lib/analysis.mjs'), dir, path.join(UNDER_TEST, 'dist')], {env: ENV});
    if (m.code !== 0) throw new Error(`analysis of ${size} failed: ${m.stderr.trim().split('\n').pop()}`);
    runs.push(JSON.parse(m.tail.trim().split('\n').pop()));
  }
  const med = (k) => median(runs.map((x) => x[k]));
  return {pods: runs[0].pods, snapshotMs: med('snapshotMs'), checksMs: med('checksMs'), renderMs: med('renderMs'), findings: runs[0].findings, peakRssMB: max(runs.map((x) => x.peakRssMB)), loadMs: med('loadMs')};
}

// ---------------------------------------------------------------------------------------------
// Report.

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const yes = (ok) => (ok === undefined ? 'n/a' : ok ? 'met' : 'MISSED');
/** yes() for a ratio that may not have been measured (--no-kubectl). */
const within = (ratio, limit) => yes(Number.isFinite(ratio) ? ratio <= limit : undefined);

function report() {
  const out = [];
  const m = results.machine;
  out.push('## kubectl-failover benchmark', '');
  out.push(`Machine: ${m.cpu}, ${m.memory}, ${m.os}; node ${m.node}; kubectl ${m.kubectl}`);
  if (UNDER_TEST !== ROOT) out.push(`Under test: ${UNDER_TEST} (not this checkout)`);
  out.push(`Command: \`npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}\` (${results.startedAt}, ${Math.round((Date.now() - Date.parse(results.startedAt)) / 1000)} s; load average ${results.loadStart} at the start, ${os.loadavg()[0].toFixed(2)} at the end)`, '');
  const rows = [];
  const D = results.doctor ?? {};
  const A = results.analysis ?? {};
  const big = D.large ? 'large' : D.medium ? 'medium' : D.small ? 'small' : undefined;
  if (big) {
    const d = D[big];
    const pods = SIZES[big].services * SIZES[big].podsPerService;
    rows.push([`doctor -A, ${big} mesh (2 × ${pods.toLocaleString('en')} pods), wall`, fmtMs(d.doctor.ms), `kubectl get -A -o json ×2: ${fmtMs(d.kubectl.ms)}`, fmtRatio(d.doctor.ms / d.kubectl.ms), '≤ 0.80×', within(d.doctor.ms / d.kubectl.ms, 0.8)]);
    rows.push([`doctor peak RSS, ${big}`, fmtMB(d.doctor.rssKB), `kubectl (largest of 2): ${fmtMB(d.kubectl.rssKB)}`, fmtRatio(d.doctor.rssKB / d.kubectl.rssKB), '—', 'n/a']);
    if (A[big]) {
      const a = A[big];
      const share = (a.checksMs + a.renderMs) / d.doctor.ms;
      rows.push([`analysis (checks + render), ${big}`, fmtMs(a.checksMs + a.renderMs), `doctor wall: ${fmtMs(d.doctor.ms)}`, `${(share * 100).toFixed(1)}%`, '< 10%', yes(share < 0.1)]);
      const share2 = (a.snapshotMs + a.checksMs + a.renderMs) / d.doctor.ms;
      rows.push([`snapshot build + analysis, ${big}`, fmtMs(a.snapshotMs + a.checksMs + a.renderMs), `doctor wall: ${fmtMs(d.doctor.ms)}`, `${(share2 * 100).toFixed(1)}%`, '(< 10%)', yes(share2 < 0.1)]);
    }
  }
  const sizes = SIZE_LIST.filter((s) => D[s]);
  for (let i = 1; i < sizes.length; i++) {
    const [s1, s2] = [sizes[i - 1], sizes[i]];
    const n = (s) => SIZES[s].services * SIZES[s].podsPerService;
    const g = D[s2].doctor.ms / D[s1].doctor.ms / (n(s2) / n(s1));
    rows.push([`growth of doctor wall ${s1} → ${s2} (per pod)`, `${fmtMs(D[s1].doctor.ms)} → ${fmtMs(D[s2].doctor.ms)}`, `pods ×${n(s2) / n(s1)}`, fmtRatio(g), '≤ 1.20×', yes(g <= 1.2)]);
    if (A[s1] && A[s2]) {
      const ga = (A[s2].checksMs / A[s1].checksMs) / (n(s2) / n(s1));
      rows.push([`growth of checks ${s1} → ${s2} (per pod)`, `${fmtMs(A[s1].checksMs)} → ${fmtMs(A[s2].checksMs)}`, `pods ×${n(s2) / n(s1)}`, fmtRatio(ga), '≤ 1.20×', yes(ga <= 1.2)]);
    }
  }
  const E = results.explain;
  if (E) {
    rows.push([`explain, ${DUMP.clusters.toLocaleString('en')}-cluster JSON (${fmtBytes(E.sizes.json)})`, fmtMs(E.json.ms), `node JSON.parse: ${fmtMs(E.parse.ms)}`, fmtRatio(E.json.ms / E.parse.ms), '≤ 1.30×', yes(E.json.ms / E.parse.ms <= 1.3)]);
    rows.push([`explain, same dump as text (${fmtBytes(E.sizes.text)})`, fmtMs(E.text.ms), `node JSON.parse: ${fmtMs(E.parse.ms)}`, fmtRatio(E.text.ms / E.parse.ms), '< 1.00×', yes(E.text.ms / E.parse.ms < 1)]);
    rows.push(['explain text, peak RSS', fmtMB(E.text.rssKB), `JSON.parse: ${fmtMB(E.parse.rssKB)}`, fmtRatio(E.text.rssKB / E.parse.rssKB), '< 150 MB', yes(E.text.rssKB < 150 * 1024)]);
    rows.push(['explain JSON, peak RSS', fmtMB(E.json.rssKB), `JSON.parse: ${fmtMB(E.parse.rssKB)}`, fmtRatio(E.json.rssKB / E.parse.rssKB), '—', 'n/a']);
  }
  const S = results.startup;
  if (S) {
    rows.push(['startup: --help', fmtMs(S.help.ms), `node -e 0: ${fmtMs(S.node.ms)}`, fmtRatio(S.help.ms / S.node.ms), '≤ 2.00×', yes(S.help.ms / S.node.ms <= 2)]);
    rows.push(['startup: --version', fmtMs(S.version.ms), `node -e 0: ${fmtMs(S.node.ms)}`, fmtRatio(S.version.ms / S.node.ms), '—', 'n/a']);
    rows.push(['startup: doctor --bundle tiny', fmtMs(S.doctor.ms), `node -e 0: ${fmtMs(S.node.ms)}`, fmtRatio(S.doctor.ms / S.node.ms), '≤ 3.00×', yes(S.doctor.ms / S.node.ms <= 3)]);
  }
  out.push(table(['figure', 'kubectl-failover', 'baseline (same run)', 'ratio', 'target', ''], rows), '');

  if (sizes.length) {
    out.push('### doctor vs kubectl (live, simulated API server over HTTPS; medians)', '');
    out.push(
      table(
        ['mesh', 'pods (2 clusters)', 'doctor wall', 'runs', 'doctor RSS', `kubectl ×2 (${KUBECTL_MODE})`, 'runs', 'kubectl RSS', 'kubectl output', 'ratio', 'findings'],
        sizes.map((s) => {
          const d = D[s];
          return [s, (2 * SIZES[s].services * SIZES[s].podsPerService).toLocaleString('en'), fmtMs(d.doctor.ms), d.doctor.all.map(fmtMs).join(', '), fmtMB(d.doctor.rssKB), fmtMs(d.kubectl.ms), d.kubectl.all.map(fmtMs).join(', '), fmtMB(d.kubectl.rssKB), fmtBytes(d.kubectl.bytes), fmtRatio(d.doctor.ms / d.kubectl.ms), d.doctor.summary?.replace(/ in 2 contexts.*/, '') ?? ''];
        }),
      ),
      '',
    );
  }
  const asizes = SIZE_LIST.filter((s) => A[s]);
  if (asizes.length) {
    out.push('### analysis phase alone (objects in memory → snapshot → findings → table; medians)', '');
    out.push(
      table(
        ['mesh', 'pods', 'snapshot build', 'checks', 'render', 'per 1k pods (checks)', 'findings', 'peak RSS (incl. loading the bundle)'],
        asizes.map((s) => {
          const a = A[s];
          return [s, a.pods.toLocaleString('en'), fmtMs(a.snapshotMs), fmtMs(a.checksMs), fmtMs(a.renderMs), fmtMs((a.checksMs / a.pods) * 1000), a.findings, `${a.peakRssMB} MB`];
        }),
      ),
      '',
    );
  }
  if (E) {
    out.push(`### explain (${E.target.cluster}; ${E.endpoints} endpoints; JSON and text agree: ${E.agree ? 'yes' : 'NO'})`, '');
    out.push(table(['command', 'median wall', 'peak RSS'], ['parse', 'json', 'text'].map((k) => [E[k].label, fmtMs(E[k].ms), fmtMB(E[k].rssKB)])), '');
  }
  if (S) {
    out.push(`### startup (${S.tinyBundle})`, '');
    out.push(table(['command', 'median wall', 'first run (cold caches)', 'peak RSS', 'exit'], ['node', 'help', 'version', 'doctor'].map((k) => [S[k].label, fmtMs(S[k].ms), fmtMs(S[k].firstMs), fmtMB(S[k].rssKB), S[k].codes.join(',')])), '');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

if (!KUBECTL && ONLY.has('doctor')) throw new Error('kubectl is not on PATH');
if (!existsSync(path.join(UNDER_TEST, 'dist', 'commands', 'doctor.js'))) throw new Error(`${path.join(UNDER_TEST, 'dist')} is missing: run \`npm run build\` first (npm run bench does)`);
const data = await ensureData(ONLY.has('doctor') || ONLY.has('analysis') ? SIZE_LIST : []);
if (ONLY.has('startup')) {
  log('startup…');
  await benchStartup();
}
if (ONLY.has('explain')) {
  log('explain vs JSON.parse…');
  await benchExplain(data);
}
results.doctor = {};
results.analysis = {};
for (const size of SIZE_LIST) {
  if (ONLY.has('analysis')) {
    log(`analysis phase, ${size} mesh…`);
    results.analysis[size] = await benchAnalysis(size);
  }
  if (ONLY.has('doctor')) results.doctor[size] = await benchDoctor(size);
}
const text = report();
process.stdout.write(`${text}\n`);
const jsonOut = opt('json') ?? path.join(DATA, `results-${results.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(jsonOut, JSON.stringify({...results, table: text}, null, 1));
log(`results written to ${path.relative(ROOT, jsonOut)}`);
