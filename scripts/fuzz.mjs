#!/usr/bin/env node
/**
 * The long fuzz run (`npm run fuzz`), and the figures of docs/reliability.md.
 *
 *   npm run fuzz                                   # 20 000 inputs per parser + 500 bundles, seed 1
 *   npm run fuzz -- --seed 7 --runs 4              # seeds 7, 8, 9, 10
 *   npm run fuzz -- --inputs 2000 --bundles 100    # shorter
 *   npm run fuzz -- --seeds /path/to/more/dumps    # add real dumps/manifests as seeds (repeatable)
 *   npm run fuzz -- --reliability                  # also run test/reliability and list every case
 *   npm run fuzz -- --reliability-only             # only that
 *
 * It runs the same harness as the in-suite test (test/fuzz/harness.ts) through vitest, with bigger
 * numbers. Inputs that crash, break an invariant or are slow are saved whole under --out DIR
 * (default $TMPDIR/kubectl-failover-fuzz; the run then exits 1); the input being parsed is always
 * in DIR/current.input, so a hang leaves it behind. Prints Markdown tables at the end.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const many = (name) => args.flatMap((a, i) => (a === `--${name}` && args[i + 1] ? [args[i + 1]] : []));
const seed = Number(opt('seed', '1'));
const runs = Number(opt('runs', '1'));
const inputs = Number(opt('inputs', '20000'));
const bundles = Number(opt('bundles', '500'));
const seeds = many('seeds');
const out = path.resolve(opt('out', path.join(tmpdir(), 'kubectl-failover-fuzz')));
// vitest runs on the project's Node (node_modules/.bin first on PATH, as npm scripts have it),
// whichever Node started this script: the Node the machine ships may be too old for the tool.
const vitestEntry = path.join(root, 'node_modules/vitest/vitest.mjs');
const projectNode = path.join(root, 'node_modules/node/bin/node');
const vitestNode = existsSync(projectNode) ? projectNode : process.execPath;
const childEnv = {...process.env, PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`};
const vitest = (args, opts) => spawnSync(vitestNode, [vitestEntry, ...args], {...opts, env: {...childEnv, ...opts.env}});
if (!existsSync(vitestEntry)) {
  console.error('error: run `npm install` first (vitest not found)');
  process.exit(2);
}
if (!existsSync(path.join(root, 'dist/sources/manifests.js'))) {
  console.error('error: run `npm run build` first (the YAML sandbox loads the compiled parser)');
  process.exit(2);
}
mkdirSync(out, {recursive: true});
const report = path.join(tmpdir(), `kf-fuzz-${process.pid}.jsonl`);
rmSync(report, {force: true});

let failed = false;
const t0 = Date.now();
const fuzzing = !args.includes('--reliability-only');
for (let r = 0; fuzzing && r < runs; r++) {
  const s = seed + r;
  console.error(`fuzz: seed ${s}, ${inputs} inputs per parser, ${bundles} bundles${seeds.length ? `, extra seeds ${seeds.join(', ')}` : ''}`);
  const res = vitest(['run', 'test/fuzz/fuzz.test.ts', '--reporter=dot'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      KF_FUZZ_SEED: String(s),
      KF_FUZZ_INPUTS: String(inputs),
      KF_FUZZ_BUNDLES: String(bundles),
      KF_FUZZ_SEEDS: seeds.join(':'),
      KF_FUZZ_TIMEOUT_MS: String(6 * 3600 * 1000),
      KF_FUZZ_REPORT: report,
      KF_FUZZ_SAVE: path.join(out, `seed-${s}`),
      KF_FUZZ_CURRENT: path.join(out, 'current.input'),
    },
  });
  if (res.status !== 0) failed = true;
}

const rows = existsSync(report) ? readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const outcomes = ['ok', 'partial', 'error', 'crash', 'invariant', 'slow'];
const total = {};
let n = 0;
let ms = 0;
let slowest = {ms: 0};
for (const r of rows) {
  n += r.inputs;
  ms += r.ms;
  if (r.slowestMs > slowest.ms) slowest = {ms: r.slowestMs, what: r.slowest, seed: r.seed};
  for (const [target, row] of Object.entries(r.byTarget)) {
    total[target] ??= Object.fromEntries(outcomes.map((o) => [o, 0]));
    for (const o of outcomes) total[target][o] += row[o];
  }
}
const fmt = (x) => x.toLocaleString('en-US');
if (fuzzing) {
  console.log(`\n### Fuzz run: seeds ${seed}..${seed + runs - 1}, ${fmt(n)} inputs, ${Math.round(ms / 1000)} s (\`npm run fuzz -- --seed ${seed} --runs ${runs} --inputs ${inputs} --bundles ${bundles}\`)\n`);
  console.log(`Seed files: ${rows[0] ? Object.entries(rows[0].seedKinds).map(([k, v]) => `${v} ${k}`).join(', ') : '?'}.\n`);
  console.log(`| target | inputs | read whole | read in part (marked) | clear error | crash | invariant broken | slow |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const [target, row] of Object.entries(total)) {
    const sum = outcomes.reduce((a, o) => a + row[o], 0);
    console.log(`| ${target} | ${fmt(sum)} | ${fmt(row.ok)} | ${fmt(row.partial)} | ${fmt(row.error)} | ${row.crash} | ${row.invariant} | ${row.slow} |`);
  }
  console.log(`\nSlowest input: ${slowest.ms} ms (${slowest.what ?? '-'}, seed ${slowest.seed ?? '-'}).`);
  const findings = rows.flatMap((r) => r.findings.map((f) => ({...f, seedNo: r.seed})));
  if (findings.length) {
    console.log(`\nFindings (inputs saved under ${out}):\n`);
    for (const f of findings.slice(0, 50)) console.log(`- seed ${f.seedNo}: ${f.outcome} in ${f.target} (from ${f.seed}): ${f.message}`);
  }
}

if (args.includes('--reliability') || !fuzzing) {
  const json = path.join(tmpdir(), `kf-reliability-${process.pid}.json`);
  const figures = path.join(tmpdir(), `kf-reliability-${process.pid}.jsonl`);
  rmSync(figures, {force: true});
  const res = vitest(['run', 'test/reliability', '--reporter=json', `--outputFile=${json}`], {cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: {KF_RELIABILITY_FIGURES: figures}});
  if (res.status !== 0) failed = true;
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  console.log(`\n### Reliability cases (\`npx vitest run test/reliability\`): ${doc.numPassedTests} passed, ${doc.numFailedTests} failed\n`);
  for (const line of existsSync(figures) ? readFileSync(figures, 'utf8').split('\n').filter(Boolean) : []) {
    const f = JSON.parse(line);
    if (f.readOnly) console.log(`Read-only: ${f.readOnly.runs} command lines (pairwise covering array: ${Object.entries(f.readOnly.byCommand).map(([k, v]) => `${v} ${k}`).join(', ')}) sent ${fmt(f.readOnly.requests)} API requests, ${f.readOnly.mutating} mutating.`);
  }
  rmSync(figures, {force: true});
  for (const file of doc.testResults) {
    console.log(`\n#### ${path.relative(root, file.name)}\n`);
    console.log('| case | result | time |');
    console.log('| --- | --- | ---: |');
    for (const t of file.assertionResults) console.log(`| ${[...t.ancestorTitles.slice(1), t.title].join(' › ').replace(/\|/g, '\\|')} | ${t.status === 'passed' ? 'pass' : t.status} | ${((t.duration ?? 0) / 1000).toFixed(1)} s |`);
  }
}
rmSync(report, {force: true});
console.error(`\nfuzz: done in ${Math.round((Date.now() - t0) / 1000)} s${failed ? ` — FAILURES (see above and ${out})` : ''}`);
process.exit(failed ? 1 : 0);
