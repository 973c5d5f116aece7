import {describe, expect, it} from 'vitest';
import {LABEL} from '../../src/istio/constants.js';
import {assignPriorities} from '../../src/traffic/priorities.js';
import {augmentLabels, clientProxyForPod, eastWestGatewayAddress, serviceEndpoints, serviceEntryEndpoints} from '../../src/traffic/endpoints.js';
import type {ModelEndpoint} from '../../src/traffic/types.js';
import {snapshotFromYaml} from '../support/snapshot.js';

const istio = (network?: string, clusterId?: string): string => `
apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
  labels: {${network ? `topology.istio.io/network: ${network}` : ''}}
---
apiVersion: v1
kind: Namespace
metadata: {name: sample}
${clusterId ? `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  template:
    spec:
      containers:
      - name: discovery
        image: docker.io/istio/pilot:1.30.3
        env:
        - {name: CLUSTER_ID, value: ${clusterId}}
` : ''}`;

const node = (name: string, region: string, zone: string): string => `---
apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: {topology.kubernetes.io/region: ${region}, topology.kubernetes.io/zone: ${zone}}
`;

const pod = (name: string, nodeName: string, ip: string, labels: Record<string, string>, extra = ''): string => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: sample
  labels: ${JSON.stringify(labels)}
spec:
  nodeName: ${nodeName}
  containers:
  - name: app
    ports: [{name: http, containerPort: 5000}]
status:
  phase: Running
  podIP: ${ip}
${extra}`;

const helloSvc = (ns = 'sample'): string => `---
apiVersion: v1
kind: Service
metadata: {name: helloworld, namespace: ${ns}}
spec:
  selector: {app: helloworld}
  ports: [{name: http, port: 5000, targetPort: http}]
`;

const ewgw = (status: string): string => `---
apiVersion: v1
kind: Service
metadata:
  name: istio-eastwestgateway
  namespace: istio-system
spec:
  type: LoadBalancer
  ports: [{name: tls, port: 15443}]
status: ${status}
`;

const cluster1 = (network?: string): string =>
  istio(network, 'cluster1') +
  node('n1', 'us-east-1', 'us-east-1a') +
  node('n2', 'us-east-1', 'us-east-1b') +
  helloSvc() +
  pod('hw-v1', 'n1', '10.1.0.1', {app: 'helloworld', version: 'v1'}) +
  pod('hw-v2', 'n2', '10.1.0.2', {app: 'helloworld', version: 'v2'}) +
  pod('hw-unready', 'n2', '10.1.0.3', {app: 'helloworld', version: 'v2'}, '  conditions: [{type: Ready, status: "False"}]\n') +
  pod('other', 'n1', '10.1.0.9', {app: 'other'}) +
  pod('curl', 'n1', '10.1.0.50', {app: 'curl'}) +
  `---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: sample}
spec:
  address: 10.9.0.1
  labels: {app: helloworld, version: v1}
  locality: us-west-2/us-west-2b
  ports: {http: 8080}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-meta-only, namespace: sample, labels: {app: not-helloworld}}
spec:
  address: 10.9.0.2
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-fqdn, namespace: sample}
spec:
  address: vm.example.com
  labels: {app: helloworld}
