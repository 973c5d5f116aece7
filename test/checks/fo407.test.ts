import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo407} from '../../src/checks/fo407-network-label-missing.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const y = (...docs: O[]): string => docs.map((d) => stringify(d)).join('---\n');
const NET = 'topology.istio.io/network';

const istiod = (cluster: string): O => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'istiod', namespace: 'istio-system'},
  spec: {template: {spec: {containers: [{name: 'discovery', image: 'docker.io/istio/pilot:1.30.3', env: [{name: 'CLUSTER_ID', value: cluster}]}]}}},
});

interface SideOpts {
  /** Network label of istio-system (null: none). */
  nsNet?: string | null;
  /** Network label of the gateway Service (null: none). */
  svcNet?: string | null;
  /** Network label of the gateway pod (null: none). */
  podNet?: string | null;
  gateway?: boolean;
  extra?: O[];
}

/** One primary of seed-style sidecar multi-network: istiod, the 15443 AUTO_PASSTHROUGH gateway, its Service and pod. */
function sidecarCluster(cluster: string, net: string, o: SideOpts = {}): string {
  const nsNet = o.nsNet === undefined ? net : o.nsNet;
  const svcNet = o.svcNet === undefined ? net : o.svcNet;
  const podNet = o.podNet === undefined ? net : o.podNet;
  const gw = o.gateway === false
    ? []
    : [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'Gateway',
          metadata: {name: 'cross-network-gateway', namespace: 'istio-system'},
          spec: {selector: {istio: 'eastwestgateway'}, servers: [{port: {number: 15443, name: 'tls', protocol: 'TLS'}, tls: {mode: 'AUTO_PASSTHROUGH'}, hosts: ['*.local']}]},
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {name: 'istio-eastwestgateway', namespace: 'istio-system', labels: {istio: 'eastwestgateway', ...(svcNet ? {[NET]: svcNet} : {})}},
          spec: {type: 'LoadBalancer', selector: {istio: 'eastwestgateway'}, ports: [{port: 15443, name: 'tls'}]},
          status: {loadBalancer: {ingress: [{ip: cluster === 'cluster1' ? '203.0.113.1' : '203.0.113.2'}]}},
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'istio-eastwestgateway-7d9f-abcde',
            namespace: 'istio-system',
            labels: {istio: 'eastwestgateway', 'pod-template-hash': '7d9f', ...(podNet ? {[NET]: podNet} : {})},
            ownerReferences: [{kind: 'ReplicaSet', name: 'istio-eastwestgateway-7d9f'}],
          },
          spec: {nodeName: 'n1', containers: [{name: 'istio-proxy'}]},
          status: {phase: 'Running'},
        },
        {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'istio-eastwestgateway', namespace: 'istio-system'}, spec: {template: {metadata: {labels: {istio: 'eastwestgateway'}}}}},
      ];
  return y({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'istio-system', labels: nsNet ? {[NET]: nsNet} : {}}}, istiod(cluster), ...gw, ...(o.extra ?? []));
}

/** One ambient cluster: the istio-east-west Gateway and the Service Istio generates for it. */
function ambientCluster(cluster: string, net: string, o: {gwNet?: string | null; infraNet?: boolean} = {}): string {
  const gwNet = o.gwNet === undefined ? net : o.gwNet;
  return y(
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'istio-system', labels: {[NET]: net}}},
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'sample', labels: {'istio.io/dataplane-mode': 'ambient'}}},
    istiod(cluster),
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: {name: 'istio-eastwest', namespace: 'istio-system', labels: gwNet ? {[NET]: gwNet} : {}},
      spec: {gatewayClassName: 'istio-east-west', listeners: [{name: 'mesh', port: 15008, protocol: 'HBONE'}], ...(o.infraNet ? {infrastructure: {labels: {[NET]: net}}} : {})},
    },
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'istio-eastwest', namespace: 'istio-system', labels: gwNet ? {[NET]: gwNet} : {}}, spec: {ports: [{port: 15008}]}},
  );
}

const meshNetworks = (networks: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {meshNetworks: stringify({networks})}});
const controlPlane: O = {apiVersion: 'install.tetrate.io/v1alpha1', kind: 'ControlPlane', metadata: {name: 'controlplane', namespace: 'istio-system'}, spec: {}};

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
  severity?: string[];
}

