/**
 * The real kubectl of the machine against the simulated cluster: if kubectl can read it, the
 * simulation speaks enough of the protocol. Each run gets its own HOME and --cache-dir.
 */
import {existsSync, promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {KUBECTL, runKubectl} from '../support/sim/client.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

const FIXTURE = path.resolve('test/support/sim/fixtures/basic');

let sim: SimCluster;
let home: string;
let kubeconfig: string;
const kubectl = (...args: string[]) => runKubectl(args, {kubeconfig, home});

describe.skipIf(!existsSync(KUBECTL))('real kubectl against the simulated cluster', () => {
  beforeAll(async () => {
    sim = await startSimCluster({
      contexts: [
        {name: 'cluster1', bundleDir: `${FIXTURE}/cluster1`, forbidden: ['nodes']},
        {name: 'cluster2', bundleDir: `${FIXTURE}/cluster2`},
      ],
    });
    home = await fs.mkdtemp(path.join(tmpdir(), 'sim-kubectl-'));
    kubeconfig = await sim.writeKubeconfig(home);
  });
  afterAll(async () => {
    await sim?.close();
    if (home) await fs.rm(home, {recursive: true, force: true});
  });
  beforeEach(() => sim.clearRequests());

  it('get destinationrules.networking.istio.io -A -o json returns the bundle’s DestinationRules', async () => {
    const r = await kubectl('get', 'destinationrules.networking.istio.io', '-A', '-o', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.items.map((i: {metadata: {namespace: string; name: string}}) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['other/sleep', 'sample/helloworld', 'sample/legacy']);
    expect(new Set(list.items.map((i: {apiVersion: string}) => i.apiVersion))).toEqual(new Set(['networking.istio.io/v1']));
    expect(list.items[1].spec.trafficPolicy.outlierDetection).toEqual({consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m'});
    // kubectl discovered through legacy discovery and listed in one page.
    const lists = sim.requests.filter((q) => q.verb === 'list');
    expect(lists.map((q) => [q.path, q.query.limit])).toEqual([['/apis/networking.istio.io/v1/destinationrules', '500']]);
    expect(sim.requests.some((q) => q.path === '/apis/networking.istio.io/v1')).toBe(true);
    expect(sim.mutatingRequests()).toEqual([]);
  });

  it('follows continue with --chunk-size=2', async () => {
    const r = await kubectl('get', 'pods', '-A', '--chunk-size=2', '-o', 'json');
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout).items as {kind: string; metadata: {name: string}}[];
    expect(items.map((i) => i.metadata.name)).toEqual(['sleep-1', 'helloworld-v1-1', 'helloworld-v1-2', 'helloworld-v1-3', 'helloworld-v2-1', 'helloworld-v2-2']);
    // The server strips kind from typed list items; kubectl puts it back.
    expect(items[0]!.kind).toBe('Pod');
    const lists = sim.requests.filter((q) => q.path === '/api/v1/pods');
    expect(lists.map((q) => [q.query.limit, q.query.continue !== undefined])).toEqual([
      ['2', false],
      ['2', true],
      ['2', true],
    ]);
  });

  it('prints the Forbidden error of a denied list', async () => {
    const r = await kubectl('get', 'nodes');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): nodes is forbidden: User "test" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  it('gets one namespaced object, and reports a missing one as NotFound', async () => {
    const r = await kubectl('get', 'pod', '-n', 'sample', 'helloworld-v1-2', '-o', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'helloworld-v1-2', namespace: 'sample'}, status: {podIP: '10.0.0.2'}});
    const missing = await kubectl('get', 'pod', '-n', 'sample', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it('passes label selectors to the server', async () => {
    const r = await kubectl('get', 'pods', '-A', '-l', 'version in (v2),app', '-o', 'name');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['pod/helloworld-v2-1', 'pod/helloworld-v2-2']);
    expect(sim.requests.find((q) => q.path === '/api/v1/pods')?.query.labelSelector).toBe('version in (v2),app');
    const none = await kubectl('get', 'pods', '-n', 'sample', '-l', '!app', '-o', 'name');
    expect([none.code, none.stdout]).toEqual([0, '']);
  });

  it('reads a v1 object through v1beta1 (and a v1alpha3 one through v1)', async () => {
    const r = await kubectl('get', 'destinationrules.v1beta1.networking.istio.io', '-n', 'sample', 'helloworld', '-o', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).apiVersion).toBe('networking.istio.io/v1beta1');
    expect(sim.requests.some((q) => q.path === '/apis/networking.istio.io/v1beta1/namespaces/sample/destinationrules/helloworld')).toBe(true);
    const legacy = await kubectl('get', 'dr', '-n', 'sample', 'legacy', '-o', 'jsonpath={.apiVersion}');
    expect(legacy.stdout).toBe('networking.istio.io/v1');
  });

  it('prints the default table (server-side Table) with short names', async () => {
    const r = await kubectl('get', 'dr', '-A');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(lines).toEqual([
      ['NAMESPACE', 'NAME', 'AGE'],
      ['other', 'sleep', '60m'],
      ['sample', 'helloworld', '60m'],
      ['sample', 'legacy', '60m'],
    ]);
  });

  it('sees each context on its own server, and a CRD group only where it exists', async () => {
    const r = await kubectl('--context', 'cluster2', 'get', 'pods', '-A', '-o', 'name');
    expect(r.stdout.trim()).toBe('pod/helloworld-v2-9');
    const dr = await kubectl('--context', 'cluster2', 'get', 'destinationrules.networking.istio.io', '-A');
    expect(dr.code).toBe(1);
    expect(dr.stderr).toContain('the server doesn\'t have a resource type "destinationrules"');
    expect(new Set(sim.requests.map((q) => q.context))).toEqual(new Set(['cluster2']));
  });

  it('is refused with a wrong token', async () => {
    const bad = path.join(home, 'bad-kubeconfig');
    await fs.writeFile(bad, sim.kubeconfig().replace(/token: .*/g, 'token: wrong'), {mode: 0o600});
    const r = await runKubectl(['get', 'pods', '-A'], {kubeconfig: bad, home});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
    expect(sim.requests.length).toBeGreaterThan(0);
    expect(sim.requests.every((q) => q.status === 401 && q.auth === 'invalid')).toBe(true);
  });

  it('patches with --dry-run=server without changing anything, then for real', async () => {
    const patch = '{"spec":{"trafficPolicy":{"outlierDetection":{"consecutive5xxErrors":3}}}}';
    const dry = await kubectl('-n', 'sample', 'patch', 'destinationrule', 'helloworld', '--type', 'merge', '-p', patch, '--dry-run=server', '-o', 'json');
    expect(dry.stderr).toBe('');
    expect(JSON.parse(dry.stdout).spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(3);
    expect(sim.object('cluster1', 'destinationrules.networking.istio.io', 'sample', 'helloworld')?.spec).toMatchObject({trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}});
    expect(sim.mutatingRequests().map((q) => [q.method, q.dryRun, q.headers.contentType])).toEqual([['PATCH', true, 'application/merge-patch+json']]);

    const real = await kubectl('-n', 'sample', 'patch', 'destinationrule', 'helloworld', '--type', 'merge', '-p', patch);
    expect(real.stdout.trim()).toBe('destinationrule.networking.istio.io/helloworld patched');
    const stored = sim.object('cluster1', 'destinationrules.networking.istio.io', 'sample', 'helloworld')!;
    expect((stored.spec as {trafficPolicy: {outlierDetection: object}}).trafficPolicy.outlierDetection).toEqual({consecutive5xxErrors: 3, interval: '1s', baseEjectionTime: '1m'});
    const again = await kubectl('-n', 'sample', 'patch', 'destinationrule', 'helloworld', '--type', 'merge', '-p', patch);
    expect(again.stdout.trim()).toBe('destinationrule.networking.istio.io/helloworld patched (no change)');
  });

  it('labels a built-in object, and merges its lists by key in a strategic merge patch', async () => {
    const r = await kubectl('-n', 'other', 'label', 'service', 'sleep', 'istio.io/global=true');
    expect(r.stdout.trim()).toBe('service/sleep labeled');
    expect(sim.mutatingRequests()[0]?.headers.contentType).toBe('application/merge-patch+json');
    expect((sim.object('cluster1', 'services', 'other', 'sleep')?.metadata as {labels: object}).labels).toEqual({app: 'sleep', 'istio.io/global': 'true'});

    // kubectl patch defaults to a strategic merge patch: Service ports merge on `port`.
    const p = await kubectl('-n', 'other', 'patch', 'service', 'sleep', '-p', '{"spec":{"ports":[{"port":80,"appProtocol":"http"},{"port":8080,"name":"admin"}]}}');
    expect(p.stdout.trim()).toBe('service/sleep patched');
    expect(sim.mutatingRequests()[1]?.headers.contentType).toBe('application/strategic-merge-patch+json');
    expect((sim.object('cluster1', 'services', 'other', 'sleep')?.spec as {ports: object[]}).ports).toEqual([
      {name: 'http', port: 80, appProtocol: 'http'},
      {port: 8080, name: 'admin'},
    ]);
    // A CRD has no strategic merge: kubectl is told so by the server.
    const dr = await kubectl('-n', 'other', 'patch', 'destinationrule', 'sleep', '-p', '{"spec":{"host":"x"}}');
    expect(dr.code).toBe(1);
    expect(dr.stderr.trim()).toBe(
      'error: application/strategic-merge-patch+json is not supported by networking.istio.io/v1, Kind=DestinationRule: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });

  it('execs pilot-agent request in istio-proxy (WebSocket v5.channel.k8s.io), exit codes included', async () => {
    const r = await kubectl('-n', 'sample', 'exec', 'helloworld-v1-1', '-c', 'istio-proxy', '--', 'pilot-agent', 'request', 'GET', 'clusters?format=json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).cluster_statuses[0].name).toBe('outbound|5000||helloworld.sample.svc.cluster.local');
    expect(sim.requests.find((q) => q.stream === 'exec')).toMatchObject({upgrade: true, status: 101, headers: {websocketProtocol: expect.stringContaining('v5.channel.k8s.io')}});
    const noAdmin = await kubectl('-n', 'sample', 'exec', 'helloworld-v1-3', '-c', 'istio-proxy', '--', 'pilot-agent', 'request', 'GET', 'clusters');
    expect(noAdmin.code).toBe(1);
    expect(noAdmin.stderr).toContain('command terminated with exit code 1');
    expect(sim.mutatingRequests()).toEqual([]);
  });

  it('refuses kubectl port-forward (SPDY) with a message that says why', async () => {
    const r = await kubectl('-n', 'sample', 'port-forward', 'pod/helloworld-v1-1', '0:15000');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the simulated cluster does not speak SPDY');
    const tries = sim.requests.filter((q) => q.stream === 'portforward');
    // kubectl tries the SPDY-over-WebSocket tunnel, then falls back to a SPDY upgrade.
    expect(tries.map((q) => [q.method, q.headers.upgrade, q.status, q.unimplemented])).toEqual([
      ['GET', 'websocket', 400, true],
      ['POST', 'SPDY/3.1', 400, true],
    ]);
  });
});
