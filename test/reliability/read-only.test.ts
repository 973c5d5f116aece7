/**
 * Read-only guarantee. Every command, with every flag (except doctor --apply), in all pairwise
 * combinations of flag values (a covering array: every pair of values of every two flags occurs
 * in some run), is run against the simulated cluster; its request log must show no mutating
 * request, and every stream opened must be a port-forward or an exec of `pilot-agent request GET`.
 * A flag added to a command without a value here fails the test, so the guarantee keeps covering
 * every flag. The combinations run in process (the built commands, as bin/run.js loads them);
 * a sample runs through the real `kubectl failover` plugin discovery; and a negative control
 * (--apply --yes) proves the log does see writes.
 */
import {createServer, type Server} from 'node:http';
import {appendFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import Checks from '../../src/commands/checks.js';
import Collect from '../../src/commands/collect.js';
import Doctor from '../../src/commands/doctor.js';
import Explain from '../../src/commands/explain.js';
import {kubectlPath, pluginSandbox, ROOT, run} from '../support/cli.js';
import {startSimCluster, type SimCluster, type SimRequest} from '../support/sim/index.js';
import {tmp} from './support.js';

// The built CLI bundles its own oclif (dist/bundle/cli.cjs): run and catch with that one, as bin/run.js does.
const {Errors, run: oclifRun} = createRequire(import.meta.url)(path.join(ROOT, 'dist/bundle/load.cjs')) as typeof import('@oclif/core');

const BUNDLE = path.join(ROOT, 'test/fixtures/seed000-as-written/bundle');
const POD = 'waypoint-063fd6e20d-5c4l9';
const CLUSTERS = path.join(BUNDLE, 'cluster1/envoy/sample', POD, 'clusters.json');
const CONFIG_DUMP = path.join(BUNDLE, 'cluster1/envoy/sample', POD, 'config_dump.json');

type Dims = Record<string, string[][]>;

/**
 * A covering array of strength 2 (greedy, deterministic): runs such that every pair of values of
 * every two dimensions appears together in at least one run.
 */
export function pairwise(dims: Dims): string[][] {
  const names = Object.keys(dims);
  if (names.length === 1) return dims[names[0]!]!.map((v) => [...v]);
  const uncovered = new Set<string>();
  const key = (i: number, a: number, j: number, b: number): string => `${i}:${a}|${j}:${b}`;
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++)
      for (let a = 0; a < dims[names[i]!]!.length; a++) for (let b = 0; b < dims[names[j]!]!.length; b++) uncovered.add(key(i, a, j, b));
  const runs: string[][] = [];
  while (uncovered.size > 0) {
    const row: number[] = [];
    for (let i = 0; i < names.length; i++) {
      let best = 0;
      let bestGain = -1;
      for (let v = 0; v < dims[names[i]!]!.length; v++) {
        let gain = 0;
        for (let j = 0; j < i; j++) if (uncovered.has(key(j, row[j]!, i, v))) gain++;
        // Look ahead a little for the first columns: pairs with later dimensions still open.
        if (i === 0 || gain === 0) for (let j = i + 1; j < names.length; j++) for (let b = 0; b < dims[names[j]!]!.length; b++) if (uncovered.has(key(i, v, j, b))) gain += 0.001;
        if (gain > bestGain) {
          best = v;
          bestGain = gain;
        }
      }
      row.push(best);
    }
    let covered = 0;
    for (let i = 0; i < names.length; i++)
      for (let j = i + 1; j < names.length; j++) if (uncovered.delete(key(i, row[i]!, j, row[j]!))) covered++;
    if (covered === 0) throw new Error('pairwise: no progress');
    runs.push(row.flatMap((v, i) => dims[names[i]!]![v]!));
  }
  return runs;
}

let sim: SimCluster;
let kubeconfig: string;
let home: string;
let admin: Server;
let adminUrl: string;
const sb = pluginSandbox();

beforeAll(async () => {
  sim = await startSimCluster({contexts: ['cluster1', 'cluster2'].map((name) => ({name, bundleDir: path.join(BUNDLE, name)}))});
  home = tmp('kf-readonly-');
  kubeconfig = await sim.writeKubeconfig(home);
  writeFileSync(path.join(home, 'suppress.yaml'), 'ignore:\n- code: FO406\n  reason: accepted\n');
  // An Envoy admin already reachable (explain --admin-url): it serves the same dumps.
  admin = createServer((req, res) => {
    const file = req.url?.startsWith('/clusters') ? CLUSTERS : req.url?.startsWith('/config_dump') ? CONFIG_DUMP : undefined;
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, {'Content-Type': 'application/json'}).end(readFileSync(file));
  });
  await new Promise<void>((r) => admin.listen(0, '127.0.0.1', () => r()));
  adminUrl = `http://127.0.0.1:${(admin.address() as {port: number}).port}`;
});
afterAll(async () => {
  await sim?.close();
  admin?.close();
});

