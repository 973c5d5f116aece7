/**
 * The simulated API server at the HTTP level: auth, discovery, lists, paging, selectors,
 * representations, errors shaped as the real server's, faults and the request log.
 */
import {promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {KINDS, apiVersionOf} from '../../src/model/kinds.js';
import {simRequest} from '../support/sim/client.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

const FIXTURE = path.resolve('test/support/sim/fixtures/basic');
const PARTIAL_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({
    contexts: [
      {
        name: 'cluster1',
        bundleDir: `${FIXTURE}/cluster1`,
        forbidden: ['nodes', 'pods/exec', {resource: 'serviceentries.networking.istio.io', verbs: ['get'], namespaces: ['sample']}],
      },
      {name: 'cluster2', bundleDir: `${FIXTURE}/cluster2`, token: 'cluster2-token', notInstalled: ['discovery.k8s.io']},
      {
        name: 'cluster3',
        objects: [
          {apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'Gateway', metadata: {name: 'waypoint', namespace: 'sample'}, spec: {gatewayClassName: 'istio-waypoint'}},
          {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'sample', uid: 'fixed-uid', resourceVersion: '5000'}},
        ],
        installed: ['networking.istio.io', 'install.tetrate.io'],
        notInstalled: ['workloadentries.networking.istio.io'],
        user: 'alice',
      },
    ],
  });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => sim.clearRequests());

const get = (ctx: string, p: string, headers: Record<string, string> = {}) => simRequest(sim, ctx, p, {headers});
const names = (list: {items: {metadata: {namespace?: string; name: string}}[]}): string[] =>
  list.items.map((i) => (i.metadata.namespace ? `${i.metadata.namespace}/${i.metadata.name}` : i.metadata.name));

describe('authentication', () => {
  it('answers 401 with the real Status when the token is missing, wrong, or another context’s', async () => {
    const expected = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401};
    for (const token of [null, 'nope', 'cluster2-token']) {
      const r = await simRequest(sim, 'cluster1', '/api/v1/namespaces', {token});
      expect(r.status).toBe(401);
      expect(r.text).toBe(`${JSON.stringify(expected)}\n`);
    }
    expect(sim.requests.map((r) => r.auth)).toEqual(['missing', 'invalid', 'invalid']);
    // Discovery and /version are not open either.
    expect((await simRequest(sim, 'cluster1', '/version', {token: null})).status).toBe(401);
  });

  it('accepts each context’s own token', async () => {
    expect((await simRequest(sim, 'cluster2', '/api/v1/namespaces', {token: 'cluster2-token'})).status).toBe(200);
    expect((await get('cluster1', '/api/v1/namespaces')).status).toBe(200);
    expect(sim.requests.every((r) => r.auth === 'ok')).toBe(true);
  });

  it('takes the token from the WebSocket bearer subprotocol too', async () => {
    const proto = `base64url.bearer.authorization.k8s.io.${Buffer.from('cluster2-token').toString('base64url')}`;
    const r = await simRequest(sim, 'cluster2', '/api/v1/namespaces', {token: null, headers: {'Sec-WebSocket-Protocol': proto}});
    expect(r.status).toBe(200);
  });
});

