/**
 * Safe output. Strings from a cluster or a dump (names, namespaces, hosts, labels, hostnames) carry
 * terminal escapes and shell metacharacters here; the real CLI must
 * - print no control character or bidirectional override in tables and Markdown (nor a raw ESC/BEL
 *   in JSON or YAML), and never let such a string start a line of its own;
 * - print every kubectl command so that a shell runs exactly the intended command: each printed
 *   command (JSON, table, --fix script) is run by sh and bash against a stub kubectl that records
 *   its argv, which must carry the hostile names as single arguments, and nothing else may run;
 * - never print or store credentials: tokens of the kubeconfig, of remote secrets, of pod env and
 *   of Envoy secrets appear in no output, error, debug trace or bundle.
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {quote} from '../../src/remedy/shell.js';
import {sanitize, wrap} from '../../src/render/text.js';
import {pluginSandbox, ROOT} from '../support/cli.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';
import {cli, parseDoc, tmp, type DoctorDoc} from './support.js';

const sb = pluginSandbox();
const NODE = path.join(ROOT, 'node_modules/node/bin/node');

// What may never reach a terminal from a table or Markdown: C0 but \n, DEL, C1, bidi controls.
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const RAW_ESC = /[\u001b\u0007\u009b]/;

const NS = 'sample; touch PWNED-ns';
const DR = "dr'; touch PWNED-dr; echo '";
const SVC = 'web\'"$(touch PWNED-svc)';
const NODE1 = 'node-$(touch PWNED-node)';
const NODE2 = 'node2`touch PWNED-bq`';
const ESC_HOST = 'evil\u001b]0;pwned\u0007\u001b[2J\u202eexample.com';
const NL_HOST = 'a.example.com\n✔ No failover problems found.\n    $ kubectl delete namespace prod';

const HOSTILE = [
  {apiVersion: 'v1', kind: 'Namespace', metadata: {name: NS, labels: {'istio-injection': 'enabled'}}},
  {apiVersion: 'v1', kind: 'Node', metadata: {name: NODE1, labels: {'topology.kubernetes.io/region': 'r1'}}},
  {apiVersion: 'v1', kind: 'Node', metadata: {name: NODE2, labels: {'topology.kubernetes.io/region': 'r2', 'topology.kubernetes.io/zone': 'z\u001b[31mred'}}},
  {apiVersion: 'v1', kind: 'Service', metadata: {name: SVC, namespace: NS, annotations: {note: '\u001b]52;c;cm0gLXJmIH4=\u0007'}}, spec: {selector: {app: 'web'}, ports: [{port: 80, name: 'http'}]}},
  {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web-1', namespace: NS, labels: {app: 'web'}}, spec: {nodeName: NODE1, containers: [{name: 'c', image: 'x'}]}, status: {podIP: '10.0.0.1', phase: 'Running'}},
  {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web-2', namespace: NS, labels: {app: 'web', 'topology.istio.io/locality': 'a.b.c.d\u001b[5m'}}, spec: {nodeName: NODE2, containers: [{name: 'c', image: 'x'}]}, status: {podIP: '10.0.0.2', phase: 'Running'}},
  {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: DR, namespace: NS}, spec: {host: SVC, trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: 'r1', to: 'r2'}]}}}}},
  {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'esc-host', namespace: NS}, spec: {host: ESC_HOST, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}}},
  {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'nl-host', namespace: NS}, spec: {host: NL_HOST, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}}},
];
/** No API server accepts these names: the bundle reader skips them (with a note). */
const UNREAL = [{apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'esc\u001b[2Jname', namespace: 'x'}, spec: {host: 'x'}}];

let home: string;
let bundle: string;
let sim: SimCluster;
let kubeconfig: string;
beforeAll(async () => {
  home = tmp('kf-safe-');
  bundle = path.join(home, 'bundle');
  mkdirSync(path.join(bundle, 'c1'), {recursive: true});
  writeFileSync(path.join(bundle, 'c1', 'all.json'), JSON.stringify({apiVersion: 'v1', kind: 'List', items: [...HOSTILE, ...UNREAL]}));
  sim = await startSimCluster({contexts: [{name: 'c1', objects: HOSTILE}]});
  kubeconfig = await sim.writeKubeconfig(path.join(home, 'kc'));
});
afterAll(async () => {
  await sim?.close();
});

