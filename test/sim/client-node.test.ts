/**
 * @kubernetes/client-node 2.x against the simulated cluster, through the kubeconfig the sim
 * writes: what the live reader of the plugin builds on.
 */
import {promises as fs} from 'node:fs';
import {request, type RequestOptions} from 'node:https';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {ApiException, CoreV1Api, CustomObjectsApi, KubeConfig} from '@kubernetes/client-node';
import {startSimCluster, type SimCluster} from '../support/sim/index.js';

const FIXTURE = path.resolve('test/support/sim/fixtures/basic');

let sim: SimCluster;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  sim = await startSimCluster({
    contexts: [
      {name: 'cluster1', bundleDir: `${FIXTURE}/cluster1`, forbidden: ['nodes']},
      {name: 'cluster2', bundleDir: `${FIXTURE}/cluster2`},
    ],
  });
  dir = await fs.mkdtemp(path.join(tmpdir(), 'sim-client-node-'));
  kubeconfig = await sim.writeKubeconfig(dir);
});
afterAll(async () => {
  await sim?.close();
  if (dir) await fs.rm(dir, {recursive: true, force: true});
});
beforeEach(() => sim.clearRequests());

function load(context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  if (context) kc.setCurrentContext(context);
  return kc;
}

describe('@kubernetes/client-node', () => {
  it('loads the kubeconfig: current context first, a cluster per context', () => {
    const kc = load();
    expect(kc.getCurrentContext()).toBe('cluster1');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['cluster1', 'cluster2']);
    expect(kc.getCurrentCluster()?.server).toBe(sim.contexts[0]!.server);
  });

  it('CoreV1Api.listNamespacedPod', async () => {
    const core = load().makeApiClient(CoreV1Api);
    const list = await core.listNamespacedPod({namespace: 'sample'});
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['helloworld-v1-1', 'helloworld-v1-2', 'helloworld-v1-3', 'helloworld-v2-1', 'helloworld-v2-2']);
    expect(list.items[0]?.spec?.nodeName).toBe('node-a');
    expect(list.items[0]?.status?.podIP).toBe('10.0.0.1');
    expect(sim.requests.map((r) => [r.path, r.auth, r.status])).toEqual([['/api/v1/namespaces/sample/pods', 'ok', 200]]);
  });

  it('pages and selects with limit, _continue and labelSelector', async () => {
    const core = load().makeApiClient(CoreV1Api);
    const first = await core.listNamespacedPod({namespace: 'sample', limit: 2, labelSelector: 'version=v1'});
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['helloworld-v1-1', 'helloworld-v1-2']);
    expect(first.metadata?._continue).toBeTruthy();
    const second = await core.listNamespacedPod({namespace: 'sample', limit: 2, labelSelector: 'version=v1', _continue: first.metadata!._continue!});
    expect(second.items.map((p) => p.metadata?.name)).toEqual(['helloworld-v1-3']);
    expect(second.metadata?._continue).toBeUndefined();
    expect(sim.requests[1]!.query).toMatchObject({limit: '2', labelSelector: 'version=v1', continue: first.metadata!._continue!});
  });

  it('CustomObjectsApi.listClusterCustomObject, in the preferred and an older version', async () => {
    const custom = load().makeApiClient(CustomObjectsApi);
    const v1 = await custom.listClusterCustomObject({group: 'networking.istio.io', version: 'v1', plural: 'destinationrules'});
    expect(v1.kind).toBe('DestinationRuleList');
    expect(v1.items.map((i: {metadata: {name: string}}) => i.metadata.name)).toEqual(['sleep', 'helloworld', 'legacy']);
    const old = await custom.listClusterCustomObject({group: 'networking.istio.io', version: 'v1alpha3', plural: 'destinationrules'});
    expect(old.items.map((i: {apiVersion: string}) => i.apiVersion)).toEqual(Array(3).fill('networking.istio.io/v1alpha3'));
  });

  it('surfaces 403, 404 and 401 as ApiException with the Status body', async () => {
    const core = load().makeApiClient(CoreV1Api);
    const forbidden = await core.listNode().catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(ApiException);
    expect((forbidden as ApiException<unknown>).code).toBe(403);
    // client-node 2.x hands the body over as the raw text of the Status.
    expect(JSON.parse((forbidden as ApiException<string>).body)).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      message: 'nodes is forbidden: User "test" cannot list resource "nodes" in API group "" at the cluster scope',
    });

    const missing = await core.readNamespacedPod({namespace: 'sample', name: 'nope'}).catch((e: unknown) => e);
    expect((missing as ApiException<unknown>).code).toBe(404);

    const custom = load('cluster2').makeApiClient(CustomObjectsApi);
    const absent = await custom.listClusterCustomObject({group: 'networking.istio.io', version: 'v1', plural: 'destinationrules'}).catch((e: unknown) => e);
    expect((absent as ApiException<unknown>).code).toBe(404);

    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig().replace(/token: .*/g, 'token: stolen'));
    const denied = await kc.makeApiClient(CoreV1Api).listNamespacedPod({namespace: 'sample'}).catch((e: unknown) => e);
    expect((denied as ApiException<unknown>).code).toBe(401);
  });

  it('switches servers with the context', async () => {
    const pods = await load('cluster2').makeApiClient(CoreV1Api).listNamespacedPod({namespace: 'sample'});
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['helloworld-v2-9']);
    expect(sim.requests.map((r) => r.context)).toEqual(['cluster2']);
  });

  it('gives node:https what it needs (CA, token) through applyToHTTPSOptions, for metadata-only lists', async () => {
    const kc = load();
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${kc.getCurrentCluster()!.server}/api/v1/namespaces/istio-system/secrets?labelSelector=${encodeURIComponent('istio/multiCluster=true')}`,
        {...opts, headers: {...opts.headers, Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'}},
        (res) => {
          let s = '';
          res.on('data', (d) => (s += d));
          res.on('end', () => resolve(s));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const list = JSON.parse(body);
    expect(list.kind).toBe('PartialObjectMetadataList');
    expect(list.items.map((i: {metadata: {name: string}}) => i.metadata.name)).toEqual(['istio-remote-secret-cluster2']);
    expect(body).not.toContain('"data"');
  });
});
