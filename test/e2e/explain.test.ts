/**
 * `kubectl failover explain` through kubectl's plugin discovery, against the simulated cluster
 * (Envoy admin reached by port-forward over WebSocket, exec as fallback) and from bundles, for
 * the seed scenarios: 000 from the waypoint, 002 the ServiceEntry host with one endpoint ejected,
 * 004 from the sleep pod in tianjin before and after the tianjin instance fails (--watch live).
 */
import {cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {afterAll, describe, expect, it} from 'vitest';
import type {Explanation} from '../../src/explain/types.js';
import {kubectlPath, pluginSandbox, ROOT, run} from '../support/cli.js';
import {startSimCluster, type SimCluster, type SimContextOptions} from '../support/sim/index.js';

const FIX = path.join(ROOT, 'test/fixtures');
const kubectl = kubectlPath();
const sb = pluginSandbox();
const sims: SimCluster[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

function contexts(bundle: string): string[] {
  return readdirSync(bundle, {withFileTypes: true})
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function live(scenario: string, extra: Partial<SimContextOptions> = {}, bundleDir = path.join(FIX, scenario, 'bundle')): Promise<{sim: SimCluster; kubeconfig: string; ctxs: string[]}> {
  const ctxs = contexts(bundleDir);
  const sim = await startSimCluster({contexts: ctxs.map((c) => ({name: c, bundleDir: path.join(bundleDir, c), ...extra}))});
  sims.push(sim);
  const kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(sb.home, 'kc-')));
  return {sim, kubeconfig, ctxs};
}

/** What must agree between a live run and a bundle run (how the admin was reached may differ). */
function essence(e: Explanation): unknown {
  return {
    service: e.service,
    port: e.port,
    cluster: e.cluster,
    proxy: {...e.proxy, via: undefined},
    endpoints: e.endpoints.map((x) => [x.address, x.priority, x.expectedPriority, x.health, x.outlier, x.reason]),
    priorities: e.priorities,
    whatIf: e.whatIf,
    verdict: e.verdict,
  };
}

async function explainJson(args: string[]): Promise<{e: Explanation; stderr: string; code: number}> {
  const r = await run(kubectl!, ['failover', 'explain', ...args, '-o', 'json'], sb.env);
  expect(r.stderr, r.stderr).not.toMatch(/^error:/m);
  return {e: JSON.parse(r.stdout) as Explanation, stderr: r.stderr, code: r.code};
}

describe.skipIf(!kubectl)('kubectl failover explain', () => {
  it('seed 004 as written, from the sleep pod in tianjin: live (port-forward) and from the bundle agree', async () => {
    const {sim, kubeconfig} = await live('seed004-as-written');
    const l = await explainJson(['helloworld', '-n', 'sample', '--kubeconfig', kubeconfig]);
    const b = await explainJson(['helloworld', '-n', 'sample', '--bundle', path.join(FIX, 'seed004-as-written/bundle')]);
    expect(l.e.proxy.pod).toMatch(/^sleep-/);
    expect(l.e.proxy.via).toMatch(/^port-forward sample\/sleep-/);
    expect(l.e.proxy.locality).toEqual({region: 'cn-north-4', zone: 'cn-north-4b', subZone: 'tianjin'});
    expect(l.e.endpoints.map((x) => [x.locality.subZone, x.priority, x.expectedPriority])).toEqual([
      ['tianjin', 0, 0],
      ['beijing', 1, 1],
      ['shenyang', 1, 1],
    ]);
    expect(l.e.priorities.map((p) => p.loadPercent)).toEqual([100, 0]);
    const tianjin = l.e.whatIf.find((w) => w.scenario.includes('tianjin'))!;
    expect(tianjin.priorities).toEqual([
      {priority: 0, loadPercent: 0},
      {priority: 1, loadPercent: 100},
    ]);
    expect(tianjin.toFailingPercent).toBe(100); // maxEjectionPercent 10 of 3 hosts: nothing can be ejected
    expect(essence(l.e)).toEqual(essence(b.e));
    // Read-only: the port-forward stream is the only non-GET, and nothing mutating was sent.
    expect(sim.mutatingRequests()).toEqual([]);
    expect(sim.requests.some((r) => r.stream === 'portforward')).toBe(true);
  });

  it('seed 004 before and after the tianjin instance fails: --watch prints the ejection and the split moving', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kf-watch-'));
    cpSync(path.join(FIX, 'seed004-right/bundle'), dir, {recursive: true});
    const {kubeconfig, ctxs} = await live('seed004-right', {}, dir);
    const envoyDir = path.join(dir, ctxs[0]!, 'envoy', 'sample');
    const pod = readdirSync(envoyDir)[0]!;
    const failed = readFileSync(path.join(FIX, 'seed004-tianjin-failed/bundle', ctxs[0]!, 'envoy/sample', pod, 'clusters.json'), 'utf8');
    const child = spawn(kubectl!, ['failover', 'explain', 'helloworld', '-n', 'sample', '--kubeconfig', kubeconfig, '--watch', '--interval', '1s', '--count', '4'], {env: sb.env});
    let out = '';
    let swapped = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!swapped && out.includes('Verdict')) {
        swapped = true;
        writeFileSync(path.join(envoyDir, pod, 'clusters.json'), failed); // the instance fails mid-drill
      }
    });
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    expect(code).toBe(0);
    expect(out).toMatch(/Traffic now\n {2}priority 0: 100%/);
    expect(out).toMatch(/✗ endpoint 172\.16\.0\.136:5000 EJECTED by outlier detection/);
    expect(out).toMatch(/→ split P0 100%, P1 0% {2}⇒ {2}P0 0%, P1 100%/);
  });

  it('seed 004 after the failure, from the bundle: traffic has failed over to beijing and shenyang', async () => {
    const {e} = await explainJson(['helloworld', '-n', 'sample', '--bundle', path.join(FIX, 'seed004-tianjin-failed/bundle')]);
    expect(e.endpoints.find((x) => x.locality.subZone === 'tianjin')!.outlier).toBe('ejected');
    expect(e.priorities.map((p) => [p.priority, p.healthy, p.hosts, p.loadPercent])).toEqual([
      [0, 0, 1, 0],
      [1, 2, 2, 100],
    ]);
    expect(e.verdict).toMatch(/has failed over/);
  });

  it('seed 000 as written, from the waypoint (not the client): local cluster first, the other cluster through its east-west gateway', async () => {
    const {kubeconfig, ctxs} = await live('seed000-as-written');
    const l = await explainJson(['helloworld', '-n', 'sample', '--kubeconfig', kubeconfig, ...ctxs.flatMap((c) => ['--context', c])]);
    expect(l.e.proxy.kind).toBe('waypoint');
    expect(l.e.proxy.pod).toMatch(/^waypoint-/);
    expect(l.e.proxy.context).toBe('cluster1');
    expect(l.e.cluster).toBe('inbound-vip|5000|http|helloworld.sample.svc.cluster.local');
    expect(l.e.endpoints.map((x) => [x.priority, x.expectedPriority, x.context])).toEqual([
      [0, 0, 'cluster1'],
      [1, 1, 'cluster2'],
    ]);
    expect(l.e.endpoints[1]!.reason).toMatch(/topology\.istio\.io\/cluster differs \(cluster2 ≠ cluster1\)/);
    expect(l.e.policy.maxEjectionPercent).toEqual({value: 10, source: 'envoy-default'});
    const b = await explainJson(['helloworld', '-n', 'sample', '--bundle', path.join(FIX, 'seed000-as-written/bundle')]);
    expect(essence(l.e)).toEqual(essence(b.e));
  });

  it('seed 002, the ServiceEntry host with the us-east1 endpoint ejected (as the seed\'s istioctl pc endpoints shows)', async () => {
    const {kubeconfig} = await live('seed002-failure-simulated');
    const l = await explainJson(['mydb.com', '-n', 'default', '--kubeconfig', kubeconfig]);
    expect(l.e.endpoints.map((x) => [x.address, x.hostname, x.priority, x.outlier, x.health])).toEqual([
      ['52.119.226.80:81', 'dynamodb.us-east-1.amazonaws.com', 0, 'ejected', 'healthy'],
      ['52.94.12.144:80', 'dynamodb.us-west-1.amazonaws.com', 1, 'ok', 'healthy'],
    ]);
    expect(l.e.priorities.map((p) => p.loadPercent)).toEqual([0, 100]);
    const b = await explainJson(['mydb.com', '-n', 'default', '--bundle', path.join(FIX, 'seed002-failure-simulated/bundle')]);
    expect(essence(l.e)).toEqual(essence(b.e));
  });

  it('falls back to exec of pilot-agent when port-forward is refused', async () => {
    const {kubeconfig} = await live('seed004-as-written', {forbidden: ['pods/portforward']});
    const l = await explainJson(['helloworld', '-n', 'sample', '--kubeconfig', kubeconfig]);
    expect(l.e.proxy.via).toMatch(/^exec pilot-agent in sample\/sleep-.*port-forward failed/);
    expect(l.e.priorities.map((p) => p.loadPercent)).toEqual([100, 0]);
  });

  it('a pod without Envoy, a service with no Envoy cluster, a truncated dump: one line, exit 2', async () => {
    const bundle = path.join(FIX, 'seed000-as-written/bundle');
    const noEnvoy = await run(kubectl!, ['failover', 'explain', 'helloworld', '-n', 'sample', '--bundle', bundle, '--from', 'deploy/curl'], sb.env);
    expect(noEnvoy.code).toBe(2);
    expect(noEnvoy.stderr).toMatch(/^error: pod sample\/curl-\S+ has no Envoy \(no istio-proxy container\): kube-proxy \(or ztunnel\)/m);
    const dir = mkdtempSync(path.join(tmpdir(), 'kf-dump-'));
    const good = path.join(FIX, 'seed004-tianjin-failed/bundle');
    const file = readdirSync(path.join(good, contexts(good)[0]!, 'envoy/sample')).map((p) => path.join(good, contexts(good)[0]!, 'envoy/sample', p, 'clusters.json'))[0]!;
    const nope = await run(kubectl!, ['failover', 'explain', 'nope.sample.svc.cluster.local', '--port', '5000', '--clusters-file', file], sb.env);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/^error: no Envoy cluster for nope\.sample\.svc\.cluster\.local:5000 .*nearest: outbound\|5000\|\|helloworld\.sample\.svc\.cluster\.local/m);
    const truncated = path.join(dir, 'clusters.json');
    writeFileSync(truncated, readFileSync(file, 'utf8').slice(0, 300));
    const bad = await run(kubectl!, ['failover', 'explain', 'helloworld.sample.svc.cluster.local', '--port', '5000', '--clusters-file', truncated], sb.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: .*clusters JSON/);
  });
});
