import {describe, expect, it} from 'vitest';
import {fo409} from '../../src/checks/fo409-eastwest-gateway-missing.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';
import {HELLOWORLD_DR, seed000, seed000Pair, seed003Pair} from './fo40-fixtures.js';

/** A sidecar cluster with a global-failover service (failoverPriority on topology.istio.io/network). */
function sidecar(network: string | undefined, o: {gateway?: boolean; service?: boolean; extra?: string} = {}): string {
  const docs = [
    `apiVersion: v1
kind: Namespace
metadata: {name: istio-system${network ? `, labels: {topology.istio.io/network: ${network}}` : ''}}`,
    `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}`,
    ...(o.service === false
      ? []
      : [
          `apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec: {selector: {app: cart}, ports: [{name: http, port: 80}]}`,
          HELLOWORLD_DR.replace(/helloworld/g, 'cart').replace(/sample/g, 'shop').replace('topology.istio.io/cluster', 'topology.istio.io/network'),
        ]),
  ];
  if (o.gateway) {
    docs.push(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross-network-gateway, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers: [{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: ["*.local"]}]`);
  }
  if (o.extra) docs.push(o.extra);
  return docs.join('\n---\n');
}

const cases: {name: string; contexts: Record<string, string>; expect: string[]}[] = [
  {name: 'seed 000 done right', contexts: seed000Pair(), expect: []},
  {name: 'ambient: cluster2 has no east-west gateway', contexts: seed000Pair({}, {noEastWest: true}), expect: ['FO409 Gateway istio-system/istio-eastwestgateway @cluster2']},
  {
    name: 'single network: no east-west gateway needed',
    contexts: {cluster1: seed000('cluster1', 'network1', {noEastWest: true}), cluster2: seed000('cluster2', 'network1', {noEastWest: true})},
    expect: [],
  },
  {
    name: 'multi-network but nothing set up for cross-cluster failover',
    contexts: seed000Pair(
      {noEastWest: true, serviceGlobal: false, waypointGlobal: false, dr: ''},
      {noEastWest: true, serviceGlobal: false, waypointGlobal: false, dr: ''},
    ),
    expect: [],
  },
  {
    name: 'the cluster without a gateway runs none of the cross-cluster services',
    contexts: seed000Pair({}, {noEastWest: true, noHelloworld: true, waypointGlobal: false}),
    expect: [],
  },
  {name: 'sidecar: cluster2 lacks the 15443 gateway', contexts: {cluster1: sidecar('network1', {gateway: true}), cluster2: sidecar('network2')}, expect: ['FO409 Gateway istio-system/cross-network-gateway @cluster2']},
  {name: 'sidecar: both have one', contexts: {cluster1: sidecar('network1', {gateway: true}), cluster2: sidecar('network2', {gateway: true})}, expect: []},
  {
    name: 'sidecar: a Service labelled topology.istio.io/network exposing 15443 counts as a gateway',
    contexts: {
      cluster1: sidecar('network1', {gateway: true}),
      cluster2: sidecar('network2', {
        extra: 'apiVersion: v1\nkind: Service\nmetadata: {name: ew, namespace: istio-system, labels: {topology.istio.io/network: network2}}\nspec: {type: LoadBalancer, ports: [{port: 15443}]}',
      }),
    },
    expect: [],
  },
  {
    name: 'one context, a WorkloadEntry on another network (a VM) reaches a service with network failover',
    contexts: {
      cluster1: sidecar('network1', {
        extra: 'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: cart-vm, namespace: shop}\nspec: {address: 192.0.2.7, labels: {app: cart}, network: vm-net}',
      }),
    },
    expect: ['FO409 Gateway istio-system/cross-network-gateway @cluster1'],
  },
  {
    name: 'pods labelled with the injector\'s network while istio-system is unlabelled: one network, not multi-network',
    contexts: {
      cluster1: sidecar(undefined, {
        extra: 'apiVersion: v1\nkind: Pod\nmetadata: {name: cart-1, namespace: shop, labels: {app: cart, topology.istio.io/network: network1}}\nspec: {containers: [{name: cart}, {name: istio-proxy}]}\nstatus: {phase: Running}',
      }),
    },
    expect: [],
  },
  {name: 'seed 003 (Tetrate) on two networks: the east-west Service exposing 15443 counts', contexts: seed003Pair({network: 'n1'}, {network: 'n2'}), expect: []},
  {name: 'seed 003 (Tetrate) on two networks, cluster-2 without its east-west gateway', contexts: seed003Pair({network: 'n1'}, {network: 'n2', noEastWest: true}), expect: ['FO409 Gateway istio-system/cross-network-gateway @cluster-2']},
];

describe('FO409 eastwest-gateway-missing', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo409.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('ambient remediation: gen-eastwest-gateway.sh --ambient with the cluster\'s network', () => {
    const [f] = fo409.run(snapshotFromYaml(seed000Pair({}, {noEastWest: true})));
    expect(f!.remediation!.commands).toEqual(['samples/multicluster/gen-eastwest-gateway.sh --network network2 --ambient | kubectl --context cluster2 apply -f -']);
    expect(f!.details).toMatchObject({network: 'network2', otherNetworks: ['network1'], services: ['sample/helloworld', 'sample/waypoint'], mode: 'ambient'});
  });

  it('sidecar remediation: istioctl install of the gateway, then expose-services.yaml', () => {
    const [f] = fo409.run(snapshotFromYaml({cluster1: sidecar('network1', {gateway: true}), cluster2: sidecar('network2')}));
    expect(f!.remediation!.commands).toEqual([
      'samples/multicluster/gen-eastwest-gateway.sh --network network2 | istioctl --context=cluster2 install -y -f -',
      'kubectl --context cluster2 -n istio-system apply -f samples/multicluster/expose-services.yaml',
    ]);
  });
});
