import {describe, expect, it} from 'vitest';
import {fo405} from '../../src/checks/fo405-eastwest-gateway-no-address.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {istioConfigMap, seed000Pair} from './fo40-fixtures.js';

/** A sidecar-mode east-west gateway as samples/multicluster produces it. */
function sidecarEastWest(o: {type?: string; ingress?: string; externalIPs?: string[]; pods?: boolean; service?: boolean; port?: number; tlsMode?: string; annotations?: string; nodes?: string} = {}): string {
  const docs = [
    `apiVersion: v1
kind: Namespace
metadata: {name: istio-system, labels: {topology.istio.io/network: network1}}`,
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross-network-gateway, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: ${o.port ?? 15443}, name: tls, protocol: TLS}
    tls: {mode: ${o.tlsMode ?? 'AUTO_PASSTHROUGH'}}
    hosts: ["*.local"]`,
  ];
  if (o.service !== false) {
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: istio-eastwestgateway, namespace: istio-system, labels: {istio: eastwestgateway, topology.istio.io/network: network1}${o.annotations ? `, annotations: ${o.annotations}` : ''}}
spec:
  type: ${o.type ?? 'LoadBalancer'}
  clusterIP: 10.0.0.15
  selector: {app: istio-eastwestgateway, istio: eastwestgateway}
  ports: [{name: tls, port: 15443, targetPort: 15443}]
${o.externalIPs ? `  externalIPs: [${o.externalIPs.join(', ')}]\n` : ''}status:
  loadBalancer: {${o.ingress ? `ingress: [${o.ingress}]` : ''}}`);
  }
  if (o.pods !== false) {
    docs.push(`apiVersion: v1
kind: Pod
metadata: {name: istio-eastwestgateway-7d9f, namespace: istio-system, labels: {app: istio-eastwestgateway, istio: eastwestgateway, topology.istio.io/network: network1}}
spec: {containers: [{name: istio-proxy}]}
status: {phase: Running}`);
  }
  if (o.nodes) docs.push(o.nodes);
  return docs.join('\n---\n');
}