let outN = 0;
/** Values of every flag of every command; `[]` = the flag is left out. */
function dimensions(): Record<'doctor' | 'explain' | 'collect' | 'checks', Dims> {
  const ctx: string[][] = [['--context', 'cluster1'], ['--context', 'cluster1', '--context', 'cluster2']];
  const formats = ['table', 'json', 'yaml', 'markdown'].map((f) => ['-o', f]);
  const common = {
    kubeconfig: [['--kubeconfig', kubeconfig]],
    namespace: [[], ['-n', 'sample']],
    'all-namespaces': [[], ['-A']],
    'request-timeout': [[], ['--request-timeout', '20s']],
    'istio-namespace': [[], ['-i', 'istio-system']],
  };
  return {
    doctor: {
      ...common,
      context: ctx,
      output: formats,
      bundle: [[], ['--bundle', BUNDLE]],
      namespace: [[], ['-n', 'sample'], ['-n', 'sample', '-n', 'istio-system']],
      'fail-on': [[], ...['none', 'info', 'warning', 'error'].map((f) => ['--fail-on', f])],
      'client-namespace': [[], ['--client-namespace', 'default']],
      from: [[], ['--from', `sample/${POD}`]],
      check: [[], ['--check', 'FO102'], ['--check', 'fo101', '--check', 'FO406']],
      ignore: [[], ['--ignore', 'FO102'], ['--ignore', 'FO102:sample/*']],
      config: [[], ['--config', path.join(home, 'suppress.yaml')]],
      fix: [[], ['--fix']],
      yes: [[], ['--yes']],
    },
    explain: {
      // The argument first: a repeatable flag (-n) would take a following word as its value.
      service: [['helloworld'], ['helloworld.sample.svc.cluster.local']],
      ...common,
      namespace: [['-n', 'sample']],
      context: [[], ['--context', 'cluster1']],
      output: formats,
      bundle: [[], ['--bundle', BUNDLE]],
      // Without a cluster or bundle (a dump alone) the port must be given: always give it.
      port: [['--port', '5000']],
      subset: [[]],
      from: [[], ['--from', `sample/${POD}`]],
      'admin-url': [[], ['--admin-url', adminUrl]],
      'clusters-file': [[], ['--clusters-file', CLUSTERS]],
      'config-dump': [[], ['--config-dump', CONFIG_DUMP]],
      fail: [[], ['--fail', 'cluster2'], ['--fail', 'us-central1', '--fail', '10.0.0.1']],
      watch: [[], ['--watch', '--count', '2', '--interval', '50ms']],
      interval: [[]],
      count: [[]],
    },
    collect: {
      ...common,
      context: ctx,
      output: [['-o', 'DIR'], ['-o', 'TGZ']],
      from: [[], ['--from', `sample/${POD}`], ['--from', `cluster1/sample/${POD}`]],
      envoy: [[], ['--envoy'], ['--no-envoy']],
    },
    checks: {output: formats},
  };
}

interface Outcome {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
  requests: SimRequest[];
}