` +
  ewgw('{loadBalancer: {ingress: [{ip: 34.1.1.1}]}}');

const cluster2 = (network?: string, gw = true): string =>
  istio(network) +
  node('m1', 'us-west-2', 'us-west-2a') +
  node('m2', 'us-west-2', 'us-west-2c') +
  helloSvc() +
  pod('hw2-a', 'm1', '10.2.0.1', {app: 'helloworld', version: 'v1'}) +
  pod('hw2-b', 'm1', '10.2.0.2', {app: 'helloworld', version: 'v2'}) +
  (gw ? ewgw('{loadBalancer: {ingress: [{hostname: ew.cluster2.example.com}]}}') : '');

const addrs = (eps: readonly ModelEndpoint[]): string[] => eps.map((e) => e.address).sort();

function setup(n1?: string, n2?: string, opts: {gw2?: boolean; c2extra?: string} = {}) {
  const snapshot = snapshotFromYaml({cluster1: cluster1(n1), cluster2: cluster2(n2, opts.gw2 ?? true) + (opts.c2extra ?? '')});
  const ctx = snapshot.contexts.find((c) => c.name === 'cluster1')!;
  const svc = ctx.index.get('Service', 'sample', 'helloworld')!;
  return {snapshot, ctx, svc, ctx2: snapshot.contexts.find((c) => c.name === 'cluster2')!};
}

describe('augmentLabels', () => {
  it('adds locality, cluster and hostname; network only when not already set', () => {
    expect(augmentLabels({app: 'a', [LABEL.network]: 'podnet', [LABEL.region]: 'stale'}, {
      cluster: 'c1', locality: {region: 'r', zone: 'z', subZone: ''}, node: 'n1', network: 'nsnet',
    })).toEqual({app: 'a', [LABEL.network]: 'podnet', [LABEL.region]: 'r', [LABEL.zone]: 'z', [LABEL.cluster]: 'c1', [LABEL.hostname]: 'n1'});
    expect(augmentLabels(undefined, {cluster: 'c2', network: 'net2'})).toEqual({[LABEL.cluster]: 'c2', [LABEL.network]: 'net2'});
  });
});

describe('clientProxyForPod', () => {
  it('locality from the node, augmented labels, istiod CLUSTER_ID, Istio namespace network', () => {
    const {ctx} = setup('net1', 'net2');
    const p = clientProxyForPod(ctx, ctx.index.get('Pod', 'sample', 'curl')!);
    expect(p.locality).toEqual({region: 'us-east-1', zone: 'us-east-1a', subZone: ''});
    expect(p.cluster).toBe('cluster1');
    expect(p.network).toBe('net1');
    expect(p.labels).toEqual({
      app: 'curl', [LABEL.region]: 'us-east-1', [LABEL.zone]: 'us-east-1a', [LABEL.cluster]: 'cluster1', [LABEL.hostname]: 'n1', [LABEL.network]: 'net1',
    });
  });
  it('cluster falls back to the context name; namespace and pod labels set the network first', () => {
    const s = snapshotFromYaml({
      east: istio('meshnet') + `---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {topology.istio.io/network: nsnet}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: apps}
