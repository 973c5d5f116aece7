import {describe, expect, it} from 'vitest';
import {fo408} from '../../src/checks/fo408-remote-cluster-not-connected.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {istiod, remoteSecret, seed000, seed000Pair, seed003Pair} from './fo40-fixtures.js';

/** A remote cluster of a primary-remote mesh: no istiod, an injected pod that carries the cluster ID (or not). */
const remote = (clusterIdOnPod?: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: helloworld-v2, namespace: sample}
spec: {template: {spec: {containers: [{name: helloworld}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: helloworld-v2-abc, namespace: sample, labels: {app: helloworld}}
spec:
  containers:
  - name: helloworld
  - name: istio-proxy
${clusterIdOnPod ? `    env: [{name: ISTIO_META_CLUSTER_ID, value: ${clusterIdOnPod}}]\n` : ''}status: {phase: Running}`;

const cases: {name: string; contexts: Record<string, string>; expect: string[]}[] = [
  {name: 'seed 000 done right: remote secrets both ways', contexts: seed000Pair(), expect: []},
  {name: 'cluster1 has no remote secret for cluster2', contexts: seed000Pair({remoteSecretsFor: []}), expect: ['FO408 Secret istio-system/istio-remote-secret-cluster2 @cluster1']},
  {
    name: 'neither has one',
    contexts: seed000Pair({remoteSecretsFor: []}, {remoteSecretsFor: []}),
    expect: ['FO408 Secret istio-system/istio-remote-secret-cluster1 @cluster2', 'FO408 Secret istio-system/istio-remote-secret-cluster2 @cluster1'],
  },
  {
    name: 'a remote secret for some other cluster does not count for a peer with a known ID',
    contexts: seed000Pair({remoteSecretsFor: ['cluster9']}),
    expect: ['FO408 Secret istio-system/istio-remote-secret-cluster2 @cluster1'],
  },
  {
    name: 'the secret is recognised by its name when it has no annotation',
    contexts: seed000Pair({remoteSecretsFor: [], extra: remoteSecret('cluster2', {annotate: false})}),
    expect: [],
  },
  {
    name: 'the annotation wins over the name',
    contexts: seed000Pair({remoteSecretsFor: [], extra: remoteSecret('cluster2', {name: 'peer-a'})}),
    expect: [],
  },
  {
    name: 'a secret without the istio/multiCluster label is not a remote secret',
    contexts: seed000Pair({remoteSecretsFor: [], extra: remoteSecret('cluster2').replace('labels: {istio/multiCluster: "true"}', 'labels: {other: x}')}),
    expect: ['FO408 Secret istio-system/istio-remote-secret-cluster2 @cluster1'],
  },
  {name: 'one context: no peer to connect', contexts: {cluster1: seed000('cluster1', 'network1', {remoteSecretsFor: []})}, expect: []},
  {name: 'seed 003 (Tetrate): no remote secrets, by design', contexts: seed003Pair(), expect: []},
  {
    name: 'both clusters kept the default cluster ID',
    contexts: seed000Pair({clusterId: 'Kubernetes'}, {clusterId: 'Kubernetes'}),
    expect: ['FO408 Deployment istio-system/istiod @cluster2'],
  },
  {
    name: 'cluster IDs unknown on both sides: context names differ, no clash; secrets named after the contexts',
    contexts: seed000Pair({clusterId: null}, {clusterId: null}),
    expect: [],
  },
  {
    name: 'primary-remote: the primary watches the remote, the remote needs no secret',
    contexts: {cluster1: seed000('cluster1', 'network1'), cluster2: remote('cluster2')},
    expect: [],
  },
  {
    name: 'primary-remote: the primary does not watch the remote',
    contexts: {cluster1: seed000('cluster1', 'network1', {remoteSecretsFor: []}), cluster2: remote('cluster2')},
    expect: ['FO408 Secret istio-system/istio-remote-secret-cluster2 @cluster1'],
  },
  {
    name: 'the remote\'s cluster ID is read from its proxies, not its context name',
    contexts: {cluster1: seed000('cluster1', 'network1', {remoteSecretsFor: ['east-2']}), 'kind-east-2': remote('east-2')},
    expect: [],
  },
  {
    name: 'remote ID unknown and the primary has a secret for an unknown cluster: do not guess',
    contexts: {cluster1: seed000('cluster1', 'network1', {remoteSecretsFor: ['east-2']}), 'kind-east-2': remote()},
    expect: [],
  },
  {
    name: 'remote ID unknown and no secret at all',
    contexts: {cluster1: seed000('cluster1', 'network1', {remoteSecretsFor: []}), 'kind-east-2': remote()},
    expect: ['FO408 Secret istio-system/istio-remote-secret-kind-east-2 @cluster1'],
  },
  {
    name: 'different mesh IDs: not peers',
    contexts: seed000Pair({remoteSecretsFor: [], mesh: 'defaultConfig: {meshId: a}\n'}, {remoteSecretsFor: [], mesh: 'defaultConfig: {meshId: b}\n'}),
    expect: [],
  },
  {
    name: 'revisioned istiod counts as a primary',
    contexts: {
      cluster1: seed000('cluster1', 'network1', {remoteSecretsFor: []}).replace(istiod('cluster1'), istiod('cluster1', 'istiod-1-27')),
      cluster2: seed000('cluster2', 'network2'),
    },
    expect: ['FO408 Secret istio-system/istio-remote-secret-cluster2 @cluster1'],
  },
];

describe('FO408 remote-cluster-not-connected', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo408.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('remediation is istioctl create-remote-secret from the peer into the primary', () => {
    const [f] = fo408.run(snapshotFromYaml(seed000Pair({remoteSecretsFor: []})));
    expect(f!.remediation!.commands).toEqual(['istioctl create-remote-secret --context=cluster2 --name=cluster2 | kubectl --context cluster1 apply -f -']);
    expect(f!.details).toMatchObject({primary: 'cluster1', peer: 'cluster2', peerClusterId: 'cluster2', clusterIdSource: 'istiod'});
  });

  it('says when the cluster ID is only assumed from the context name', () => {
    const [f] = fo408.run(snapshotFromYaml({cluster1: seed000('cluster1', 'network1', {remoteSecretsFor: []}), 'kind-east-2': remote()}));
    expect(f!.message).toContain('assumed to be the context name');
    expect(f!.remediation!.commands).toEqual(['istioctl create-remote-secret --context=kind-east-2 --name=kind-east-2 | kubectl --context cluster1 apply -f -']);
  });

  it('the default-ID clash says so and suggests a unique name', () => {
    const [f] = fo408.run(snapshotFromYaml(seed000Pair({clusterId: 'Kubernetes'}, {clusterId: 'Kubernetes'})));
    expect(f!.message).toContain("Istio's default");
    expect(f!.remediation!.commands[1]).toBe('helm upgrade istiod istio/istiod -n istio-system --kube-context cluster2 --reuse-values --set global.multiCluster.clusterName=cluster2');
  });
});

describe('FO408 and clusters without Istio', () => {
  it('a cluster of the run that runs no Istio is not a peer', () => {
    const plain = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec: {template: {spec: {containers: [{name: web}]}}}';
    expect(keysOf(fo408.run(snapshotFromYaml({...seed000Pair(), tools: plain})))).toEqual([]);
  });
});
