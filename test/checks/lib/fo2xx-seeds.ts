/**
 * Fixture builders for the FO2xx/FO3xx check tests: the seeds' scenarios as Kubernetes objects.
 * - seed 000: ambient multicluster, waypoint per cluster, helloworld global + bound to the waypoint,
 *   DestinationRule failoverPriority [topology.istio.io/cluster] + outlierDetection.
 * - seed 004: single cluster, sidecars, nodes cn-north-4 / cn-north-4b / beijing|tianjin|shenyang,
 *   DestinationRule failover cn-north-4 → cn-south-1 + outlierDetection.
 * Every builder returns plain objects; `y()` turns a list into multi-document YAML.
 */
import {stringify} from 'yaml';

export type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');

export const R = 'topology.kubernetes.io/region';
export const Z = 'topology.kubernetes.io/zone';
export const SZ = 'topology.istio.io/subzone';
export const BETA_R = 'failure-domain.beta.kubernetes.io/region';
export const BETA_Z = 'failure-domain.beta.kubernetes.io/zone';

export const node = (name: string, labels: Record<string, string> = {}, spec: O = {}): O => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels}, spec});
export const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});

export const service = (name: string, ns: string, opts: {labels?: Record<string, string>; annotations?: Record<string, string>; selector?: Record<string, string>; spec?: O} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: ns, labels: opts.labels ?? {app: name}, ...(opts.annotations ? {annotations: opts.annotations} : {})},
  spec: {selector: opts.selector ?? {app: name}, ports: [{port: 5000, name: 'http'}], ...(opts.spec ?? {})},
});