/** A kubectl that only records its argv (one JSON line each), and a shell to run commands with it. */
function stubShell(): {run(shell: string, script: string): {calls: string[][]; cwd: string; status: number | null; stderr: string}} {
  const dir = tmp('kf-stub-');
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'kubectl'), `#!${NODE}\nrequire('fs').appendFileSync(process.env.STUB_LOG, JSON.stringify(process.argv.slice(2)) + '\\n');\n`, {mode: 0o755});
  let n = 0;
  return {
    run(shell, script) {
      const cwd = path.join(dir, `run${++n}`);
      mkdirSync(cwd);
      const log = path.join(dir, `log${n}`);
      writeFileSync(log, '');
      const r = spawnSync(shell, ['-c', script], {cwd, env: {PATH: `${bin}:/usr/bin:/bin`, STUB_LOG: log, HOME: cwd}, encoding: 'utf8', timeout: 20_000});
      const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
      return {calls, cwd, status: r.status, stderr: r.stderr};
    },
  };
}

function nothingRan(cwd: string): void {
  expect(readdirSync(cwd), 'files created by an injected command').toEqual([]);
}

function commandsOf(doc: DoctorDoc): {finding: DoctorDoc['findings'][number]; cmd: string}[] {
  return doc.findings.flatMap((f) => (f.remediation?.commands ?? []).map((cmd) => ({finding: f, cmd})));
}

/** The argv a printed command must produce: its context, namespace and object name as single arguments. */
function expectIntended(argv: string[], f: DoctorDoc['findings'][number] & {remediation?: {patch?: {body: unknown}}}, cmd: string): void {
  const at = argv.indexOf('--context');
  expect(at, cmd).toBeGreaterThanOrEqual(0);
  expect(argv[at + 1], cmd).toBe(f.context);
  const ns = argv.indexOf('-n');
  if (ns >= 0) expect([f.object.namespace, 'default', NS], cmd).toContain(argv[ns + 1]);
  if (argv.includes('patch')) {
    expect(argv, cmd).toContain(f.object.name);
    const p = argv.indexOf('-p');
    expect(JSON.parse(argv[p + 1]!), cmd).toEqual(f.remediation?.patch?.body);
  }
  for (const a of argv) expect(a.includes('PWNED') ? [NS, DR, SVC, NODE1, NODE2].some((h) => a.includes(h) || a === h) : true, `${a} in ${cmd}`).toBe(true);
}

