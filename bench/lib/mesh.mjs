/**
 * Synthetic Istio meshes for the benchmark, written as bundles (one folder per context, `kind: List`
 * JSON files per namespace and kind, as `kubectl get … -o json > x.json` writes them).
 *
 * A mesh is N services × M pods over K nodes in Z zones, in two contexts (cluster1 in one region,
 * cluster2 in another, one network each, east-west gateways, remote secrets), with:
 * - Deployments, EndpointSlices and sidecar-injected pods as a real cluster has them (~3 KB a pod);
 * - DestinationRules for most services (locality failover, outlier detection), some wrong on purpose
 *   (no outlierDetection, failover to an unknown region, maxEjectionPercent too low…) so doctor has
 *   findings to rank and render;
 * - ServiceEntries for external services (endpoints with localities, some without), and
 *   WorkloadEntries (VMs) selected by STATIC ServiceEntries;
 * - teams of 20 services per namespace, plus one shared namespace holding 10% of the services (it
 *   grows with the mesh, so anything quadratic within a namespace shows in the growth figures).
 *
 * Deterministic: the same size gives byte-identical files.
 */
import {promises as fs, readFileSync} from 'node:fs';
import path from 'node:path';

export const SIZES = {
  tiny: {services: 4, podsPerService: 2, nodes: 3, zones: 3},
  small: {services: 100, podsPerService: 10, nodes: 40, zones: 3},
  medium: {services: 1000, podsPerService: 10, nodes: 400, zones: 3},
  large: {services: 5000, podsPerService: 10, nodes: 2000, zones: 3},
};

export const CONTEXTS = [
  {name: 'cluster1', region: 'us-east1', network: 'network1', subnet: 10},
  {name: 'cluster2', region: 'us-west1', network: 'network2', subnet: 11},
];

const SERVICES_PER_TEAM = 20;
const SHARED_SHARE = 0.1;
const CREATED = '2026-10-06T07:47:04Z';
const ISTIO_VERSION = '1.24.2';
const ROOT_CERT = readFileSync(new URL('../../test/support/sim/certs/ca.crt', import.meta.url), 'utf8');

/** mulberry32: a small deterministic PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';
function suffix(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(r() * ALNUM.length)];
  return s;
}

function hex(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

function uid(r) {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

function ip(subnet, n) {
  return `${subnet}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Which namespace service i lives in: the shared one for 10% of services, else its team's. */
export function namespaceOf(size, i) {
  const shared = Math.max(1, Math.round(size.services * SHARED_SHARE));
  if (i < shared) return 'shared';
  return `team-${Math.floor((i - shared) / SERVICES_PER_TEAM)}`;
}

export function serviceName(i) {
  return `svc-${i}`;
}

function zonesOf(ctx, size) {
  return Array.from({length: size.zones}, (_, z) => `${ctx.region}-${String.fromCharCode(97 + z)}`);
}

function meta(r, name, namespace, extra = {}) {
  return {
    ...(extra.annotations ? {annotations: extra.annotations} : {}),
    creationTimestamp: CREATED,
    ...(extra.generateName ? {generateName: extra.generateName} : {}),
    ...(extra.generation ? {generation: extra.generation} : {}),
    ...(extra.labels ? {labels: extra.labels} : {}),
    name,
    ...(namespace ? {namespace} : {}),
    ...(extra.ownerReferences ? {ownerReferences: extra.ownerReferences} : {}),
    resourceVersion: String(1000000 + Math.floor(r() * 8000000)),
    uid: uid(r),
  };
}