spec: {nodeName: missing}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: apps, labels: {topology.istio.io/network: podnet, topology.istio.io/locality: r1.z1}}
`,
    });
    const ctx = s.contexts[0]!;
    const a = clientProxyForPod(ctx, ctx.index.get('Pod', 'apps', 'a')!);
    expect(a.cluster).toBe('east');
    expect(a.network).toBe('nsnet');
    expect(a.locality).toEqual({region: '', zone: '', subZone: ''});
    expect(a.labels[LABEL.region]).toBeUndefined();
    const b = clientProxyForPod(ctx, ctx.index.get('Pod', 'apps', 'b')!);
    expect(b.network).toBe('podnet');
    expect(b.locality).toEqual({region: 'r1', zone: 'z1', subZone: ''});
  });
});

describe('serviceEndpoints', () => {
  it('same network: local and remote pods directly, plus IP WorkloadEntries; unready, unselected and FQDN entries left out', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net1');
    const eps = serviceEndpoints(snapshot, ctx, svc);
    expect(addrs(eps)).toEqual(['10.1.0.1', '10.1.0.2', '10.2.0.1', '10.2.0.2', '10.9.0.1']);
    const remote = eps.find((e) => e.address === '10.2.0.1')!;
    expect(remote.cluster).toBe('cluster2');
    expect(remote.locality).toEqual({region: 'us-west-2', zone: 'us-west-2a', subZone: ''});
    expect(remote.labels[LABEL.cluster]).toBe('cluster2');
    expect(remote.labels[LABEL.network]).toBe('net1');
    expect(remote.source).toEqual({kind: 'Pod', context: 'cluster2', namespace: 'sample', name: 'hw2-a'});
    expect(remote.port).toBe(5000); // named targetPort resolved through the container port
    const vm = eps.find((e) => e.address === '10.9.0.1')!;
    expect(vm.source.kind).toBe('WorkloadEntry');
    expect(vm.locality).toEqual({region: 'us-west-2', zone: 'us-west-2b', subZone: ''});
    expect(vm.port).toBe(8080);
    expect(vm.cluster).toBe('cluster1');
  });
  it('no network labels at all: everything is one network', () => {
    const {snapshot, ctx, svc} = setup(undefined, undefined);
    expect(serviceEndpoints(snapshot, ctx, svc).filter((e) => e.source.kind === 'EastWestGateway')).toEqual([]);
  });
  it('includeUnready keeps pods whose Ready condition is False', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net1');
    expect(addrs(serviceEndpoints(snapshot, ctx, svc, {includeUnready: true}))).toContain('10.1.0.3');
  });
  it('subset labels filter pods and WorkloadEntries', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net1');
    expect(addrs(serviceEndpoints(snapshot, ctx, svc, {subsetLabels: {version: 'v1'}}))).toEqual(['10.1.0.1', '10.2.0.1', '10.9.0.1']);
  });
  it('different networks: the remote pods become ONE east-west gateway endpoint', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net2');
    const eps = serviceEndpoints(snapshot, ctx, svc);
    expect(addrs(eps)).toEqual(['10.1.0.1', '10.1.0.2', '10.9.0.1', 'ew.cluster2.example.com']);
    const gw = eps.find((e) => e.source.kind === 'EastWestGateway')!;
    expect(gw.port).toBe(15443);
    expect(gw.weight).toBe(2);
    expect(gw.network).toBe('net2');
    expect(gw.cluster).toBe('cluster2');
    expect(gw.labels).toEqual({[LABEL.cluster]: 'cluster2', [LABEL.network]: 'net2'});
    // both remote pods are on m1: their common locality is kept
    expect(gw.locality).toEqual({region: 'us-west-2', zone: 'us-west-2a', subZone: ''});
    expect(gw.source.context).toBe('cluster2');
  });
  it('remote endpoints in several localities: the gateway locality is unknown', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net2', {c2extra: pod('hw2-c', 'm2', '10.2.0.3', {app: 'helloworld'})});
    const gw = serviceEndpoints(snapshot, ctx, svc).find((e) => e.source.kind === 'EastWestGateway')!;
    expect(gw.weight).toBe(3);
    expect(gw.locality).toEqual({region: '', zone: '', subZone: ''});
  });
  it('no east-west gateway address: a placeholder name', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net2', {gw2: false});
    expect(addrs(serviceEndpoints(snapshot, ctx, svc))).toContain('net2 east-west gateway');
  });
  it('seen from cluster2: cluster1 pods and the gateway by IP; the WorkloadEntry of cluster1 is not cluster2\'s', () => {
    const {snapshot, ctx2} = setup('net1', 'net2');
    const eps = serviceEndpoints(snapshot, ctx2, ctx2.index.get('Service', 'sample', 'helloworld')!);
    expect(addrs(eps)).toEqual(['10.2.0.1', '10.2.0.2', '34.1.1.1']);
  });
  it('a peer with the Service in another namespace does not count', () => {
    const snapshot = snapshotFromYaml({cluster1: cluster1('net1'), cluster2: istio('net1') + node('m1', 'r', 'z') + helloSvc('other') +
      pod('x', 'm1', '10.2.0.1', {app: 'helloworld'}).replace('namespace: sample', 'namespace: other')});
    const ctx = snapshot.contexts[0]!;
    expect(addrs(serviceEndpoints(snapshot, ctx, ctx.index.get('Service', 'sample', 'helloworld')!))).toEqual(['10.1.0.1', '10.1.0.2', '10.9.0.1']);
  });
  it('feeds assignPriorities: failoverPriority on the cluster label, client in cluster1', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net1');
    const proxy = clientProxyForPod(ctx, ctx.index.get('Pod', 'sample', 'curl')!);
    const r = assignPriorities(serviceEndpoints(snapshot, ctx, svc), proxy, {failoverPriority: [LABEL.cluster]}, {failoverEnabled: true});
    const byAddr = Object.fromEntries(r.assignments.map((a) => [a.endpoint.address, a.priority]));
    expect(byAddr).toEqual({'10.1.0.1': 0, '10.1.0.2': 0, '10.9.0.1': 0, '10.2.0.1': 1, '10.2.0.2': 1});
  });
  it('different networks + default tiers: the gateway endpoint carries the remote locality', () => {
    const {snapshot, ctx, svc} = setup('net1', 'net2');
    const proxy = clientProxyForPod(ctx, ctx.index.get('Pod', 'sample', 'curl')!);
    const r = assignPriorities(serviceEndpoints(snapshot, ctx, svc, {subsetLabels: {app: 'helloworld'}}), proxy, {enabled: true}, {failoverEnabled: true});
    const byAddr = Object.fromEntries(r.assignments.map((a) => [a.endpoint.address, a.priority]));
    expect(byAddr).toEqual({'10.1.0.1': 0, '10.1.0.2': 1, '10.9.0.1': 2, 'ew.cluster2.example.com': 2});
  });
});

describe('eastWestGatewayAddress', () => {
  it('LoadBalancer ingress, then externalIPs; none -> undefined', () => {
    const s = snapshotFromYaml({
      a: ewgw('{loadBalancer: {ingress: [{ip: 1.2.3.4}]}}'),
      b: ewgw('{}').replace('type: LoadBalancer', 'type: NodePort\n  externalIPs: [5.6.7.8]'),
      c: ewgw('{}'),
      d: helloSvc(),
    });
    expect(s.contexts.map((c) => eastWestGatewayAddress(c))).toEqual(['1.2.3.4', '5.6.7.8', undefined, undefined]);
  });
});

describe('serviceEntryEndpoints', () => {
  const se = (spec: string): string => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: sample}
spec:
${spec}`;
  const one = (yaml: string): ModelEndpoint[] => {
    const s = snapshotFromYaml({c1: yaml});
    const ctx = s.contexts[0]!;
    return serviceEntryEndpoints(ctx, ctx.index.get('ServiceEntry', 'sample', 'ext')!);
  };
  it('inline endpoints with locality, labels, network, weight and port mapping', () => {
    const eps = one(se(`  hosts: [api.example.com]
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 443}]
  resolution: DNS
  endpoints:
  - {address: east.example.com, locality: us-east-1/us-east-1a, weight: 3, labels: {tier: a}}
  - {address: west.example.com, locality: us-west-2, network: net2, ports: {http: 8443}}`));
    expect(eps).toHaveLength(2);
    expect(eps[0]).toMatchObject({address: 'east.example.com', port: 443, weight: 3, cluster: 'c1', locality: {region: 'us-east-1', zone: 'us-east-1a', subZone: ''}});
    expect(eps[0]!.labels).toEqual({tier: 'a', [LABEL.region]: 'us-east-1', [LABEL.zone]: 'us-east-1a', [LABEL.cluster]: 'c1'});
    expect(eps[1]).toMatchObject({address: 'west.example.com', port: 8443, weight: 1, network: 'net2'});
    expect(eps[1]!.labels[LABEL.network]).toBe('net2');
  });
  it('STATIC drops non-IP addresses', () => {
    const eps = one(se(`  hosts: [db.internal]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1}, {address: db1.example.com}]`));
    expect(addrs(eps)).toEqual(['10.0.0.1']);
  });
  it('inline endpoint locality from the locality label (dots sanitized) when `locality` is unset', () => {
    const eps = one(se(`  hosts: [db.internal]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1, labels: {istio-locality: r1.z1}}]`));
    expect(eps[0]!.locality).toEqual({region: 'r1', zone: 'z1', subZone: ''});
  });
  it('DNS with no endpoints: one synthetic endpoint per host, no locality', () => {
    const eps = one(se(`  hosts: [a.example.com, b.example.com, "*.wild.example.com"]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS`));
    expect(addrs(eps)).toEqual(['a.example.com', 'b.example.com']);
    expect(eps[0]!.locality).toEqual({region: '', zone: '', subZone: ''});
    expect(eps[0]!.port).toBe(443);
    expect(eps[0]!.labels).toEqual({});
  });
  it('NONE with no endpoints has none', () => {
    expect(one(se(`  hosts: [x.example.com]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: NONE`))).toEqual([]);
  });
  it('workloadSelector: WorkloadEntries (IP only for STATIC)', () => {
    const yaml = se(`  hosts: [vm.sample.svc]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: vm}}`) + `
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-a, namespace: sample}
spec: {address: 10.0.0.7, labels: {app: vm}, locality: r1/z1, ports: {http: 8080}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-b, namespace: sample}
spec: {address: vm-b.example.com, labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-c, namespace: sample}
spec: {address: 10.0.0.8, labels: {app: other}}
`;
    const eps = one(yaml);
    expect(addrs(eps)).toEqual(['10.0.0.7']);
    expect(eps[0]).toMatchObject({port: 8080, locality: {region: 'r1', zone: 'z1', subZone: ''}, source: {kind: 'WorkloadEntry', name: 'vm-a'}});
    expect(addrs(one(yaml.replace('resolution: STATIC', 'resolution: DNS')))).toEqual(['10.0.0.7', 'vm-b.example.com']);
  });
});
