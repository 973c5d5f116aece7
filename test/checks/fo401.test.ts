import {describe, expect, it} from 'vitest';
import {fo401} from '../../src/checks/fo401-global-label-missing.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {HELLOWORLD_DR, seed000, seed000Pair} from './fo40-fixtures.js';

const CUSTOM_SCOPE = `serviceScopeConfigs:
- servicesSelector:
    matchLabels: {mesh.example.com/export: "yes"}
  scope: GLOBAL
`;

const LOCAL_ONLY = `apiVersion: v1
kind: Service
metadata: {name: cache, namespace: sample}
spec: {selector: {app: cache}, ports: [{port: 6379}]}`;

const cases: {name: string; contexts: Record<string, string>; expect: string[]}[] = [
  {name: 'seed 000 done right', contexts: seed000Pair(), expect: []},
  {
    name: 'helloworld global in cluster1 only',
    contexts: seed000Pair({}, {serviceGlobal: false, waypointGlobal: false}),
    expect: ['FO401 Service sample/helloworld @cluster2'],
  },
  {
    name: 'helloworld unlabelled in cluster2 but its waypoint is global there: global through the waypoint',
    contexts: seed000Pair({}, {serviceGlobal: false}),
    expect: [],
  },
  {
    name: 'global nowhere, DestinationRule ranks by cluster (ambient): both clusters',
    contexts: seed000Pair({serviceGlobal: false, waypointGlobal: false}, {serviceGlobal: false, waypointGlobal: false}),
    expect: ['FO401 Service sample/helloworld @cluster1', 'FO401 Service sample/helloworld @cluster2'],
  },
  {
    name: 'global nowhere, DestinationRule only in cluster1: still both clusters need the label',
    contexts: seed000Pair({serviceGlobal: false, waypointGlobal: false}, {serviceGlobal: false, waypointGlobal: false, dr: ''}),
    expect: ['FO401 Service sample/helloworld @cluster1', 'FO401 Service sample/helloworld @cluster2'],
  },
  {
    name: 'global nowhere, DestinationRule ranks by network (port level)',
    contexts: seed000Pair(
      {serviceGlobal: false, waypointGlobal: false, dr: HELLOWORLD_DR.replace('failoverPriority:\n        - topology.istio.io/cluster', 'failoverPriority:\n        - topology.istio.io/network=network1')},
      {serviceGlobal: false, waypointGlobal: false, dr: ''},
    ),
    expect: ['FO401 Service sample/helloworld @cluster1', 'FO401 Service sample/helloworld @cluster2'],
  },
  {
    name: 'deliberately cluster-local: non-global everywhere, DestinationRule without cluster/network priority',
    contexts: seed000Pair(
      {serviceGlobal: false, waypointGlobal: false, dr: HELLOWORLD_DR.replace('topology.istio.io/cluster', 'topology.kubernetes.io/zone')},
      {serviceGlobal: false, waypointGlobal: false, dr: HELLOWORLD_DR.replace('topology.istio.io/cluster', 'topology.kubernetes.io/zone')},
    ),
    expect: [],
  },
  {
    name: 'deliberately cluster-local: a service in one context only, not global',
    contexts: seed000Pair({extra: LOCAL_ONLY}, {}),
    expect: [],
  },
  {
    name: 'a global service that exists in one context only is not this check\'s (FO403)',
    contexts: seed000Pair({}, {noHelloworld: true}),
    expect: [],
  },
  {
    name: 'sidecar services: the label means nothing, never flagged',
    contexts: {
      cluster1: `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop, labels: {istio.io/global: "true"}}
spec: {selector: {app: cart}, ports: [{port: 80}]}`,
      cluster2: `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec: {selector: {app: cart}, ports: [{port: 80}]}`,
    },
    expect: [],
  },
  {
    name: 'custom serviceScopeConfigs: istio.io/global=true does not make it global in cluster2',
    contexts: seed000Pair(
      {mesh: CUSTOM_SCOPE, serviceGlobal: false, waypointGlobal: false, dr: "", extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: sample, labels: {mesh.example.com/export: "yes"}}\nspec: {ports: [{port: 80}]}'},
      {mesh: CUSTOM_SCOPE, serviceGlobal: false, waypointGlobal: false, dr: "", extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: sample, labels: {istio.io/global: "true"}}\nspec: {ports: [{port: 80}]}'},
    ),
    expect: ['FO401 Service sample/api @cluster2'],
  },
  {
    name: 'the waypoint Service itself is left to FO402',
    contexts: seed000Pair({}, {waypointGlobal: false}),
    expect: [],
  },
  {
    name: 'one context, ambient, cluster failoverPriority, global nowhere',
    contexts: {cluster1: seed000('cluster1', 'network1', {serviceGlobal: false, waypointGlobal: false})},
    expect: ['FO401 Service sample/helloworld @cluster1'],
  },
];

describe('FO401 global-label-missing', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo401.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('remediation labels the Service in the context where it is missing, with the mesh\'s own label', () => {
    const [f] = fo401.run(snapshotFromYaml(seed000Pair({}, {serviceGlobal: false, waypointGlobal: false})));
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster2 -n sample label service helloworld istio.io/global=true --overwrite']);
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {metadata: {labels: {'istio.io/global': 'true'}}}});
    expect(f!.details).toMatchObject({globalIn: ['cluster1'], notGlobalIn: 'cluster2'});
    expect(f!.message).toContain('global in cluster1 but not in cluster2');
  });

  it('remediation uses the label the serviceScopeConfigs select', () => {
    const s = snapshotFromYaml(
      seed000Pair(
        {mesh: CUSTOM_SCOPE, serviceGlobal: false, waypointGlobal: false, dr: "", extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: sample, labels: {mesh.example.com/export: "yes"}}\nspec: {ports: [{port: 80}]}'},
        {mesh: CUSTOM_SCOPE, serviceGlobal: false, waypointGlobal: false, dr: "", extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: sample}\nspec: {ports: [{port: 80}]}'},
      ),
    );
    const [f] = fo401.run(s);
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster2 -n sample label service api mesh.example.com/export=yes --overwrite']);
  });

  it('says when a namespaceSelector in serviceScopeConfigs also has to match', () => {
    const scoped = `serviceScopeConfigs:
- namespaceSelector: {matchLabels: {mesh.example.com/shared: "true"}}
  servicesSelector: {matchLabels: {istio.io/global: "true"}}
  scope: GLOBAL
`;
    const s = snapshotFromYaml(seed000Pair({serviceGlobal: false, waypointGlobal: false, mesh: scoped}, {serviceGlobal: false, waypointGlobal: false, mesh: scoped}));
    const found = fo401.run(s);
    expect(keysOf(found)).toEqual(['FO401 Service sample/helloworld @cluster1', 'FO401 Service sample/helloworld @cluster2']);
    expect(found[0]!.remediation!.summary).toContain('namespaceSelector');
  });
});