function node(r, ctx, size, k) {
  const zones = zonesOf(ctx, size);
  const zone = zones[k % zones.length];
  const name = `gke-${ctx.name}-pool-${String(k).padStart(5, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(r, name, undefined, {
      annotations: {'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true'},
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'e2-standard-8',
        'beta.kubernetes.io/os': 'linux',
        'cloud.google.com/gke-nodepool': 'pool',
        'failure-domain.beta.kubernetes.io/region': ctx.region,
        'failure-domain.beta.kubernetes.io/zone': zone,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'e2-standard-8',
        'topology.kubernetes.io/region': ctx.region,
        'topology.kubernetes.io/zone': zone,
      },
    }),
    spec: {podCIDR: `${ctx.subnet + 100}.${k >> 8}.${k & 255}.0/24`, providerID: `gce://project/${zone}/${name}`},
    status: {
      addresses: [
        {address: ip(ctx.subnet + 50, k + 2), type: 'InternalIP'},
        {address: name, type: 'Hostname'},
      ],
      allocatable: {cpu: '7910m', 'ephemeral-storage': '47060071478', memory: '29207416Ki', pods: '110'},
      capacity: {cpu: '8', 'ephemeral-storage': '98831908Ki', memory: '32880504Ki', pods: '110'},
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        lastHeartbeatTime: CREATED,
        lastTransitionTime: CREATED,
        message: type === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${type.toLowerCase()}`,
        reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`,
        status: type === 'Ready' ? 'True' : 'False',
        type,
      })),
      daemonEndpoints: {kubeletEndpoint: {Port: 10250}},
      nodeInfo: {
        architecture: 'amd64',
        bootID: uid(r),
        containerRuntimeVersion: 'containerd://1.7.24',
        kernelVersion: '6.6.56+',
        kubeProxyVersion: 'v1.32.0',
        kubeletVersion: 'v1.32.0',
        machineID: hex(r, 32),
        operatingSystem: 'linux',
        osImage: 'Container-Optimized OS from Google',
        systemUUID: uid(r),
      },
    },
  };
}

function namespace(r, name, labels) {
  return {apiVersion: 'v1', kind: 'Namespace', metadata: meta(r, name, undefined, {labels: {'kubernetes.io/metadata.name': name, ...labels}}), spec: {finalizers: ['kubernetes']}, status: {phase: 'Active'}};
}

function service(r, ns, name, ports, selector, extraLabels = {}, type = 'ClusterIP', lbIp) {
  const clusterIP = `34.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 250)}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(r, name, ns, {labels: {app: name, ...extraLabels}}),
    spec: {
      clusterIP,
      clusterIPs: [clusterIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports,
      ...(selector ? {selector} : {}),
      sessionAffinity: 'None',
      type,
    },
    status: {loadBalancer: lbIp ? {ingress: [{ip: lbIp, ipMode: 'VIP'}]} : {}},
  };
}

function deployment(r, ns, name, labels, replicas, containers) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(r, name, ns, {annotations: {'deployment.kubernetes.io/revision': '1'}, generation: 1, labels}),
    spec: {
      progressDeadlineSeconds: 600,
      replicas,
      revisionHistoryLimit: 10,
      selector: {matchLabels: labels},
      strategy: {rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}, type: 'RollingUpdate'},
      template: {metadata: {labels}, spec: {containers, dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30}},
    },
    status: {
      availableReplicas: replicas,
      conditions: [
        {lastTransitionTime: CREATED, lastUpdateTime: CREATED, message: 'Deployment has minimum availability.', reason: 'MinimumReplicasAvailable', status: 'True', type: 'Available'},
        {lastTransitionTime: CREATED, lastUpdateTime: CREATED, message: `ReplicaSet "${name}-${hex(r, 9)}" has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing'},
      ],
      observedGeneration: 1,
      readyReplicas: replicas,
      replicas,
      updatedReplicas: replicas,
    },
  };
}

const TOLERATIONS = [
  {effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300},
  {effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300},
];