const cases: Case[] = [
  {name: 'done right: two networks, namespaces and gateways labelled → nothing', contexts: {cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', 'network2')}, expect: []},
  {
    name: 'single network (both network1): a gateway Service without the label is not FO407\'s business → nothing',
    contexts: {cluster1: sidecarCluster('cluster1', 'network1', {svcNet: null}), cluster2: sidecarCluster('cluster2', 'network1')},
    expect: [],
  },
  {name: 'one cluster, no network anywhere, no gateway → nothing', contexts: {cluster1: sidecarCluster('cluster1', '', {nsNet: null, gateway: false})}, expect: []},
  {
    name: 'istio-system of cluster2 unlabelled (its pods say network2) → warning on the Namespace',
    contexts: {cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', 'network2', {nsNet: null})},
    expect: ['FO407 Namespace istio-system @cluster2'],
    severity: ['warning'],
  },
  {
    name: 'the east-west gateway Service of cluster2 unlabelled → warning on the Service',
    contexts: {cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', 'network2', {svcNet: null})},
    expect: ['FO407 Service istio-system/istio-eastwestgateway @cluster2'],
    severity: ['warning'],
  },
  {
    name: 'partly labelled: cluster2 names no network at all while an east-west gateway exists → warning on its Namespace and gateway',
    contexts: {cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', '', {nsNet: null, svcNet: null, podNet: null})},
    expect: ['FO407 Namespace istio-system @cluster2', 'FO407 Service istio-system/istio-eastwestgateway @cluster2'],
  },
  {
    name: 'meshNetworks names the gateway by registryServiceName → no gateway finding',
    contexts: {
      cluster1: sidecarCluster('cluster1', 'network1', {
        extra: [meshNetworks({network2: {endpoints: [{fromRegistry: 'cluster2'}], gateways: [{registryServiceName: 'istio-eastwestgateway.istio-system.svc.cluster.local', port: 15443}]}})],
      }),
      cluster2: sidecarCluster('cluster2', 'network2', {svcNet: null}),
    },
    expect: [],
  },
  {
    name: 'meshNetworks names the gateway by its external address → no gateway finding',
    contexts: {
      cluster1: sidecarCluster('cluster1', 'network1', {extra: [meshNetworks({network2: {endpoints: [{fromRegistry: 'cluster2'}], gateways: [{address: '203.0.113.2', port: 15443}]}})]}),
      cluster2: sidecarCluster('cluster2', 'network2', {svcNet: null}),
    },
    expect: [],
  },
  {
    name: 'namespace unlabelled but meshNetworks gives the cluster its network (sidecar-only) → info',
    contexts: {
      cluster1: sidecarCluster('cluster1', 'network1'),
      cluster2: sidecarCluster('cluster2', 'network2', {nsNet: null, podNet: null, extra: [meshNetworks({network2: {endpoints: [{fromRegistry: 'cluster2'}]}})]}),
    },
    expect: ['FO407 Namespace istio-system @cluster2'],
    severity: ['info'],
  },
  {
    name: 'under Tetrate: info',
    contexts: {cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', 'network2', {svcNet: null, extra: [controlPlane]})},
    expect: ['FO407 Service istio-system/istio-eastwestgateway @cluster2'],
    severity: ['info'],
  },
  {name: 'ambient: east-west Gateways labelled → nothing', contexts: {cluster1: ambientCluster('cluster1', 'network1'), cluster2: ambientCluster('cluster2', 'network2')}, expect: []},
  {
    name: 'ambient: the istio-east-west Gateway of cluster2 (and its Service) unlabelled → warning on the Gateway',
    contexts: {cluster1: ambientCluster('cluster1', 'network1'), cluster2: ambientCluster('cluster2', 'network2', {gwNet: null})},
    expect: ['FO407 Gateway istio-system/istio-eastwest @cluster2'],
  },
  {
    name: 'ambient: the label given through spec.infrastructure.labels counts',
    contexts: {cluster1: ambientCluster('cluster1', 'network1'), cluster2: ambientCluster('cluster2', 'network2', {gwNet: null, infraNet: true})},
    expect: [],
  },
  {
    name: 'a context of the run without Istio is nobody\'s concern',
    contexts: {cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', 'network2'), plain: y({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'default'}})},
    expect: [],
  },
];

describe('FO407 network-label-missing', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo407.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual(c.expect);
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
      for (const f of findings) expect(f.remediation?.commands.length).toBeGreaterThan(0);
    });
  }

  it('the Namespace remediation labels it with the network its pods already carry', () => {
    const [f] = fo407.run(snapshotFromYaml({cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', 'network2', {nsNet: null})}));
    expect(f!.remediation!.commands).toEqual(['kubectl --context cluster2 label namespace istio-system topology.istio.io/network=network2 --overwrite']);
    expect(f!.details).toMatchObject({suggestedNetwork: 'network2', knownFrom: 'pods'});
  });

  it('the gateway remediation labels the Service and, for pods without the label, the Deployment template', () => {
    const [f] = fo407.run(snapshotFromYaml({cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', 'network2', {svcNet: null, podNet: null})}));
    expect(f!.remediation!.commands).toEqual([
      'kubectl --context cluster2 -n istio-system label service istio-eastwestgateway topology.istio.io/network=network2 --overwrite',
      `kubectl --context cluster2 -n istio-system patch deployment istio-eastwestgateway --type merge -p '{"spec":{"template":{"metadata":{"labels":{"topology.istio.io/network":"network2"}}}}}'`,
    ]);
    expect(f!.details).toMatchObject({podsWithoutLabel: ['istio-eastwestgateway-7d9f-abcde'], gatewayKind: 'sidecar'});
  });

  it('unknown network: a clearly marked placeholder', () => {
    const findings = fo407.run(snapshotFromYaml({cluster1: sidecarCluster('cluster1', 'network1'), cluster2: sidecarCluster('cluster2', '', {nsNet: null, svcNet: null, podNet: null})}));
    expect(findings[0]!.remediation!.commands[0]).toBe("kubectl --context cluster2 label namespace istio-system 'topology.istio.io/network=<NETWORK>' --overwrite");
    expect(findings[0]!.remediation!.summary).toContain('replace <NETWORK>');
    expect(findings[0]!.details).not.toHaveProperty('suggestedNetwork');
  });
});