describe('safe output', () => {
  it('quote(): every argument comes back exactly from sh and bash, whatever it holds', () => {
    const stub = stubShell();
    const args = [DR, NS, SVC, NODE1, NODE2, "it's", '\\', '$HOME', '*', '~', '-n', '', ' ', 'a\nb', '\u001b[2J', 'x\u202ey', '\u0085', "'\\''", '{"a":"b c"}', '!event', '#comment'];
    for (const shell of ['bash', 'sh']) {
      const r = stub.run(shell, `kubectl ${args.map(quote).join(' ')}`);
      nothingRan(r.cwd);
      const got = r.calls[0]!;
      // dash (Debian's sh) has no $'…': arguments with control characters come back literal, never as code.
      const exact = args.map((a, i) => (shell === 'sh' && /[\u0000-\u001f\u0085\u202e]/.test(a) ? got[i] : a));
      expect(got, shell).toEqual(exact);
    }
    for (const a of args) expect(quote(a)).not.toMatch(UNSAFE_TEXT);
  });

  it('sanitize() and wrap(): escapes, C1, bidi controls removed; a newline never starts a line', () => {
    expect(sanitize('a\u001b]0;t\u0007b\u001b[31mc\u009b2Jd\u202ee')).not.toMatch(UNSAFE_TEXT);
    expect(wrap(NL_HOST, 200, '  ').split('\n')).toHaveLength(1);
    expect(wrap('x '.repeat(100), 40, '  ').split('\n').every((l) => l.startsWith('  ') && l.length <= 40)).toBe(true);
  });

  for (const source of ['bundle', 'live'] as const) {
    describe(`from a ${source === 'live' ? 'live cluster' : 'bundle'}`, () => {
      const args = (): string[] => (source === 'bundle' ? ['--bundle', bundle] : ['--kubeconfig', kubeconfig, '--context', 'c1']);

      it('tables and Markdown carry no control character; JSON and YAML no raw ESC/BEL; no forged lines', async () => {
        for (const format of ['table', 'markdown', 'json', 'yaml']) {
          const r = await cli(['doctor', ...args(), '-o', format, '--fail-on', 'none'], sb.env);
          expect(r.code, r.stderr).toBe(0);
          expect(r.stderr, 'stderr').not.toMatch(UNSAFE_TEXT);
          if (format === 'table' || format === 'markdown') expect(r.stdout, format).not.toMatch(UNSAFE_TEXT);
          else expect(r.stdout, format).not.toMatch(RAW_ESC);
          if (format === 'table') {
            // The hostile host's newlines do not start lines: no fake all-clear, no fake command.
            expect(r.stdout).not.toMatch(/^\s*✔ No failover problems found\.$/m);
            expect(r.stdout).not.toMatch(/^\s*\$ kubectl delete/m);
            expect(r.stdout).toContain('␤');
          }
        }
        if (source === 'bundle') {
          const r = await cli(['doctor', ...args(), '-o', 'json', '--fail-on', 'none'], sb.env);
          expect(r.stderr).toMatch(/^note: c1: 1 object\(s\) skipped: a name or namespace holds control characters/m);
        }
      });

      it('every printed command runs exactly the intended kubectl argv under sh and bash (JSON and table)', async () => {
        const r = await cli(['doctor', ...args(), '-o', 'json', '--fail-on', 'none'], sb.env);
        const doc = parseDoc(r);
        const cmds = commandsOf(doc);
        expect(cmds.length).toBeGreaterThan(3);
        expect(cmds.some(({cmd}) => cmd.includes('touch PWNED'))).toBe(true); // hostile names did reach commands
        const stub = stubShell();
        for (const shell of ['sh', 'bash']) {
          for (const {finding, cmd} of cmds) {
            const run = stub.run(shell, cmd);
            nothingRan(run.cwd);
            expect(run.calls, `${shell}: ${cmd}`).toHaveLength(1);
            expectIntended(run.calls[0]!, finding as never, cmd);
          }
        }
        // The table prints the very same commands.
        const t = await cli(['doctor', ...args(), '--fail-on', 'none'], sb.env);
        const printed = t.stdout.split('\n').filter((l) => l.startsWith('    $ ')).map((l) => l.slice(6));
        expect(printed.sort()).toEqual(cmds.map((c) => c.cmd).sort());
      });

      it('the --fix script runs only the intended patches (nothing injected through names or comments)', async () => {
        const r = await cli(['doctor', ...args(), '--fix', '--fail-on', 'none'], sb.env);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).not.toMatch(UNSAFE_TEXT);
        const doc = parseDoc(await cli(['doctor', ...args(), '-o', 'json', '--fail-on', 'none'], sb.env));
        const patched = doc.findings.filter((f) => (f as {remediation?: {patch?: unknown}}).remediation?.patch);
        const stub = stubShell();
        for (const shell of ['sh', 'bash']) {
          const run = stub.run(shell, r.stdout);
          expect(run.status, run.stderr).toBe(0);
          nothingRan(run.cwd);
          expect(run.calls.length).toBeGreaterThan(0);
          for (const argv of run.calls) {
            expect(argv).toContain('patch');
            const f = patched.find((p) => argv.includes(p.object.name) && argv[argv.indexOf('-n') + 1] === (p.object.namespace ?? argv[argv.indexOf('-n') + 1]));
            expect(f, JSON.stringify(argv)).toBeDefined();
            expect(argv[argv.indexOf('--context') + 1]).toBe(f!.context);
          }
        }
      });
    });
  }

  it('explain: hostnames and localities from an Envoy dump are sanitized in table and Markdown', async () => {
    const file = path.join(home, 'clusters.json');
    writeFileSync(
      file,
      JSON.stringify({
        cluster_statuses: [
          {
            name: 'outbound|80||web.sample.svc.cluster.local',
            host_statuses: [
              {address: {socket_address: {address: '10.0.0.1', port_value: 80}}, hostname: 'h\u001b]0;pwned\u0007\n    $ rm -rf ~', locality: {region: 'r\u001b[31m1', zone: 'z\u202e1'}},
              {address: {socket_address: {address: '10.0.0.2\u001b[2J', port_value: 80}}, locality: {region: 'r2\u0085', zone: 'z2'}, priority: 1},
            ],
          },
        ],
      }),
    );
    for (const format of ['table', 'markdown', 'json']) {
      const r = await cli(['explain', 'web.sample.svc.cluster.local', '--port', '80', '--clusters-file', file, '-o', format], sb.env);
      expect(r.code, r.stderr).toBe(0);
      if (format === 'json') expect(r.stdout).not.toMatch(RAW_ESC);
      else expect(r.stdout, format).not.toMatch(UNSAFE_TEXT);
      expect(r.stdout).not.toMatch(/^\s*\$ rm -rf/m);
    }
  });
});
