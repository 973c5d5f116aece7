/** Seed 004 (sleep in tianjin) with the sleep proxy's Envoy state, for the live checks FO601–FO605. */
import {parseClustersJson} from '../../src/envoy/clusters-json.js';
import type {ProxyNode} from '../../src/envoy/config-dump.js';
import type {ProxyState, Snapshot} from '../../src/model/snapshot.js';
import {snapshotFromYaml} from '../support/snapshot.js';

function node(name: string, subzone: string, labelled = true): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: {${labelled ? `topology.kubernetes.io/region: cn-north-4, topology.kubernetes.io/zone: cn-north-4b, topology.istio.io/subzone: ${subzone}` : 'kubernetes.io/os: linux'}}
---
`;
}
function pod(name: string, nodeName: string, ip: string, app: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: sample, labels: {app: ${app}}}
spec: {nodeName: ${nodeName}, containers: [{name: app}, {name: istio-proxy}]}
status: {phase: Running, podIP: ${ip}}
---
`;
}
export function objects(opts: {od?: boolean} = {}): string {
  return (
    node('n-bj', 'beijing') +
    node('n-tj', 'tianjin') +
    node('n-sy', 'shenyang') +
    pod('helloworld-beijing-1', 'n-bj', '172.16.0.10', 'helloworld') +
    pod('helloworld-tianjin-1', 'n-tj', '172.16.0.136', 'helloworld') +
    pod('helloworld-shenyang-1', 'n-sy', '172.16.0.20', 'helloworld') +
    pod('sleep-1', 'n-tj', '172.16.0.50', 'sleep') +
    `apiVersion: v1
kind: Service
metadata: {name: helloworld, namespace: sample}
spec: {selector: {app: helloworld}, ports: [{name: http, port: 5000}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: helloworld, namespace: sample}
spec:
  host: helloworld.sample.svc.cluster.local
  trafficPolicy:
${opts.od === false ? '    connectionPool: {http: {maxRequestsPerConnection: 1}}' : '    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m, maxEjectionPercent: 100}'}
`
  );
}

export interface HostSpec {
  ip: string;
  subzone: string;
  priority: number;
  ejected?: boolean;
  unhealthy?: boolean;
}

export const HEALTHY: HostSpec[] = [
  {ip: '172.16.0.136', subzone: 'tianjin', priority: 0},
  {ip: '172.16.0.10', subzone: 'beijing', priority: 1},
  {ip: '172.16.0.20', subzone: 'shenyang', priority: 1},
];

export function clustersJson(hosts: readonly HostSpec[]): string {
  const hs = hosts.map(
    (h) =>
      `{"address":{"socket_address":{"address":"${h.ip}","port_value":5000}},"health_status":{"eds_health_status":"${h.unhealthy ? 'UNHEALTHY' : 'HEALTHY'}"${h.ejected ? ',"failed_outlier_check":true' : ''}},"locality":{"region":"cn-north-4","zone":"cn-north-4b","sub_zone":"${h.subzone}"}${h.priority ? `,"priority":${h.priority}` : ''}}`,
  );
  return `{"cluster_statuses":[{"name":"outbound|5000||helloworld.sample.svc.cluster.local","host_statuses":[${hs.join(',')}]},{"name":"BlackHoleCluster"}]}`;
}

export function proxy(hosts: readonly HostSpec[], locality = {region: 'cn-north-4', zone: 'cn-north-4b', subZone: 'tianjin'}): ProxyState {
  const node: ProxyNode = {id: 'sidecar~172.16.0.50~sleep-1.sample~sample.svc.cluster.local', locality, labels: {}, metadata: {}};
  return {namespace: 'sample', pod: 'sleep-1', clusters: parseClustersJson(clustersJson(hosts)).clusters, node, source: 'test'};
}

export function liveSnapshot(hosts: readonly HostSpec[], opts: {od?: boolean; locality?: {region: string; zone: string; subZone: string}} = {}): Snapshot {
  return snapshotFromYaml({cce: {yaml: objects(opts), proxies: [proxy(hosts, opts.locality)]}});
}