let ipSeq = 0;
/** A running pod owned by Deployment `deploy` (through a ReplicaSet), optionally with a sidecar. */
export const pod = (
  name: string,
  ns: string,
  nodeName: string,
  opts: {labels?: Record<string, string>; deploy?: string; sidecar?: boolean; annotations?: Record<string, string>} = {},
): O => {
  const hash = '5d8f7c9b6';
  const deploy = opts.deploy ?? name.replace(/-[a-z0-9]+$/, '');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: {...(opts.labels ?? {}), 'pod-template-hash': hash},
      ...(opts.annotations ? {annotations: opts.annotations} : {}),
      ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deploy}-${hash}`, uid: 'x', controller: true}],
    },
    spec: {nodeName, containers: [{name: 'app', image: 'app'}, ...(opts.sidecar ? [{name: 'istio-proxy', image: 'proxyv2'}] : [])]},
    status: {phase: 'Running', podIP: `10.0.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`, conditions: [{type: 'Ready', status: 'True'}]},
  };
};

export const deployment = (name: string, ns: string, replicas: number, available: number | undefined, opts: {status?: boolean} = {}): O => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name, namespace: ns},
  spec: {replicas, selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'app', image: 'app'}]}}},
  ...(opts.status === false
    ? {}
    : {
        status: {
          replicas,
          ...(available ? {availableReplicas: available, readyReplicas: available} : {}),
          conditions: [{type: 'Available', status: available && available > 0 ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable'}],
        },
      }),
});

export const dr = (name: string, ns: string, host: string, trafficPolicy: O): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: {name, namespace: ns},
  spec: {host, trafficPolicy},
});

export const OD = {consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m'};
export const HELLO = 'helloworld.sample.svc.cluster.local';

export const waypointGateway = (name: string, ns: string, opts: {programmed?: string | null; waypointFor?: string; cls?: string} = {}): O => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: {name, namespace: ns, labels: opts.waypointFor === undefined ? {'istio.io/waypoint-for': 'service'} : opts.waypointFor ? {'istio.io/waypoint-for': opts.waypointFor} : {}},
  spec: {gatewayClassName: opts.cls ?? 'istio-waypoint', listeners: [{name: 'mesh', port: 15008, protocol: 'HBONE'}]},
  ...(opts.programmed === null
    ? {}
    : {
        status: {
          conditions: [
            {type: 'Accepted', status: 'True', reason: 'Accepted'},
            {type: 'Programmed', status: opts.programmed ?? 'True', reason: opts.programmed === 'False' ? 'Invalid' : 'Programmed', message: opts.programmed === 'False' ? 'Failed to deploy' : ''},
          ],
        },
      }),
});

/** The waypoint's Service, Deployment and pod, as `istioctl waypoint apply` leaves them. */
export const waypointWorkload = (name: string, ns: string, nodeName: string, opts: {replicas?: number; available?: number; global?: boolean} = {}): O[] => [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name, namespace: ns, labels: {'gateway.networking.k8s.io/gateway-name': name, ...(opts.global ? {'istio.io/global': 'true'} : {})}},
    spec: {selector: {'gateway.networking.k8s.io/gateway-name': name}, ports: [{port: 15008, name: 'mesh'}]},
  },
  deployment(name, ns, opts.replicas ?? 1, opts.available ?? 1),
  ...((opts.available ?? 1) > 0
    ? [pod(`${name}-7c9d-abcde`, ns, nodeName, {deploy: name, labels: {'gateway.networking.k8s.io/gateway-name': name, 'istio.io/dataplane-mode': 'none'}})]
    : []),
];

export const istiod = (clusterId: string): O => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'istiod', namespace: 'istio-system'},
  spec: {replicas: 1, template: {spec: {containers: [{name: 'discovery', image: 'docker.io/istio/pilot:1.30.3', env: [{name: 'CLUSTER_ID', value: clusterId}]}]}}},
  status: {replicas: 1, availableReplicas: 1},
});

export const ambientMesh = (): O => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {name: 'istio', namespace: 'istio-system'},
  data: {mesh: stringify({serviceScopeConfigs: [{servicesSelector: {matchExpressions: [{key: 'istio.io/global', operator: 'In', values: ['true']}]}, scope: 'GLOBAL'}]})},
});

export const remoteSecret = (cluster: string): O => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {name: `istio-remote-secret-${cluster}`, namespace: 'istio-system', labels: {'istio/multiCluster': 'true'}, annotations: {'networking.istio.io/cluster': cluster}},
});

export interface Seed000Options {
  /** Label istio.io/use-waypoint on the Service (undefined: remove it). Default 'waypoint'. */
  useWaypoint?: string | undefined;
  /** Whether the waypoint Gateway exists. Default true. */
  gateway?: boolean;
  waypointReplicas?: number;
  waypointAvailable?: number;
  programmed?: string | null;
  /** helloworld pods in this cluster. Default 1. */
  pods?: number;
  nodeLabels?: Record<string, string>;
  namespaceLabels?: Record<string, string>;
  dr?: O | null;
}

/** Seed 000, one cluster of the two: `cluster` is cluster1 (v1) or cluster2 (v2). */
export function seed000(cluster: 'cluster1' | 'cluster2', o: Seed000Options = {}): O[] {
  const peer = cluster === 'cluster1' ? 'cluster2' : 'cluster1';
  const version = cluster === 'cluster1' ? 'v1' : 'v2';
  const zone = cluster === 'cluster1' ? 'us-east-1a' : 'us-east-1b';
  const nodeName = `${cluster}-node-1`;
  const useWaypoint = 'useWaypoint' in o ? o.useWaypoint : 'waypoint';
  const svcLabels: Record<string, string> = {app: 'helloworld', service: 'helloworld', 'istio.io/global': 'true'};
  if (useWaypoint !== undefined) svcLabels['istio.io/use-waypoint'] = useWaypoint;
  const pods = o.pods ?? 1;
  return [
    namespace('istio-system', {'topology.istio.io/network': `network-${cluster}`}),
    namespace('sample', {'istio.io/dataplane-mode': 'ambient', ...(o.namespaceLabels ?? {})}),
    ambientMesh(),
    istiod(cluster),
    remoteSecret(peer),
    node(nodeName, o.nodeLabels ?? {[R]: 'us-east-1', [Z]: zone}),
    service('helloworld', 'sample', {labels: svcLabels}),
    deployment(`helloworld-${version}`, 'sample', pods, pods),
    ...Array.from({length: pods}, (_, i) => pod(`helloworld-${version}-954745fd-${i}`, 'sample', nodeName, {deploy: `helloworld-${version}`, labels: {app: 'helloworld', version}})),
    service('curl', 'sample'),
    pod('curl-6f8d-abcde', 'sample', nodeName, {deploy: 'curl', labels: {app: 'curl'}}),
    ...(o.gateway === false ? [] : [waypointGateway('waypoint', 'sample', {programmed: o.programmed})]),
    ...waypointWorkload('waypoint', 'sample', nodeName, {global: true, replicas: o.waypointReplicas ?? 1, available: o.waypointAvailable ?? 1}),
    ...(o.dr === null
      ? []
      : [dr('helloworld', 'sample', HELLO, o.dr ?? {outlierDetection: OD, loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failoverPriority: ['topology.istio.io/cluster']}}})]),
  ];
}

export const SUBZONES = ['beijing', 'tianjin', 'shenyang'] as const;

export interface Seed004Options {
  /** Labels per node, replacing the defaults (keyed by subzone). */
  nodeLabels?: Partial<Record<(typeof SUBZONES)[number], Record<string, string>>>;
  /** Which node each helloworld pod runs on (default: its own subzone's). */
  podNode?: Partial<Record<(typeof SUBZONES)[number], string>>;
  dr?: O | null;
  /** Extra pod labels per helloworld pod. */
  podLabels?: Partial<Record<(typeof SUBZONES)[number], Record<string, string>>>;
  sleepNode?: string;
  namespaceLabels?: Record<string, string>;
}

export const seed004Labels = (sz: string): Record<string, string> => ({[R]: 'cn-north-4', [Z]: 'cn-north-4b', [SZ]: sz});

/** Seed 004: one cluster; helloworld-beijing|tianjin|shenyang on nodes node-<subzone>; sleep on node-tianjin. */
export function seed004(o: Seed004Options = {}): O[] {
  return [
    namespace('istio-system'),
    namespace('sample', o.namespaceLabels ?? {'istio-injection': 'enabled'}),
    ...SUBZONES.map((sz) => node(`node-${sz}`, o.nodeLabels?.[sz] ?? seed004Labels(sz))),
    service('helloworld', 'sample', {labels: {app: 'helloworld', service: 'helloworld'}}),
    ...SUBZONES.map((sz) => deployment(`helloworld-${sz}`, 'sample', 1, 1)),
    ...SUBZONES.map((sz) =>
      pod(`helloworld-${sz}-7b768b9bbd-${sz.slice(0, 5)}`, 'sample', o.podNode?.[sz] ?? `node-${sz}`, {
        deploy: `helloworld-${sz}`,
        sidecar: true,
        labels: {app: 'helloworld', version: sz, ...(o.podLabels?.[sz] ?? {})},
      }),
    ),
    service('sleep', 'sample', {spec: {ports: [{port: 80, name: 'http'}]}}),
    deployment('sleep', 'sample', 1, 1),
    pod('sleep-5d8f-xyz12', 'sample', o.sleepNode ?? 'node-tianjin', {deploy: 'sleep', sidecar: true, labels: {app: 'sleep'}}),
    ...(o.dr === null
      ? []
      : [
          dr(
            'helloworld',
            'sample',
            HELLO,
            o.dr ?? {
              connectionPool: {http: {maxRequestsPerConnection: 1}},
              loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: [{from: 'cn-north-4', to: 'cn-south-1'}]}},
              outlierDetection: OD,
            },
          ),
        ]),
  ];
}

/** Replace (or drop, with `undefined`) a field of the object of `kind`/`name` in a list. */
export function edit(objs: O[], kind: string, name: string, f: (o: O) => O | undefined): O[] {
  const out: O[] = [];
  for (const o of objs) {
    if (o.kind === kind && o.metadata.name === name) {
      const r = f(structuredClone(o));
      if (r) out.push(r);
    } else out.push(o);
  }
  return out;
}

export const withoutLabel = (key: string) => (o: O): O => {
  delete o.metadata.labels[key];
  return o;
};
export const withLabels = (labels: Record<string, string>) => (o: O): O => {
  o.metadata.labels = {...(o.metadata.labels ?? {}), ...labels};
  return o;
};