const cases: {name: string; contexts: Record<string, string>; expect: string[]}[] = [
  {name: 'seed 000 done right (ambient, status.addresses)', contexts: seed000Pair(), expect: []},
  {name: 'ambient: no status.addresses', contexts: seed000Pair({}, {eastWestAddresses: []}), expect: ['FO405 Gateway istio-system/istio-eastwestgateway @cluster2']},
  {name: 'ambient: only the ClusterIP reported', contexts: seed000Pair({}, {eastWestAddresses: ['10.80.6.124']}), expect: ['FO405 Gateway istio-system/istio-eastwestgateway @cluster2']},
  {
    name: 'ambient: only the internal hostname reported',
    contexts: seed000Pair({}, {eastWestAddresses: ['istio-eastwestgateway.istio-system.svc.cluster.local']}),
    expect: ['FO405 Gateway istio-system/istio-eastwestgateway @cluster2'],
  },
  {name: 'ambient: an external hostname counts', contexts: seed000Pair({}, {eastWestAddresses: ['a1b2.elb.amazonaws.com']}), expect: []},
  {
    name: 'ambient: status not yet set but the Service has an LB ingress',
    contexts: seed000Pair({}, {eastWestAddresses: [], serviceIngress: ['34.122.91.98']}),
    expect: [],
  },
  {name: 'sidecar: LoadBalancer pending', contexts: {cluster1: sidecarEastWest()}, expect: ['FO405 Service istio-system/istio-eastwestgateway @cluster1']},
  {name: 'sidecar: LoadBalancer with an ingress IP', contexts: {cluster1: sidecarEastWest({ingress: '{ip: 34.1.2.3}'})}, expect: []},
  {name: 'sidecar: LoadBalancer with an ingress hostname', contexts: {cluster1: sidecarEastWest({ingress: '{hostname: ew.example.com}'})}, expect: []},
  {name: 'sidecar: ClusterIP with externalIPs', contexts: {cluster1: sidecarEastWest({type: 'ClusterIP', externalIPs: ['192.0.2.10']})}, expect: []},
  {name: 'sidecar: ClusterIP, nothing else', contexts: {cluster1: sidecarEastWest({type: 'ClusterIP'})}, expect: ['FO405 Service istio-system/istio-eastwestgateway @cluster1']},
  {
    name: 'sidecar: meshNetworks gives the gateway address (in this context)',
    contexts: {cluster1: `${sidecarEastWest()}\n---\n${istioConfigMap('{}', 'networks:\n  network1:\n    endpoints: [{fromRegistry: cluster1}]\n    gateways: [{address: 192.0.2.50, port: 15443}]\n')}`},
    expect: [],
  },
  {
    name: 'sidecar: meshNetworks of a peer context gives the address',
    contexts: {cluster1: sidecarEastWest(), cluster2: istioConfigMap('{}', 'networks:\n  network1:\n    gateways:\n    - address: 192.0.2.50\n      port: 15443\n')},
    expect: [],
  },
  {
    name: 'sidecar: meshNetworks address for another network does not count',
    contexts: {cluster1: `${sidecarEastWest()}\n---\n${istioConfigMap('{}', 'networks:\n  network9:\n    gateways: [{address: 192.0.2.50, port: 15443}]\n')}`},
    expect: ['FO405 Service istio-system/istio-eastwestgateway @cluster1'],
  },
  {
    name: 'sidecar: meshNetworks gateway by registryServiceName is not an address',
    contexts: {cluster1: `${sidecarEastWest()}\n---\n${istioConfigMap('{}', 'networks:\n  network1:\n    gateways: [{registryServiceName: istio-eastwestgateway.istio-system.svc.cluster.local, port: 15443}]\n')}`},
    expect: ['FO405 Service istio-system/istio-eastwestgateway @cluster1'],
  },
  {
    name: 'sidecar: NodePort gateway with traffic.istio.io/nodeSelector and a node ExternalIP',
    contexts: {
      cluster1: sidecarEastWest({
        type: 'NodePort',
        annotations: `{traffic.istio.io/nodeSelector: '{"gw": "yes"}'}`,
        nodes: 'apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {gw: "yes"}}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.2}, {type: ExternalIP, address: 198.51.100.7}]}',
      }),
    },
    expect: [],
  },
  {name: 'sidecar: matched by selector containment when no pods were read', contexts: {cluster1: sidecarEastWest({pods: false})}, expect: ['FO405 Service istio-system/istio-eastwestgateway @cluster1']},
  {name: 'sidecar: the 15443 Gateway selects pods no Service backs', contexts: {cluster1: sidecarEastWest({service: false})}, expect: ['FO405 Gateway istio-system/cross-network-gateway @cluster1']},
  {name: 'not an east-west gateway: port 443 SIMPLE', contexts: {cluster1: sidecarEastWest({port: 443, tlsMode: 'SIMPLE'})}, expect: []},
  {name: 'not an east-west gateway: 15443 ISTIO_MUTUAL', contexts: {cluster1: sidecarEastWest({tlsMode: 'ISTIO_MUTUAL'})}, expect: []},
];

describe('FO405 eastwest-gateway-no-address', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo405.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('ClusterIP Service: the fix is a patch to LoadBalancer', () => {
    const [f] = fo405.run(snapshotFromYaml({cluster1: sidecarEastWest({type: 'ClusterIP'})}));
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {spec: {type: 'LoadBalancer'}}});
    expect(f!.remediation!.commands[0]).toBe(`kubectl --context cluster1 -n istio-system patch service istio-eastwestgateway --type merge -p '{"spec":{"type":"LoadBalancer"}}'`);
    expect(f!.remediation!.snippet).toContain('fromRegistry: cluster1');
  });

  it('pending LoadBalancer: commands that show why', () => {
    const [f] = fo405.run(snapshotFromYaml({cluster1: sidecarEastWest()}));
    expect(f!.remediation!.commands).toEqual([
      'kubectl --context cluster1 -n istio-system describe service istio-eastwestgateway',
      'kubectl --context cluster1 -n istio-system get events --field-selector involvedObject.kind=Service,involvedObject.name=istio-eastwestgateway',
    ]);
  });

  it('ambient: reports the internal address it saw', () => {
    const [f] = fo405.run(snapshotFromYaml(seed000Pair({}, {eastWestAddresses: ['10.80.6.124']})));
    expect(f!.details).toMatchObject({kind: 'ambient', internalAddresses: ['10.80.6.124'], services: ['istio-system/istio-eastwestgateway']});
    expect(f!.message).toContain('only cluster-internal 10.80.6.124');
  });
});
