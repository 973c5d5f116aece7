/** PATCH on the simulated cluster: the three patch types, dry-run, and the server's refusals. */
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {simRequest} from '../support/sim/client.js';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';
import {jsonPatch, mergePatch, strategicMergePatch, type Json} from '../support/sim/patch.js';

describe('mergePatch (RFC 7386)', () => {
  it.each([
    [{a: 'b'}, {a: 'c'}, {a: 'c'}],
    [{a: 'b'}, {b: 'c'}, {a: 'b', b: 'c'}],
    [{a: 'b'}, {a: null}, {}],
    [{a: 'b', b: 'c'}, {a: null}, {b: 'c'}],
    [{a: ['b']}, {a: 'c'}, {a: 'c'}],
    [{a: 'c'}, {a: ['b']}, {a: ['b']}],
    [{a: {b: 'c'}}, {a: {b: 'd', c: null}}, {a: {b: 'd'}}],
    [{a: [{b: 'c'}]}, {a: [1]}, {a: [1]}],
    [{e: null}, {a: 1}, {e: null, a: 1}],
    [{}, {a: {bb: {ccc: null}}}, {a: {bb: {}}}],
  ])('%j + %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});

describe('jsonPatch (RFC 6902)', () => {
  const doc = {metadata: {labels: {a: '1'}}, spec: {list: [1, 2, 3]}};
  it('applies add, replace, remove, move, copy and test in order', () => {
    const out = jsonPatch(doc, [
      {op: 'test', path: '/metadata/labels/a', value: '1'},
      {op: 'add', path: '/metadata/labels/b~1c', value: '2'},
      {op: 'replace', path: '/spec/list/0', value: 9},
      {op: 'remove', path: '/spec/list/1'},
      {op: 'add', path: '/spec/list/-', value: 4},
      {op: 'copy', from: '/spec/list', path: '/spec/copy'},
      {op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/z'},
    ]);
    expect(out).toEqual({metadata: {labels: {'b/c': '2', z: '1'}}, spec: {list: [9, 3, 4], copy: [9, 3, 4]}});
    expect(doc.spec.list).toEqual([1, 2, 3]);
  });

  it.each([
    [{op: 'test', path: '/metadata/labels/a', value: '2'}],
    [{op: 'remove', path: '/spec/missing'}],
    [{op: 'replace', path: '/spec/missing', value: 1}],
    [{op: 'add', path: '/nothing/here', value: 1}],
    [{op: 'frobnicate', path: '/spec'}],
  ])('fails on %j', (op) => {
    expect(() => jsonPatch(doc, [op])).toThrow();
  });
});

describe('strategicMergePatch', () => {
  const pod: Json = {
    spec: {
      containers: [
        {name: 'app', image: 'app:1', env: [{name: 'A', value: '1'}], ports: [{containerPort: 80, name: 'http'}]},
        {name: 'istio-proxy', image: 'proxyv2:1'},
      ],
      tolerations: [{key: 'a'}],
    },
    metadata: {finalizers: ['x']},
  };
  it('merges lists by merge key, replaces lists without one, deletes with $patch', () => {
    const out = strategicMergePatch(pod, {
      spec: {
        containers: [{name: 'app', env: [{name: 'B', value: '2'}], ports: [{containerPort: 80, protocol: 'TCP'}]}, {name: 'istio-proxy', $patch: 'delete'}],
        tolerations: [{key: 'b'}],
        $setElementOrder: {containers: [{name: 'app'}]},
      },
      metadata: {finalizers: ['y', 'x']},
    });
    expect(out).toEqual({
      spec: {
        containers: [{name: 'app', image: 'app:1', env: [{name: 'A', value: '1'}, {name: 'B', value: '2'}], ports: [{containerPort: 80, name: 'http', protocol: 'TCP'}]}],
        tolerations: [{key: 'b'}],
      },
      metadata: {finalizers: ['x', 'y']},
    });
  });
});

describe('PATCH requests', () => {
  let sim: SimCluster;
  const DR = '/apis/networking.istio.io/v1/namespaces/sample/destinationrules/reviews';
  const patch = (p: string, type: string, body: unknown) =>
    simRequest(sim, 'c', p, {method: 'PATCH', headers: {'Content-Type': type}, body: typeof body === 'string' ? body : JSON.stringify(body)});
  const stored = () => sim.object('c', 'destinationrules.networking.istio.io', 'sample', 'reviews')!;

  beforeAll(async () => {
    sim = await startSimCluster({
      contexts: [
        {
          name: 'c',
          objects: [
            {apiVersion: 'networking.istio.io/v1alpha3', kind: 'DestinationRule', metadata: {name: 'reviews', namespace: 'sample', generation: 1}, spec: {host: 'reviews'}},
            {apiVersion: 'v1', kind: 'Service', metadata: {name: 'reviews', namespace: 'sample'}, spec: {ports: [{name: 'http', port: 9080}]}},
          ],
          forbidden: [{resource: 'services', verbs: ['patch']}],
        },
      ],
    });
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(() => sim.clearRequests());

  it('dry-run answers the patched object and stores nothing', async () => {
    const before = stored();
    const r = await patch(`${DR}?dryRun=All&fieldManager=kubectl-failover`, 'application/merge-patch+json', {spec: {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}}});
    expect(r.status).toBe(200);
    expect(r.json.spec).toEqual({host: 'reviews', trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}});
    expect(r.json.apiVersion).toBe('networking.istio.io/v1');
    expect(stored()).toEqual(before);
    expect(sim.mutatingRequests()[0]).toMatchObject({verb: 'patch', dryRun: true, status: 200});
  });

  it('stores a merge patch in the version the object was written in, bumping resourceVersion and generation', async () => {
    const before = stored();
    const r = await patch(DR, 'application/merge-patch+json', {metadata: {labels: {team: 'a'}}, spec: {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}}});
    expect(r.status).toBe(200);
    const after = stored();
    expect(after.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(after.spec).toEqual({host: 'reviews', trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}});
    const [m0, m1] = [before.metadata as Record<string, string | number>, after.metadata as Record<string, string | number>];
    expect(Number(m1.resourceVersion)).toBeGreaterThan(Number(m0.resourceVersion));
    expect(m1.generation).toBe(Number(m0.generation) + 1);
    expect(m1.uid).toBe(m0.uid);
    // The next list reports the newer revision.
    const list = await simRequest(sim, 'c', '/apis/networking.istio.io/v1/destinationrules');
    expect(list.json.metadata.resourceVersion).toBe(m1.resourceVersion);
    // A patch that changes nothing changes no version.
    await patch(DR, 'application/merge-patch+json', {metadata: {labels: {team: 'a'}}});
    expect((stored().metadata as {resourceVersion: string}).resourceVersion).toBe(m1.resourceVersion);
    // Labels alone do not bump the generation.
    await patch(DR, 'application/merge-patch+json', {metadata: {labels: {team: 'b'}}});
    expect((stored().metadata as {generation: number}).generation).toBe(m1.generation);
  });

  it('applies a JSON patch, and answers 422 when it does not apply', async () => {
    const ok = await patch(DR, 'application/json-patch+json', [{op: 'replace', path: '/spec/host', value: 'reviews.sample.svc.cluster.local'}]);
    expect(ok.json.spec.host).toBe('reviews.sample.svc.cluster.local');
    const bad = await patch(DR, 'application/json-patch+json', [{op: 'test', path: '/spec/host', value: 'other'}]);
    expect(bad.json).toEqual({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422});
    const malformed = await patch(DR, 'application/json-patch+json', {op: 'add'});
    expect([malformed.status, malformed.json.reason]).toEqual([400, 'BadRequest']);
    expect(stored().spec).toMatchObject({host: 'reviews.sample.svc.cluster.local'});
  });

  it('refuses what the real server refuses', async () => {
    const cases: [Promise<{status: number; json: {reason: string; message: string}}>, number, string, RegExp][] = [
      [patch(DR, 'application/strategic-merge-patch+json', {spec: {}}), 415, 'UnsupportedMediaType', /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml$/],
      [patch(DR, 'application/apply-patch+yaml', 'spec: {}'), 415, 'UnsupportedMediaType', /unknown format/],
      [patch(DR, 'application/json', {spec: {}}), 415, 'UnsupportedMediaType', /unknown format/],
      [patch(DR.replace('reviews', 'ratings'), 'application/merge-patch+json', {spec: {}}), 404, 'NotFound', /^destinationrules.networking.istio.io "ratings" not found$/],
      [patch(DR, 'application/merge-patch+json', {metadata: {name: 'other'}}), 400, 'BadRequest', /^the name of the object \(other\) does not match the name on the URL \(reviews\)$/],
      [patch(DR, 'application/merge-patch+json', {metadata: {resourceVersion: '1'}}), 409, 'Conflict', /the object has been modified/],
      [patch(DR, 'application/merge-patch+json', '{not json'), 400, 'BadRequest', /^error decoding patch/],
      [patch(`${DR}?dryRun=Some`, 'application/merge-patch+json', {}), 400, 'BadRequest', /supported values: "All"/],
      [patch('/api/v1/namespaces/sample/services/reviews', 'application/merge-patch+json', {}), 403, 'Forbidden', /cannot patch resource "services"/],
    ];
    for (const [p, status, reason, message] of cases) {
      const r = await p;
      expect([r.status, r.json.reason]).toEqual([status, reason]);
      expect(r.json.message).toMatch(message);
    }
    expect(sim.requests.every((r) => r.status >= 400)).toBe(true);
  });
});