describe('discovery', () => {
  it('serves /version, /api and legacy /apis whatever the Accept', async () => {
    const v = await get('cluster1', '/version?timeout=5s');
    expect(v.json).toMatchObject({major: '1', minor: '32', gitVersion: 'v1.32.0'});
    const api = await get('cluster1', '/api', {Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'});
    expect(api.headers['content-type']).toBe('application/json');
    expect(api.json).toMatchObject({kind: 'APIVersions', versions: ['v1']});
    expect(api.json.serverAddressByClientCIDRs[0].serverAddress).toBe(`127.0.0.1:${sim.contexts[0]!.port}`);
    const apis = await get('cluster1', '/apis');
    expect(apis.json.kind).toBe('APIGroupList');
    const istio = apis.json.groups.find((g: {name: string}) => g.name === 'networking.istio.io');
    expect(istio).toEqual({
      name: 'networking.istio.io',
      versions: [
        {groupVersion: 'networking.istio.io/v1', version: 'v1'},
        {groupVersion: 'networking.istio.io/v1beta1', version: 'v1beta1'},
        {groupVersion: 'networking.istio.io/v1alpha3', version: 'v1alpha3'},
      ],
      preferredVersion: {groupVersion: 'networking.istio.io/v1', version: 'v1'},
    });
  });

  it('lists a CRD group only when the context has objects of it or declares it installed', async () => {
    const groups = async (ctx: string) => ((await get(ctx, '/apis')).json.groups as {name: string}[]).map((g) => g.name).sort();
    expect(await groups('cluster1')).toEqual(['apps', 'discovery.k8s.io', 'networking.istio.io']);
    // A built-in group declared not installed (an old cluster) is gone too.
    expect(await groups('cluster2')).toEqual(['apps']);
    expect(await groups('cluster3')).toEqual(['apps', 'discovery.k8s.io', 'gateway.networking.k8s.io', 'install.tetrate.io', 'networking.istio.io']);
    // Absent groups answer Go's plain-text 404 on every path under them.
    for (const p of ['/apis/networking.istio.io', '/apis/networking.istio.io/v1', '/apis/networking.istio.io/v1/destinationrules', '/apis/discovery.k8s.io/v1/endpointslices']) {
      const r = await get('cluster2', p);
      expect([r.status, r.text, r.headers['content-type']]).toEqual([404, '404 page not found\n', 'text/plain; charset=utf-8']);
    }
  });

  it('describes core resources with short names, verbs and the stream subresources', async () => {
    const r = await get('cluster1', '/api/v1');
    expect(r.json.kind).toBe('APIResourceList');
    expect(r.json.groupVersion).toBe('v1');
    expect(r.json.apiVersion).toBeUndefined();
    const byName = new Map((r.json.resources as {name: string}[]).map((x) => [x.name, x]));
    expect(byName.get('pods')).toMatchObject({singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all']});
    expect(byName.get('pods')).toHaveProperty('verbs', ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(byName.get('pods/portforward')).toEqual({name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get']});
    expect(byName.get('pods/exec')).toEqual({name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get']});
    for (const [name, short] of [['services', 'svc'], ['nodes', 'no'], ['namespaces', 'ns'], ['configmaps', 'cm'], ['endpoints', 'ep']] as const) {
      expect(byName.get(name)).toHaveProperty('shortNames', [short]);
    }
    expect(byName.get('nodes')).toHaveProperty('namespaced', false);
  });

  it('serves every KINDS entry under each of its versions when its group is installed', async () => {
    // Every CRD group KINDS knows, so the test follows KINDS as it grows.
    const crdGroups = [...new Set(KINDS.filter((k) => k.optional).map((k) => k.group))];
    const all = await startSimCluster({contexts: [{name: 'all', installed: crdGroups, notInstalled: ['workloadentries.networking.istio.io']}]});
    try {
      for (const k of KINDS) {
        for (const v of k.versions) {
          const r = await simRequest(all, 'all', k.group ? `/apis/${k.group}/${v}` : `/api/${v}`);
          expect(r.status, `${k.key} ${v}`).toBe(200);
          const entry = (r.json.resources as {name: string}[]).find((x) => x.name === k.plural);
          if (k.key === 'WorkloadEntry') expect(entry, 'declared not installed').toBeUndefined();
          else expect(entry, `${k.key} in ${apiVersionOf(k, v)}`).toMatchObject({kind: k.kind, namespaced: k.namespaced});
        }
      }
    } finally {
      await all.close();
    }
    const dr = ((await get('cluster3', '/apis/networking.istio.io/v1beta1')).json.resources as {name: string}[]).find((x) => x.name === 'destinationrules');
    expect(dr).toMatchObject({singularName: 'destinationrule', shortNames: ['dr'], verbs: expect.arrayContaining(['get', 'list', 'patch'])});
    const gw = ((await get('cluster3', '/apis/gateway.networking.k8s.io/v1')).json.resources as {name: string}[]).find((x) => x.name === 'gateways');
    expect(gw).toMatchObject({shortNames: ['gtw']});
  });
});

describe('lists', () => {
  it('lists built-in kinds cluster-wide and per namespace, items without apiVersion/kind, in etcd key order', async () => {
    const all = await get('cluster1', '/api/v1/pods');
    expect(all.json.kind).toBe('PodList');
    expect(all.json.apiVersion).toBe('v1');
    expect(names(all.json)).toEqual(['other/sleep-1', 'sample/helloworld-v1-1', 'sample/helloworld-v1-2', 'sample/helloworld-v1-3', 'sample/helloworld-v2-1', 'sample/helloworld-v2-2']);
    expect(all.json.items[0].kind).toBeUndefined();
    expect(all.json.items[0].apiVersion).toBeUndefined();
    expect(all.json.metadata.resourceVersion).toMatch(/^\d+$/);
    const sample = await get('cluster1', '/api/v1/namespaces/sample/pods');
    expect(sample.json.items).toHaveLength(5);
    const none = await get('cluster1', '/api/v1/namespaces/nowhere/pods');
    expect([none.status, none.json.items]).toEqual([200, []]);
  });

  it('serves a CRD under every served version, apiVersion rewritten, items keeping kind', async () => {
    for (const v of ['v1', 'v1beta1', 'v1alpha3']) {
      const r = await get('cluster1', `/apis/networking.istio.io/${v}/destinationrules`);
      expect(r.json.kind).toBe('DestinationRuleList');
      expect(r.json.apiVersion).toBe(`networking.istio.io/${v}`);
      expect(names(r.json)).toEqual(['other/sleep', 'sample/helloworld', 'sample/legacy']);
      expect(new Set(r.json.items.map((i: {apiVersion: string; kind: string}) => `${i.apiVersion} ${i.kind}`))).toEqual(new Set([`networking.istio.io/${v} DestinationRule`]));
    }
    const one = await get('cluster1', '/apis/networking.istio.io/v1beta1/namespaces/sample/destinationrules/helloworld');
    expect(one.json.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(one.json.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(1);
    // The stored object keeps the version it was written in.
    expect(sim.object('cluster1', 'destinationrules.networking.istio.io', 'sample', 'legacy')?.apiVersion).toBe('networking.istio.io/v1alpha3');
  });

  it('pages with limit and an opaque continue token, and the pages add up to the whole list', async () => {
    const whole = names((await get('cluster1', '/api/v1/pods')).json);
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    let rv: string | undefined;
    do {
      const r = await get('cluster1', `/api/v1/pods?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      expect(r.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...names(r.json));
      rv ??= r.json.metadata.resourceVersion;
      expect(r.json.metadata.resourceVersion).toBe(rv);
      cont = r.json.metadata.continue;
      if (cont) expect(r.json.metadata.remainingItemCount).toBe(whole.length - seen.length);
      pages++;
    } while (cont);
    expect(pages).toBe(3);
    expect(seen).toEqual(whole);
    const last = await get('cluster1', '/api/v1/pods?limit=6');
    expect(last.json.metadata.continue).toBeUndefined();
    expect(last.json.metadata.remainingItemCount).toBeUndefined();
  });

  it('keeps a namespace’s list to that namespace when others share its prefix, page by page', async () => {
    const pod = (namespace: string, name: string) => ({apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace}});
    const s = await startSimCluster({contexts: [{name: 'x', objects: [pod('a0', 'p'), pod('a', 'q'), pod('a-b', 'p'), pod('ab', 'p'), pod('a', 'p'), pod('a.b', 'p')]}]});
    try {
      const seen: string[] = [];
      let cont = '';
      do {
        const r = await simRequest(s, 'x', `/api/v1/namespaces/a/pods?limit=1${cont ? `&continue=${cont}` : ''}`);
        seen.push(...names(r.json));
        cont = r.json.metadata.continue ?? '';
        if (cont) expect(r.json.metadata.remainingItemCount).toBe(1);
      } while (cont);
      expect(seen).toEqual(['a/p', 'a/q']);
      expect(names((await simRequest(s, 'x', '/api/v1/pods')).json)).toEqual(['a-b/p', 'a.b/p', 'a/p', 'a/q', 'a0/p', 'ab/p']);
    } finally {
      await s.close();
    }
  });

  it('rejects a malformed continue token with 400 BadRequest', async () => {
    const r = await get('cluster1', '/api/v1/pods?limit=2&continue=garbage');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({kind: 'Status', reason: 'BadRequest', code: 400});
    expect(r.json.message).toMatch(/^continue key is not valid/);
  });

  const labelCases: [string, string[]][] = [
    ['app=helloworld', ['helloworld-v1-1', 'helloworld-v1-2', 'helloworld-v1-3', 'helloworld-v2-1', 'helloworld-v2-2']],
    ['version==v2', ['helloworld-v2-1', 'helloworld-v2-2']],
    ['version!=v1', ['sleep-1', 'helloworld-v2-1', 'helloworld-v2-2']],
    ['version in (v2, v3)', ['helloworld-v2-1', 'helloworld-v2-2']],
    ['version notin (v1)', ['sleep-1', 'helloworld-v2-1', 'helloworld-v2-2']],
    ['tier', ['helloworld-v2-1', 'helloworld-v2-2']],
    ['!tier', ['sleep-1', 'helloworld-v1-1', 'helloworld-v1-2', 'helloworld-v1-3']],
    ['app=helloworld,!tier', ['helloworld-v1-1', 'helloworld-v1-2', 'helloworld-v1-3']],
    ['app=nothing', []],
  ];
  it.each(labelCases)('labelSelector %s', async (sel, expected) => {
    const r = await get('cluster1', `/api/v1/pods?labelSelector=${encodeURIComponent(sel)}`);
    expect(r.status).toBe(200);
    expect(r.json.items.map((i: {metadata: {name: string}}) => i.metadata.name)).toEqual(expected);
  });

  it('rejects a malformed label selector with 400', async () => {
    for (const sel of ['app in v1', 'a b', 'app=', 'app=(x', '=x']) {
      const r = await get('cluster1', `/api/v1/pods?labelSelector=${encodeURIComponent(sel)}`);
      if (sel === 'app=') expect(r.status, 'empty value is valid').toBe(200);
      else expect([sel, r.status, r.json.reason]).toEqual([sel, 400, 'BadRequest']);
    }
  });

  it('pages through a label-selected list', async () => {
    const first = await get('cluster1', `/api/v1/pods?limit=2&labelSelector=${encodeURIComponent('app=helloworld')}`);
    expect(names(first.json)).toEqual(['sample/helloworld-v1-1', 'sample/helloworld-v1-2']);
    expect(first.json.metadata.remainingItemCount).toBeUndefined();
    const next = await get('cluster1', `/api/v1/pods?limit=10&labelSelector=${encodeURIComponent('app=helloworld')}&continue=${first.json.metadata.continue}`);
    expect(names(next.json)).toEqual(['sample/helloworld-v1-3', 'sample/helloworld-v2-1', 'sample/helloworld-v2-2']);
  });

  it('filters with field selectors on metadata and the pod fields the server indexes', async () => {
    const q = async (p: string, fs: string) => names((await get('cluster1', `${p}?fieldSelector=${encodeURIComponent(fs)}`)).json);
    expect(await q('/api/v1/pods', 'metadata.name=helloworld-v1-1')).toEqual(['sample/helloworld-v1-1']);
    expect(await q('/api/v1/pods', 'metadata.namespace!=sample')).toEqual(['other/sleep-1']);
    expect(await q('/api/v1/pods', 'spec.nodeName=node-b,status.phase==Running')).toEqual(['sample/helloworld-v2-1', 'sample/helloworld-v2-2']);
    expect(await q('/apis/networking.istio.io/v1/destinationrules', 'metadata.namespace=other')).toEqual(['other/sleep']);
    const bad = await get('cluster1', `/apis/networking.istio.io/v1/destinationrules?fieldSelector=${encodeURIComponent('spec.host=x')}`);
    expect([bad.status, bad.json.message]).toEqual([400, 'field label not supported: spec.host']);
  });
});

describe('representations', () => {
  it('returns PartialObjectMetadataList (metadata only) when asked, as for Secrets', async () => {
    const r = await get('cluster1', `/api/v1/namespaces/istio-system/secrets?labelSelector=${encodeURIComponent('istio/multiCluster=true')}`, {Accept: PARTIAL_LIST});
    expect(r.json.kind).toBe('PartialObjectMetadataList');
    expect(r.json.apiVersion).toBe('meta.k8s.io/v1');
    expect(r.json.items).toHaveLength(1);
    expect(r.json.items[0]).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: expect.objectContaining({name: 'istio-remote-secret-cluster2', annotations: {'networking.istio.io/cluster': 'cluster2'}}),
    });
    expect(r.text).not.toContain('c2VjcmV0');
    // A plain Accept gets the whole Secret, data included, as a real server (with the right RBAC) does.
    const full = await get('cluster1', '/api/v1/namespaces/istio-system/secrets');
    expect(full.json.items.map((s: {data: object}) => Object.keys(s.data))).toEqual([['cluster2'], ['password']]);
  });

  it('answers PartialObjectMetadata for a single get, and skips as=…List on a get', async () => {
    const r = await get('cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1', {Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'});
    expect(r.json.kind).toBe('PartialObjectMetadata');
    expect(r.json.spec).toBeUndefined();
    const wrong = await get('cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1', {Accept: PARTIAL_LIST});
    expect(wrong.json.kind).toBe('Pod');
  });

  it('answers a Table with Name and Age for kubectl’s default output', async () => {
    const r = await get('cluster1', '/apis/networking.istio.io/v1/namespaces/sample/destinationrules', {Accept: TABLE});
    expect(r.json.kind).toBe('Table');
    expect(r.json.columnDefinitions.map((c: {name: string}) => c.name)).toEqual(['Name', 'Age']);
    expect(r.json.rows.map((row: {cells: string[]}) => row.cells[0])).toEqual(['helloworld', 'legacy']);
    expect(r.json.rows[0].cells[1]).toBe('60m');
    expect(r.json.rows[0].object).toMatchObject({kind: 'PartialObjectMetadata', metadata: {name: 'helloworld', namespace: 'sample'}});
  });

  it('answers YAML for application/yaml and 406 when nothing offered can be produced', async () => {
    const y = await get('cluster1', '/api/v1/namespaces/other', {Accept: 'application/yaml'});
    expect(y.headers['content-type']).toBe('application/yaml');
    expect(parseYaml(y.text)).toMatchObject({kind: 'Namespace', metadata: {name: 'other'}});
    const p = await get('cluster1', '/api/v1/namespaces/other', {Accept: 'application/vnd.kubernetes.protobuf'});
    expect([p.status, p.json.reason]).toEqual([406, 'NotAcceptable']);
  });
});

describe('errors shaped as the real API server’s', () => {
  it('404 NotFound for a missing object, with group in details for CRDs', async () => {
    const pod = await get('cluster1', '/api/v1/namespaces/sample/pods/nope');
    expect(pod.status).toBe(404);
    expect(pod.text).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}\n',
    );
    const dr = await get('cluster1', '/apis/networking.istio.io/v1/namespaces/sample/destinationrules/nope');
    expect(dr.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'destinationrules.networking.istio.io "nope" not found',
      reason: 'NotFound',
      details: {name: 'nope', group: 'networking.istio.io', kind: 'destinationrules'},
      code: 404,
    });
  });

  it('404 for paths nothing serves: Status in built-in groups, plain text elsewhere', async () => {
    const unknown = await get('cluster1', '/api/v1/widgets');
    expect(unknown.json).toEqual({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404});
    expect((await get('cluster1', '/api/v1/pods/helloworld-v1-1')).status).toBe(404);
    expect((await simRequest(sim, 'cluster2', '/api/v1/namespaces/sample/nodes', {token: 'cluster2-token'})).status).toBe(404);
    expect((await get('cluster1', '/api/v1/namespaces/sample/namespaces')).status).toBe(404);
    expect((await get('cluster1', '/api/v1/namespaces/sample')).status).toBe(200);
    expect((await get('cluster1', '/apis/networking.istio.io/v2/destinationrules')).text).toBe('404 page not found\n');
    expect((await get('cluster1', '/nothing')).text).toBe('404 page not found\n');
    expect((await get('cluster3', '/apis/networking.istio.io/v1/workloadentries')).text).toBe('404 page not found\n');
    expect((await get('cluster3', '/apis/networking.istio.io/v1/destinationrules')).json.items).toEqual([]);
  });

  it('403 Forbidden worded as RBAC words it, for lists, gets and namespaced resources', async () => {
    const list = await get('cluster1', '/api/v1/nodes?limit=500');
    expect(list.status).toBe(403);
    expect(list.text).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes is forbidden: User \\"test\\" cannot list resource \\"nodes\\" in API group \\"\\" at the cluster scope","reason":"Forbidden","details":{"kind":"nodes"},"code":403}\n',
    );
    const one = await get('cluster1', '/api/v1/nodes/node-a');
    expect(one.json.message).toBe('nodes "node-a" is forbidden: User "test" cannot get resource "nodes" in API group "" at the cluster scope');
    expect(one.json.details).toEqual({name: 'node-a', kind: 'nodes'});
    const se = await get('cluster1', '/apis/networking.istio.io/v1/namespaces/sample/serviceentries/external');
    expect(se.json.message).toBe('serviceentries.networking.istio.io "external" is forbidden: User "test" cannot get resource "serviceentries" in API group "networking.istio.io" in the namespace "sample"');
    expect(se.json.details).toEqual({name: 'external', group: 'networking.istio.io', kind: 'serviceentries'});
    // Only the verbs and namespaces listed are denied.
    expect((await get('cluster1', '/apis/networking.istio.io/v1/serviceentries')).status).toBe(200);
    expect((await get('cluster1', '/apis/networking.istio.io/v1/namespaces/sample/serviceentries')).status).toBe(200);
    // Forbidding pods/exec leaves pods readable.
    expect((await get('cluster1', '/api/v1/pods')).status).toBe(200);
    const exec = await simRequest(sim, 'cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1/exec?command=ls', {method: 'POST'});
    expect(exec.json.message).toBe('pods "helloworld-v1-1" is forbidden: User "test" cannot create resource "pods/exec" in API group "" in the namespace "sample"');
  });

  it('names the context’s user in Forbidden messages', async () => {
    const s = await startSimCluster({contexts: [{name: 'x', forbidden: ['namespaces'], user: 'alice'}]});
    try {
      const r = await simRequest(s, 'x', '/api/v1/namespaces');
      expect(r.json.message).toBe('namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope');
    } finally {
      await s.close();
    }
  });

  it('405 MethodNotAllowed for verbs a resource does not support, and marks verbs not simulated yet', async () => {
    const expected = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', details: {}, code: 405};
    const log = await simRequest(sim, 'cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1/log', {method: 'POST'});
    expect(log.json).toEqual(expected);
    const del = await simRequest(sim, 'cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1', {method: 'DELETE'});
    expect(del.status).toBe(405);
    expect(del.json.message).toContain('does not implement delete');
    expect(sim.requests.map((r) => [r.verb, r.unimplemented ?? false])).toEqual([
      ['create', false],
      ['delete', true],
    ]);
  });
});

describe('faults', () => {
  it('answers a status fault on matching paths only, for the given number of requests', async () => {
    sim.setFaults('cluster2', {status: 503, match: '/pods', times: 1});
    const r = await simRequest(sim, 'cluster2', '/api/v1/pods', {token: 'cluster2-token'});
    expect(r.json).toMatchObject({kind: 'Status', reason: 'ServiceUnavailable', code: 503});
    expect((await simRequest(sim, 'cluster2', '/api/v1/namespaces', {token: 'cluster2-token'})).status).toBe(200);
    expect((await simRequest(sim, 'cluster2', '/api/v1/pods', {token: 'cluster2-token'})).status).toBe(200);
    expect(sim.requests.map((x) => x.fault ?? '-')).toEqual(['status', '-', '-']);
  });

  it('delays, drops connections and expires continue tokens until switched off', async () => {
    sim.setFaults('cluster2', {delayMs: 150});
    const t0 = Date.now();
    expect((await simRequest(sim, 'cluster2', '/api/v1/pods', {token: 'cluster2-token'})).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    sim.setFaults('cluster2', {dropConnection: true});
    await expect(simRequest(sim, 'cluster2', '/api/v1/pods', {token: 'cluster2-token'})).rejects.toThrow(/socket hang up|ECONNRESET/);

    sim.setFaults('cluster2', {expireContinue: true});
    const first = await simRequest(sim, 'cluster1', '/api/v1/pods?limit=1');
    expect((await simRequest(sim, 'cluster2', '/api/v1/pods?limit=1', {token: 'cluster2-token'})).status).toBe(200);
    const expired = await simRequest(sim, 'cluster2', `/api/v1/pods?limit=1&continue=${first.json.metadata.continue}`, {token: 'cluster2-token'});
    expect([expired.status, expired.json.reason]).toEqual([410, 'Expired']);

    sim.setFaults('cluster2', undefined);
    expect((await simRequest(sim, 'cluster2', `/api/v1/pods?limit=1&continue=${first.json.metadata.continue}`, {token: 'cluster2-token'})).status).toBe(200);
  });
});

describe('request log', () => {
  it('records method, path, query, headers of interest, what the request addressed and the status', async () => {
    await get('cluster1', '/apis/networking.istio.io/v1/namespaces/sample/destinationrules?limit=500&labelSelector=a%3Db', {Accept: 'application/json', 'User-Agent': 'sim-test/1.0'});
    await get('cluster1', '/api/v1/nodes');
    expect(sim.requests[0]).toMatchObject({
      context: 'cluster1',
      method: 'GET',
      path: '/apis/networking.istio.io/v1/namespaces/sample/destinationrules',
      query: {limit: '500', labelSelector: 'a=b'},
      headers: {accept: 'application/json', userAgent: 'sim-test/1.0'},
      auth: 'ok',
      verb: 'list',
      group: 'networking.istio.io',
      version: 'v1',
      resource: 'destinationrules',
      namespace: 'sample',
      upgrade: false,
      dryRun: false,
      status: 200,
    });
    expect(sim.requests[0]!.name).toBeUndefined();
    expect(sim.requests[1]).toMatchObject({verb: 'list', resource: 'nodes', status: 403});
    expect(sim.requests[1]!.namespace).toBeUndefined();
  });

  it('counts writes as mutating, and exec/port-forward streams only when asked', async () => {
    await get('cluster1', '/api/v1/pods');
    expect(sim.mutatingRequests()).toEqual([]);
    await simRequest(sim, 'cluster1', '/apis/networking.istio.io/v1/namespaces/sample/destinationrules/helloworld?dryRun=All', {
      method: 'PATCH',
      headers: {'Content-Type': 'application/merge-patch+json'},
      body: '{"metadata":{"labels":{"x":"y"}}}',
    });
    await simRequest(sim, 'cluster1', '/api/v1/namespaces/sample/pods/helloworld-v1-1/portforward?ports=15000', {method: 'POST'});
    const writes = sim.mutatingRequests();
    expect(writes.map((r) => [r.method, r.verb, r.dryRun, r.status])).toEqual([['PATCH', 'patch', true, 200]]);
    const withStreams = sim.mutatingRequests({includeStreams: true});
    expect(withStreams.map((r) => [r.verb, r.subresource, r.stream ?? null])).toEqual([
      ['patch', undefined, null],
      ['create', 'portforward', 'portforward'],
    ]);
    expect(sim.mutatingRequests({context: 'cluster2'})).toEqual([]);
  });
});

describe('loading objects', () => {
  it('fills uid, resourceVersion and creationTimestamp where missing, keeps those given', async () => {
    const ns = (await get('cluster3', '/api/v1/namespaces/sample')).json;
    expect(ns.metadata).toMatchObject({uid: 'fixed-uid', resourceVersion: '5000'});
    const gw = (await get('cluster3', '/apis/gateway.networking.k8s.io/v1/namespaces/sample/gateways/waypoint')).json;
    expect(gw.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number(gw.metadata.resourceVersion)).toBeGreaterThan(5000);
    expect(gw.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
  });

  it('skips Envoy dumps and reads nested folders, JSON and kind: List files', async () => {
    const ns = (await get('cluster1', '/api/v1/namespaces')).json;
    expect(names(ns)).toEqual(['istio-system', 'other', 'sample']);
    expect(names((await get('cluster1', '/api/v1/services')).json)).toEqual(['other/sleep', 'sample/helloworld']);
    expect(names((await get('cluster1', '/apis/networking.istio.io/v1/serviceentries')).json)).toEqual(['sample/external']);
  });

  it('refuses inputs it cannot serve faithfully, with a clear message', async () => {
    const dir = await fs.mkdtemp(path.join(tmpdir(), 'sim-bad-'));
    try {
      await fs.writeFile(path.join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n');
      await expect(startSimCluster({contexts: [{name: 'a', bundleDir: dir}]})).rejects.toThrow(/bad\.yaml/);
      await expect(startSimCluster({contexts: [{name: 'a', bundleDir: path.join(dir, 'missing')}]})).rejects.toThrow(/no such directory/);
    } finally {
      await fs.rm(dir, {recursive: true, force: true});
    }
    await expect(startSimCluster({contexts: [{name: 'a', objects: [{apiVersion: 'example.com/v1', kind: 'Widget', metadata: {name: 'w'}}]}]})).rejects.toThrow(/example.com\/v1 Widget is not a resource/);
    await expect(startSimCluster({contexts: [{name: 'a'}, {name: 'a'}]})).rejects.toThrow(/given twice/);
    await expect(
      startSimCluster({contexts: [{name: 'a', notInstalled: ['networking.istio.io'], objects: [{apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'd', namespace: 'n'}}]}]}),
    ).rejects.toThrow(/declared not installed but has objects/);
    await expect(startSimCluster({contexts: [{name: 'a', installed: ['networking.istio.oi']}]})).rejects.toThrow(/unknown API group/);
  });
});

describe('kubeconfig', () => {
  it('writes one cluster, user and context per simulated context, CA embedded, mode 0600', async () => {
    const dir = await fs.mkdtemp(path.join(tmpdir(), 'sim-kc-'));
    try {
      const file = await sim.writeKubeconfig(dir);
      expect(((await fs.stat(file)).mode & 0o777).toString(8)).toBe('600');
      const kc = parseYaml(await fs.readFile(file, 'utf8'));
      expect(kc['current-context']).toBe('cluster1');
      expect(kc.contexts.map((c: {name: string}) => c.name)).toEqual(['cluster1', 'cluster2', 'cluster3']);
      expect(kc.contexts[1].context).toEqual({cluster: 'sim-cluster2', user: 'sim-cluster2-user'});
      expect(kc.clusters[1].cluster.server).toBe(sim.contexts[1]!.server);
      expect(Buffer.from(kc.clusters[1].cluster['certificate-authority-data'], 'base64').toString()).toBe(sim.caPem);
      expect(kc.users[1].user).toEqual({token: 'cluster2-token'});
      const other = parseYaml(sim.kubeconfig({currentContext: 'cluster3', namespace: 'sample'}));
      expect(other['current-context']).toBe('cluster3');
      expect(other.contexts[0].context.namespace).toBe('sample');
      expect(() => sim.kubeconfig({currentContext: 'nope'})).toThrow(/no simulated context/);
    } finally {
      await fs.rm(dir, {recursive: true, force: true});
    }
  });
});