function proxyContainer(ctx) {
  return {
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    env: [
      {name: 'PILOT_CERT_PROVIDER', value: 'istiod'},
      {name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012'},
      {name: 'ISTIO_META_CLUSTER_ID', value: ctx.name},
      {name: 'ISTIO_META_NETWORK', value: ctx.network},
      {name: 'ISTIO_META_MESH_ID', value: 'mesh1'},
    ],
    image: `docker.io/istio/proxyv2:${ISTIO_VERSION}`,
    imagePullPolicy: 'IfNotPresent',
    name: 'istio-proxy',
    ports: [{containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP'}],
    readinessProbe: {failureThreshold: 4, httpGet: {path: '/healthz/ready', port: 15021, scheme: 'HTTP'}, periodSeconds: 15, successThreshold: 1, timeoutSeconds: 3},
    resources: {limits: {cpu: '2', memory: '1Gi'}, requests: {cpu: '100m', memory: '128Mi'}},
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: ['ALL']}, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

function appContainer(name, port) {
  return {
    image: `registry.example.com/${name}:1.4.2`,
    imagePullPolicy: 'IfNotPresent',
    name: 'app',
    ports: [{containerPort: port, name: 'http', protocol: 'TCP'}],
    resources: {requests: {cpu: '100m', memory: '128Mi'}},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

function pod(r, ctx, ns, name, labels, nodeObj, podIp, owner, containers, sidecar = true) {
  const nodeName = nodeObj.metadata.name;
  const hostIP = nodeObj.status.addresses[0].address;
  const statuses = containers.map((c) => ({
    containerID: `containerd://${hex(r, 64)}`,
    image: c.image,
    imageID: `${c.image.split(':')[0]}@sha256:${hex(r, 64)}`,
    lastState: {},
    name: c.name,
    ready: true,
    restartCount: 0,
    started: true,
    state: {running: {startedAt: CREATED}},
  }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(r, name, ns, {
      annotations: sidecar
        ? {
            'istio.io/rev': 'default',
            'kubectl.kubernetes.io/default-container': 'app',
            'prometheus.io/path': '/stats/prometheus',
            'prometheus.io/port': '15020',
            'prometheus.io/scrape': 'true',
            'sidecar.istio.io/status': '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}',
          }
        : undefined,
      generateName: name.slice(0, name.lastIndexOf('-') + 1),
      labels,
      ownerReferences: owner ? [{apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicaSet', name: owner, uid: uid(r)}] : undefined,
    }),
    spec: {
      containers,
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      nodeName,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: TOLERATIONS,
    },
    status: {
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({lastProbeTime: null, lastTransitionTime: CREATED, status: 'True', type})),
      containerStatuses: statuses,
      hostIP,
      hostIPs: [{ip: hostIP}],
      phase: 'Running',
      podIP: podIp,
      podIPs: [{ip: podIp}],
      qosClass: 'Burstable',
      startTime: CREATED,
    },
  };
}

function endpointSlice(r, ns, svcName, port, pods, nodesByName) {
  return {
    addressType: 'IPv4',
    apiVersion: 'discovery.k8s.io/v1',
    endpoints: pods.map((p) => ({
      addresses: [p.status.podIP],
      conditions: {ready: true, serving: true, terminating: false},
      nodeName: p.spec.nodeName,
      targetRef: {kind: 'Pod', name: p.metadata.name, namespace: ns, uid: p.metadata.uid},
      zone: nodesByName.get(p.spec.nodeName).metadata.labels['topology.kubernetes.io/zone'],
    })),
    kind: 'EndpointSlice',
    metadata: meta(r, `${svcName}-${suffix(r, 5)}`, ns, {
      generateName: `${svcName}-`,
      generation: 1,
      labels: {'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': svcName},
    }),
    ports: [{name: 'http', port, protocol: 'TCP'}],
  };
}

/** The DestinationRule of service i: mostly right, some wrong in the ways doctor reports. */
function destinationRule(r, ctx, ns, name, i, peer) {
  const host = `${name}.${ns}.svc.cluster.local`;
  const kind = i % 20;
  const od = {consecutive5xxErrors: 3, interval: '5s', baseEjectionTime: '30s', maxEjectionPercent: 100};
  let trafficPolicy;
  if (kind === 0) trafficPolicy = {loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true}}}; // FO101: no outlierDetection
  else if (kind === 1) trafficPolicy = {loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: ctx.region, to: 'eu-north9'}]}}, outlierDetection: od}; // FO105
  else if (kind === 2) trafficPolicy = {loadBalancer: {localityLbSetting: {enabled: true}}, outlierDetection: {consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s'}}; // FO102: default 10%
  else if (kind === 3) trafficPolicy = {loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: ctx.region, to: peer.region}]}}, outlierDetection: {...od, minHealthPercent: 50}}; // FO110
  else if (kind < 10) trafficPolicy = {loadBalancer: {localityLbSetting: {enabled: true, failoverPriority: ['topology.istio.io/network', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone']}}, outlierDetection: od};
  else if (kind < 16) trafficPolicy = {loadBalancer: {simple: 'LEAST_REQUEST', localityLbSetting: {enabled: true, failover: [{from: ctx.region, to: peer.region}]}}, outlierDetection: od};
  else return undefined; // no DestinationRule for the rest
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: meta(r, name, ns, {generation: 1}),
    spec: {host, trafficPolicy: {connectionPool: {http: {http1MaxPendingRequests: 1024, maxRequestsPerConnection: 0}}, ...trafficPolicy}},
  };
}

function meshConfigMap(r) {
  const mesh = [
    'defaultConfig:',
    '  discoveryAddress: istiod.istio-system.svc:15012',
    '  meshId: mesh1',
    '  proxyMetadata: {}',
    'enablePrometheusMerge: true',
    'rootNamespace: istio-system',
    'trustDomain: cluster.local',
  ].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(r, 'istio', 'istio-system', {labels: {'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', release: 'istiod'}}),
    data: {mesh, meshNetworks: 'networks: {}'},
  };
}

/**
 * Every object of one context, grouped as files: `${namespace}/${kind}.json` → objects.
 * Returns the files and counts.
 */
export function contextObjects(sizeName, ctxIndex) {
  const size = SIZES[sizeName];
  const ctx = CONTEXTS[ctxIndex];
  const peer = CONTEXTS[1 - ctxIndex];
  const r = rng(0x5eed + ctxIndex * 7919 + size.services);
  const files = new Map();
  const add = (ns, kind, o) => {
    const key = `${ns || '_cluster'}/${kind}`;
    let list = files.get(key);
    if (!list) files.set(key, (list = []));
    list.push(o);
  };

  // Nodes.
  const nodes = Array.from({length: size.nodes}, (_, k) => node(r, ctx, size, k));
  const nodesByName = new Map(nodes.map((n) => [n.metadata.name, n]));
  for (const n of nodes) add('', 'nodes', n);
  let podSeq = 0;
  let nodeSeq = 0;
  const nextNode = () => nodes[nodeSeq++ % nodes.length];
  const nextIp = () => ip(ctx.subnet, 256 + podSeq++);

  // Namespaces.
  const teams = new Set();
  for (let i = 0; i < size.services; i++) teams.add(namespaceOf(size, i));
  add('', 'namespaces', namespace(r, 'istio-system', {'topology.istio.io/network': ctx.network}));
  add('', 'namespaces', namespace(r, 'kube-system', {}));
  add('', 'namespaces', namespace(r, 'default', {}));
  for (const ns of teams) add('', 'namespaces', namespace(r, ns, {'istio-injection': 'enabled'}));

  // Istio control plane: istiod, mesh config, root cert, east-west gateway, remote secret.
  const istiodLabels = {app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default'};
  add('istio-system', 'deployments', {
    ...deployment(r, 'istio-system', 'istiod', istiodLabels, 2, [
      {
        args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local', '--keepaliveMaxServerConnectionAge', '30m'],
        env: [
          {name: 'REVISION', value: 'default'},
          {name: 'PILOT_CERT_PROVIDER', value: 'istiod'},
          {name: 'CLUSTER_ID', value: ctx.name},
          {name: 'PILOT_ENABLE_ANALYSIS', value: 'false'},
        ],
        image: `docker.io/istio/pilot:${ISTIO_VERSION}`,
        name: 'discovery',
        ports: [{containerPort: 15010, protocol: 'TCP'}, {containerPort: 15017, protocol: 'TCP'}],
      },
    ]),
  });
  for (let k = 0; k < 2; k++) {
    add('istio-system', 'pods', pod(r, ctx, 'istio-system', `istiod-7d4f8b9c6-${suffix(r, 5)}`, {...istiodLabels, 'pod-template-hash': '7d4f8b9c6'}, nextNode(), nextIp(), 'istiod-7d4f8b9c6', [{image: `docker.io/istio/pilot:${ISTIO_VERSION}`, name: 'discovery', env: [{name: 'CLUSTER_ID', value: ctx.name}]}], false));
  }
  add('istio-system', 'configmaps', meshConfigMap(r));
  add('istio-system', 'configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(r, 'istio-ca-root-cert', 'istio-system', {labels: {'istio.io/config': 'true'}}), data: {'root-cert.pem': ROOT_CERT}});
  const ewLabels = {app: 'istio-eastwestgateway', istio: 'eastwestgateway', 'topology.istio.io/network': ctx.network};
  add('istio-system', 'services', service(r, 'istio-system', 'istio-eastwestgateway', [
    {name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021},
    {name: 'tls', port: 15443, protocol: 'TCP', targetPort: 15443},
    {name: 'tls-istiod', port: 15012, protocol: 'TCP', targetPort: 15012},
    {name: 'tls-webhook', port: 15017, protocol: 'TCP', targetPort: 15017},
  ], {app: 'istio-eastwestgateway', istio: 'eastwestgateway'}, ewLabels, 'LoadBalancer', `35.${ctx.subnet}.0.1`));
  add('istio-system', 'gateways.networking.istio.io', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: meta(r, 'cross-network-gateway', 'istio-system', {generation: 1}),
    spec: {selector: {istio: 'eastwestgateway'}, servers: [{hosts: ['*.local'], port: {name: 'tls', number: 15443, protocol: 'TLS'}, tls: {mode: 'AUTO_PASSTHROUGH'}}]},
  });
  add('istio-system', 'secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(r, `istio-remote-secret-${peer.name}`, 'istio-system', {annotations: {'networking.istio.io/cluster': peer.name}, labels: {'istio/multiCluster': 'true'}}),
    type: 'Opaque',
    data: {[peer.name]: Buffer.from(`apiVersion: v1\nkind: Config\nclusters: []\n# ${peer.name}`).toString('base64')},
  });

  // Application services.
  let pods = 0;
  for (let i = 0; i < size.services; i++) {
    const ns = namespaceOf(size, i);
    const name = serviceName(i);
    const port = 8080;
    const labels = {app: name, version: 'v1'};
    const ports = [{name: 'http', port, protocol: 'TCP', targetPort: port}];
    if (i % 4 === 0) ports.push({name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090});
    add(ns, 'services', service(r, ns, name, ports, {app: name}));
    const containers = [appContainer(name, port), proxyContainer(ctx)];
    const hash = hex(r, 9);
    add(ns, 'deployments', deployment(r, ns, `${name}-v1`, labels, size.podsPerService, containers));
    const svcPods = [];
    for (let m = 0; m < size.podsPerService; m++) {
      const p = pod(r, ctx, ns, `${name}-v1-${hash}-${suffix(r, 5)}`, {...labels, 'pod-template-hash': hash, 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': name, 'service.istio.io/canonical-revision': 'v1'}, nextNode(), nextIp(), `${name}-v1-${hash}`, containers);
      svcPods.push(p);
      add(ns, 'pods', p);
      pods++;
    }
    add(ns, 'endpointslices', endpointSlice(r, ns, name, port, svcPods, nodesByName));
    const dr = destinationRule(r, ctx, ns, name, i, peer);
    if (dr) add(ns, 'destinationrules.networking.istio.io', dr);
  }

  // External services (ServiceEntry with localities) and VMs (WorkloadEntry + STATIC ServiceEntry).
  const external = Math.max(1, Math.floor(size.services / 50));
  for (let e = 0; e < external; e++) {
    const ns = namespaceOf(size, e * 50);
    const host = `api-${e}.partner.example.com`;
    const regions = [ctx.region, peer.region];
    add(ns, 'serviceentries.networking.istio.io', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: meta(r, `external-${e}`, ns, {generation: 1}),
      spec: {
        hosts: [host],
        location: 'MESH_EXTERNAL',
        ports: [{name: 'http', number: 80, protocol: 'HTTP', targetPort: 443}],
        resolution: 'DNS',
        endpoints: regions.map((reg, k) => ({address: `${reg}.api-${e}.partner.example.com`, ...(e % 5 === 4 && k === 1 ? {} : {locality: `${reg}/${reg}-a`})})),
      },
    });
    add(ns, 'destinationrules.networking.istio.io', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: meta(r, `external-${e}`, ns, {generation: 1}),
      spec: {host, trafficPolicy: {tls: {mode: 'SIMPLE', sni: host}, loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: ctx.region, to: peer.region}]}}, outlierDetection: {consecutive5xxErrors: 3, interval: '5s', baseEjectionTime: '1m', maxEjectionPercent: 100}}},
    });
    const vmLabels = {app: `vm-${e}`, class: 'vm'};
    for (let v = 0; v < 3; v++) {
      add(ns, 'workloadentries.networking.istio.io', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'WorkloadEntry',
        metadata: meta(r, `vm-${e}-${v}`, ns, {generation: 1}),
        spec: {address: e % 10 === 9 && v === 0 ? `vm-${e}-${v}.vms.example.com` : ip(ctx.subnet + 20, e * 4 + v + 1), labels: vmLabels, locality: `${ctx.region}/${zonesOf(ctx, size)[v % size.zones]}`, network: ctx.network, serviceAccount: 'vm'},
      });
    }
    add(ns, 'serviceentries.networking.istio.io', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: meta(r, `vm-${e}`, ns, {generation: 1}),
      spec: {hosts: [`vm-${e}.${ns}.mesh.internal`], location: 'MESH_INTERNAL', ports: [{name: 'http', number: 8080, protocol: 'HTTP'}], resolution: 'STATIC', workloadSelector: {labels: vmLabels}},
    });
  }
  return {files, counts: {nodes: nodes.length, namespaces: teams.size + 3, services: size.services, pods: pods + 2, external}};
}