/** Run one command in process, as bin/run.js does, capturing its output and exit code. */
async function inProcess(argv: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  sim.clearRequests();
  let code = 0;
  try {
    await oclifRun(argv, ROOT);
  } catch (e) {
    if (e instanceof Errors.ExitError) code = e.oclif.exit ?? 1;
    else {
      code = -1;
      err.push(String((e as Error).stack));
    }
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  return {argv, code, stdout: out.join(''), stderr: err.join(''), requests: [...sim.requests]};
}

/** No state change: only GET/HEAD, and streams only to read Envoy's admin. */
function expectReadOnly(o: Outcome): void {
  const what = `kubectl-failover ${o.argv.join(' ')}\n${o.stderr}`;
  expect(sim.mutatingRequests(), what).toEqual([]);
  expect(o.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'), what).toEqual([]);
  for (const r of o.requests.filter((q) => q.stream)) {
    expect(['portforward', 'exec'], what).toContain(r.stream);
    if (r.stream === 'exec') expect(r.query.command, what).toMatch(/^pilot-agent,request,GET,/);
  }
  expect(o.requests.filter((r) => r.dryRun), what).toEqual([]);
}

describe('read-only: no mutating request from any command or flag combination but --apply', () => {
  it('every flag of every command has values here (a new flag must be added to this test)', () => {
    const dims = dimensions();
    for (const [name, cmd] of [['doctor', Doctor], ['explain', Explain], ['collect', Collect], ['checks', Checks]] as const) {
      const flags = Object.keys(cmd.flags ?? {}).filter((f) => !(name === 'doctor' && f === 'apply'));
      const missing = flags.filter((f) => !(f in dims[name]));
      expect(missing, `${name}: flags without values in read-only.test.ts`).toEqual([]);
    }
  });

  it('pairwise combinations of doctor, explain, collect and checks flags', async () => {
    const dims = dimensions();
    const runs: string[][] = [];
    for (const [name, d] of Object.entries(dims)) for (const r of pairwise(d)) runs.push([name, ...r]);
    expect(runs.length).toBeGreaterThan(40);
    const codes: Record<string, number> = {};
    let requests = 0;
    for (const argv0 of runs) {
      const argv = argv0.map((a) => (a === 'DIR' ? path.join(home, `out-${++outN}`) : a === 'TGZ' ? path.join(home, `out-${++outN}.tar.gz`) : a));
      const o = await inProcess(argv);
      expectReadOnly(o);
      requests += o.requests.length;
      // Every run did its work: findings or none (0/1); a partial read would be 3; never a usage error.
      expect([0, 1], `${argv.join(' ')}\n${o.stderr}`).toContain(o.code);
      if (!argv.includes('--bundle') && argv[0] !== 'checks' && !argv.includes('--clusters-file') && !argv.includes('--admin-url')) expect(o.requests.length, argv.join(' ')).toBeGreaterThan(0);
      if (argv.includes('--bundle') && !argv.includes('--from') && argv[0] === 'doctor') expect(o.requests, argv.join(' ')).toEqual([]);
      codes[argv[0]!] = (codes[argv[0]!] ?? 0) + 1;
    }
    expect(requests).toBeGreaterThan(100);
    expect(Object.keys(codes).sort()).toEqual(['checks', 'collect', 'doctor', 'explain']);
    if (process.env.KF_RELIABILITY_FIGURES) appendFileSync(process.env.KF_RELIABILITY_FIGURES, JSON.stringify({readOnly: {runs: runs.length, byCommand: codes, requests, mutating: 0}}) + '\n');
  });

  it.skipIf(!kubectlPath())('through the real kubectl plugin discovery too', async () => {
    const kubectl = kubectlPath()!;
    sim.clearRequests();
    const out = path.join(home, 'kubectl-collect');
    for (const args of [
      ['failover', 'doctor', '--kubeconfig', kubeconfig, '--context', 'cluster1', '--context', 'cluster2', '--from', `sample/${POD}`, '-o', 'json'],
      ['failover', 'doctor', '--kubeconfig', kubeconfig, '--context', 'cluster1', '--fix'],
      ['failover', 'explain', 'helloworld', '-n', 'sample', '--kubeconfig', kubeconfig, '--context', 'cluster1'],
      ['failover', 'collect', '--kubeconfig', kubeconfig, '--context', 'cluster1', '--from', `sample/${POD}`, '-o', out],
    ]) {
      const r = await run(kubectl, args, sb.env);
      expect([0, 1], `${args.join(' ')}\n${r.stderr}`).toContain(r.code);
    }
    expect(sim.requests.length).toBeGreaterThan(50);
    expect(sim.requests.some((r) => r.stream === 'portforward' || r.stream === 'exec')).toBe(true);
    expect(sim.mutatingRequests()).toEqual([]);
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('negative control: doctor --apply --yes does send PATCH requests, and the log sees them', async () => {
    const own = await startSimCluster({contexts: ['cluster1', 'cluster2'].map((name) => ({name, bundleDir: path.join(BUNDLE, name)}))});
    try {
      const dir = path.join(home, 'apply');
      mkdirSync(dir);
      const kc = await own.writeKubeconfig(dir);
      const r = await run(path.join(ROOT, 'bin/kubectl-failover'), ['doctor', '--kubeconfig', kc, '--context', 'cluster1', '--context', 'cluster2', '--apply', '--yes'], sb.env);
      expect(r.code, r.stderr).toBe(0);
      const writes = own.mutatingRequests();
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((w) => w.method === 'PATCH')).toBe(true);
      expect(writes.some((w) => w.dryRun)).toBe(true);
    } finally {
      await own.close();
    }
  });
});
