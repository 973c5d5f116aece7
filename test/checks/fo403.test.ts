import {describe, expect, it} from 'vitest';
import {fo403} from '../../src/checks/fo403-service-missing-in-peer.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {HELLOWORLD_DR, seed000, seed000Pair, seed003Pair} from './fo40-fixtures.js';

const HELLOWORLD_IN_OTHER_NS = `apiVersion: v1
kind: Service
metadata: {name: helloworld, namespace: sample-prod, labels: {istio.io/global: "true"}}
spec: {selector: {app: helloworld}, ports: [{port: 5000}]}`;

const SIDECAR_SVC = (extraLabels = '') => `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop, labels: {app: cart${extraLabels}}}
spec: {selector: {app: cart}, ports: [{port: 80}]}`;

const cases: {name: string; contexts: Record<string, string>; expect: string[]}[] = [
  {name: 'seed 000 done right', contexts: seed000Pair(), expect: []},
  {name: 'helloworld global in cluster1, absent from cluster2', contexts: seed000Pair({}, {noHelloworld: true}), expect: ['FO403 Service sample/helloworld @cluster1']},
  {
    name: 'a same-name Service in another namespace does not count',
    contexts: seed000Pair({}, {noHelloworld: true, extra: HELLOWORLD_IN_OTHER_NS}),
    expect: ['FO403 Service sample-prod/helloworld @cluster2', 'FO403 Service sample/helloworld @cluster1'],
  },
  {name: 'one context read: cannot know', contexts: {cluster1: seed000('cluster1', 'network1')}, expect: []},
  {
    name: 'not global, no cross-cluster DestinationRule: deliberately local',
    contexts: seed000Pair({serviceGlobal: false, waypointGlobal: false, dr: HELLOWORLD_DR.replace('topology.istio.io/cluster', 'topology.kubernetes.io/zone')}, {noHelloworld: true}),
    expect: [],
  },
  {
    name: 'not global, but failoverPriority on topology.istio.io/cluster (sidecar)',
    contexts: {cluster1: `${SIDECAR_SVC()}\n---\n${HELLOWORLD_DR.replace(/helloworld/g, 'cart').replace(/sample/g, 'shop')}`, cluster2: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}'},
    expect: ['FO403 Service shop/cart @cluster1'],
  },
  {
    name: 'a WorkloadEntry on another network stands in for remote instances',
    contexts: {
      cluster1: `${SIDECAR_SVC()}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: cart-remote, namespace: shop}
spec: {address: 35.1.2.3, labels: {app: cart}, network: network2}`,
      cluster2: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: istio-system, labels: {topology.istio.io/network: network2}}',
    },
    expect: ['FO403 Service shop/cart @cluster1'],
  },
  {
    name: 'a WorkloadEntry on the cluster\'s own network (a local VM) is not a remote stand-in',
    contexts: {
      cluster1: `apiVersion: v1
kind: Namespace
metadata: {name: istio-system, labels: {topology.istio.io/network: network1}}
---
${SIDECAR_SVC()}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: cart-vm, namespace: shop}
spec: {address: 10.1.2.3, labels: {app: cart}, network: network1}`,
      cluster2: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
    },
    expect: [],
  },
  {name: 'seed 003 (Tetrate): every bookinfo service exists in both clusters', contexts: seed003Pair(), expect: []},
  {
    name: 'seed 003 with details missing from cluster-2: cluster-1\'s details has Tetrate WorkloadEntries',
    contexts: seed003Pair({}, {without: ['details']}),
    expect: ['FO403 Service bookinfo/details @cluster-1'],
  },
  {
    name: 'seed 003: productpage (no WorkloadEntry, not exposed) missing from cluster-2 is not flagged',
    contexts: seed003Pair({}, {without: ['productpage']}),
    expect: [],
  },
];

describe('FO403 service-missing-in-peer', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo403.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('names the same-name Service of another namespace and gives an apply for the peer', () => {
    const found = fo403.run(snapshotFromYaml(seed000Pair({}, {noHelloworld: true, extra: HELLOWORLD_IN_OTHER_NS})));
    const f = found.find((x) => x.context === 'cluster1')!;
    expect(f.message).toContain('exists in another namespace (cluster2: sample-prod/helloworld)');
    expect(f.details).toMatchObject({sameNameOtherNamespace: ['cluster2: sample-prod/helloworld'], peersChecked: ['cluster2']});
    expect(f.remediation!.commands).toHaveLength(1); // namespace sample exists in cluster2
    expect(f.remediation!.commands[0]).toMatch(/^kubectl --context cluster2 apply -f - <<'EOF'\n[\s\S]*name: helloworld\n[\s\S]*namespace: sample\n[\s\S]*EOF$/);
    expect(f.remediation!.snippet).not.toContain('clusterIP');
  });

  it('creates the namespace in the peer when it is missing there', () => {
    const [f] = fo403.run(snapshotFromYaml({cluster1: `${SIDECAR_SVC()}\n---\n${HELLOWORLD_DR.replace(/helloworld/g, 'cart').replace(/sample/g, 'shop')}`, cluster2: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}'}));
    expect(f!.remediation!.commands[0]).toBe('kubectl --context cluster2 create namespace shop');
  });
});