/** Write the mesh of `sizeName` as a bundle under dir (cluster1/, cluster2/). Returns counts and bytes. */
export async function writeMeshBundle(dir, sizeName, {format = 'json'} = {}) {
  let bytes = 0;
  const counts = [];
  const stringify = format === 'yaml' ? (await import('yaml')).stringify : undefined;
  for (let c = 0; c < CONTEXTS.length; c++) {
    const {files, counts: n} = contextObjects(sizeName, c);
    counts.push(n);
    for (const [key, items] of files) {
      const file = path.join(dir, CONTEXTS[c].name, `${key.replace('/', path.sep)}.${format}`);
      await fs.mkdir(path.dirname(file), {recursive: true});
      const list = {apiVersion: 'v1', kind: 'List', items, metadata: {resourceVersion: ''}};
      const text = stringify ? stringify(list, {lineWidth: 0, aliasDuplicateObjects: false}) : JSON.stringify(list);
      await fs.writeFile(file, text);
      bytes += Buffer.byteLength(text);
    }
  }
  return {counts, bytes};
}

/** The kinds `kubectl get` reads for the comparison: what doctor reads, by kubectl's names. */
export const KUBECTL_KINDS = [
  'namespaces',
  'nodes',
  'services',
  'pods',
  'endpointslices.discovery.k8s.io',
  'deployments.apps',
  'configmaps',
  'secrets',
  'destinationrules.networking.istio.io',
  'serviceentries.networking.istio.io',
  'workloadentries.networking.istio.io',
  'gateways.networking.istio.io',
];
