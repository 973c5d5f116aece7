import {describe, expect, it} from 'vitest';
import {fo402} from '../../src/checks/fo402-waypoint-global-label-missing.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {seed000, seed000Pair} from './fo40-fixtures.js';

/** A second waypoint in namespace `mesh-waypoints`, used through istio.io/use-waypoint-namespace. */
const SHARED_WAYPOINT = (global: boolean) => `apiVersion: v1
kind: Namespace
metadata: {name: mesh-waypoints, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: mesh-waypoints}
spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
---
apiVersion: v1
kind: Service
metadata: {name: shared, namespace: mesh-waypoints, labels: {${global ? 'istio.io/global: "true"' : 'gateway.networking.k8s.io/gateway-name: shared'}}}
spec: {ports: [{port: 15008}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: sample, labels: {istio.io/global: "true", istio.io/use-waypoint: shared, istio.io/use-waypoint-namespace: mesh-waypoints}}
spec: {selector: {app: api}, ports: [{port: 80}]}`;

const cases: {name: string; contexts: Record<string, string>; expect: string[]}[] = [
  {name: 'seed 000 done right', contexts: seed000Pair(), expect: []},
  {name: 'waypoint Service not global in cluster2', contexts: seed000Pair({}, {waypointGlobal: false}), expect: ['FO402 Service sample/waypoint @cluster2']},
  {
    name: 'waypoint Service not global anywhere',
    contexts: seed000Pair({waypointGlobal: false}, {waypointGlobal: false}),
    expect: ['FO402 Service sample/waypoint @cluster1', 'FO402 Service sample/waypoint @cluster2'],
  },
  {
    name: 'the service is global in cluster1 only: cluster2\'s waypoint still needs the label',
    contexts: seed000Pair({}, {serviceGlobal: false, waypointGlobal: false}),
    expect: ['FO402 Service sample/waypoint @cluster2'],
  },
  {
    name: 'no global service uses the waypoint: nothing to say',
    contexts: seed000Pair({serviceGlobal: false, waypointGlobal: false}, {serviceGlobal: false, waypointGlobal: false}),
    expect: [],
  },
  {
    name: 'the waypoint Service does not exist (FO303\'s finding, not this one)',
    contexts: {cluster1: seed000('cluster1', 'network1').replace(/kind: Service\nmetadata: \{name: waypoint[\s\S]*?ports: \[\{name: mesh, port: 15008\}\]/, 'kind: ConfigMap\nmetadata: {name: placeholder, namespace: sample}')},
    expect: [],
  },
  {
    name: 'binding through istio.io/use-waypoint-namespace, shared waypoint not global',
    contexts: seed000Pair({extra: SHARED_WAYPOINT(false)}, {extra: SHARED_WAYPOINT(true)}),
    expect: ['FO402 Service mesh-waypoints/shared @cluster1'],
  },
  {
    name: 'namespace-level binding',
    contexts: {
      cluster1: seed000('cluster1', 'network1', {waypointGlobal: false})
        .replace('istio.io/use-waypoint: waypoint, ', '')
        .replace('{name: sample, labels: {istio.io/dataplane-mode: ambient}}', '{name: sample, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}'),
    },
    expect: ['FO402 Service sample/waypoint @cluster1'],
  },
  {
    name: 'the Service opts out of the namespace waypoint (use-waypoint: none)',
    contexts: {
      cluster1: seed000('cluster1', 'network1', {waypointGlobal: false})
        .replace('istio.io/use-waypoint: waypoint, ', 'istio.io/use-waypoint: none, ')
        .replace('{name: sample, labels: {istio.io/dataplane-mode: ambient}}', '{name: sample, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}'),
    },
    expect: [],
  },
];

describe('FO402 waypoint-global-label-missing', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo402.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('remediation labels the waypoint Service in that context', () => {
    const [f] = fo402.run(snapshotFromYaml(seed000Pair({}, {waypointGlobal: false})));
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster2 -n sample label service waypoint istio.io/global=true --overwrite']);
    expect(f!.details).toMatchObject({waypoint: 'sample/waypoint', services: ['sample/helloworld'], globalIn: ['cluster1', 'cluster2']});
  });
});
