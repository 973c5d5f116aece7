/**
 * Two-context fixtures for the FO4xx (multicluster) check tests, written from the seeds:
 * seed 000 (ambient multicluster failover: helloworld + waypoint, both global, same DestinationRule,
 * east-west Gateways of class istio-east-west, remote secrets both ways, a shared root) and
 * seed 003 (Tetrate east-west gateway failover: bookinfo in both clusters, ControlPlane CR,
 * WorkloadEntries for the remote services, no remote secrets).
 */

// Two self-signed roots made once with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj "/O=Istio/CN=Root CA a"
export const ROOT_A = `-----BEGIN CERTIFICATE-----
MIIBoDCCAUWgAwIBAgIUTr6cXEoGmUrXS8LSK/ALmcL7ntMwCgYIKoZIzj0EAwIw
JDEOMAwGA1UECgwFSXN0aW8xEjAQBgNVBAMMCVJvb3QgQ0EgYTAgFw0yNjExMjIw
NDI4MTNaGA8yMTI2MTAyOTA0MjgxM1owJDEOMAwGA1UECgwFSXN0aW8xEjAQBgNV
BAMMCVJvb3QgQ0EgYTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABF3FLkCWYLvc
uxuVAheCuEIv1pgC52k02RlK+z2orBz+x3QtBXZWHKWvD9XdAdNmwRpsI2u+aWCS
L3tNoio25CejUzBRMB0GA1UdDgQWBBQmrimdnuBfBbqfED2bBKm7FqXfVTAfBgNV
HSMEGDAWgBQmrimdnuBfBbqfED2bBKm7FqXfVTAPBgNVHRMBAf8EBTADAQH/MAoG
CCqGSM49BAMCA0kAMEYCIQC/x31Z+0vrYorv/nm/qwPT05Gs6Qjx1G1rmxY+oj14
yQIhAKQ94CxDRlMxTmDLktW/OHM+QlApfa0X+/+fWFH6nrET
-----END CERTIFICATE-----
`;

export const ROOT_B = `-----BEGIN CERTIFICATE-----
MIIBnjCCAUWgAwIBAgIUD8rWDA2Y4LGh1uJUXN0ELwF3bXAwCgYIKoZIzj0EAwIw
JDEOMAwGA1UECgwFSXN0aW8xEjAQBgNVBAMMCVJvb3QgQ0EgYjAgFw0yNjExMjIw
NDI4MTNaGA8yMTI2MTAyOTA0MjgxM1owJDEOMAwGA1UECgwFSXN0aW8xEjAQBgNV
BAMMCVJvb3QgQ0EgYjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFi5vfVSgra7
76WPBNn3E4RaYUKu1rgtDxhOqcSkq9grSfsaqN5IJEqQgQFk6TOQmn5nmDntbWkR
33jQ1Uisg4mjUzBRMB0GA1UdDgQWBBSfGWvob8WoFsHOfL2aE3jbV9um1zAfBgNV
HSMEGDAWgBSfGWvob8WoFsHOfL2aE3jbV9um1zAPBgNVHRMBAf8EBTADAQH/MAoG
CCqGSM49BAMCA0cAMEQCICq0ryZamXyHWHS30WoznPPudxg6apKfw+2WjUB0DXUu
AiAMgP5m1aUNytigmLsWqckbJwgWF4bx+AV0Fv0mzjXGNA==
-----END CERTIFICATE-----
`;

/** Indent a block of text by n spaces (for YAML literal blocks). */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export const AMBIENT_MESH = `serviceScopeConfigs:
- servicesSelector:
    matchExpressions:
    - key: istio.io/global
      operator: In
      values: ["true"]
  scope: GLOBAL
`;

export function istioConfigMap(mesh: string = AMBIENT_MESH, meshNetworks?: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
${indent(mesh, 4)}
${meshNetworks ? `  meshNetworks: |\n${indent(meshNetworks, 4)}\n` : ''}`;
}

export function rootCertConfigMap(...pems: string[]): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-ca-root-cert, namespace: istio-system}
data:
  root-cert.pem: |
${indent(pems.join(''), 4)}
`;
}

export function istiod(clusterId?: string, name = 'istiod'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: istio-system}
spec:
  template:
    spec:
      containers:
      - name: discovery
        image: docker.io/istio/pilot:1.27.1
${clusterId ? `        env:\n        - {name: CLUSTER_ID, value: ${clusterId}}\n` : ''}`;
}

export function remoteSecret(cluster: string, opts: {annotate?: boolean; name?: string} = {}): string {
  const annotate = opts.annotate ?? true;
  return `apiVersion: v1
kind: Secret
metadata:
  name: ${opts.name ?? `istio-remote-secret-${cluster}`}
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
${annotate ? `  annotations: {networking.istio.io/cluster: ${cluster}}\n` : ''}`;
}

export const HELLOWORLD_DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: helloworld, namespace: sample}
spec:
  host: helloworld.sample.svc.cluster.local
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 1m
    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting:
        enabled: true
        failoverPriority:
        - topology.istio.io/cluster
`;

export interface Seed000Options {
  /** istio.io/global on the helloworld Service (default true). */
  serviceGlobal?: boolean;
  /** istio.io/global on the waypoint Service (default true). */
  waypointGlobal?: boolean;
  /** The DestinationRule YAML ('' for none; default HELLOWORLD_DR). */
  dr?: string;
  rootCerts?: string[];
  /** Peers this cluster holds remote secrets for (default: the other of cluster1/cluster2). */
  remoteSecretsFor?: string[];
  /** status.addresses of the east-west Gateway (default a public IP; [] for none). */
  eastWestAddresses?: string[];
  /** status.loadBalancer.ingress of the east-west Service (default: the IPs among eastWestAddresses). */
  serviceIngress?: string[];
  /** Leave out the east-west Gateway and its Service. */
  noEastWest?: boolean;
  /** CLUSTER_ID of istiod (default: the cluster name; null: no env). */
  clusterId?: string | null;
  /** Leave out the helloworld Service. */
  noHelloworld?: boolean;
  /** Extra YAML documents. */
  extra?: string;
  mesh?: string;
  meshNetworks?: string;
}

/** One cluster of seed 000 done right (cluster1 → network1, cluster2 → network2). */
export function seed000(cluster: 'cluster1' | 'cluster2' | string, network: string, o: Seed000Options = {}): string {
  const peer = cluster === 'cluster1' ? 'cluster2' : 'cluster1';
  const svcLabels = [`app: helloworld`, `istio.io/use-waypoint: waypoint`, ...(o.serviceGlobal === false ? [] : [`istio.io/global: "true"`])].join(', ');
  const wpLabels = [`gateway.networking.k8s.io/gateway-name: waypoint`, `istio.io/waypoint-for: service`, ...(o.waypointGlobal === false ? [] : [`istio.io/global: "true"`])].join(', ');
  const addresses = o.eastWestAddresses ?? ['34.75.71.237'];
  const ingress = o.serviceIngress ?? addresses.filter((a) => /^[\d.]+$/.test(a) && a !== '10.80.6.124');
  const docs = [
    `apiVersion: v1
kind: Namespace
metadata: {name: istio-system, labels: {topology.istio.io/network: ${network}}}`,
    `apiVersion: v1
kind: Namespace
metadata: {name: sample, labels: {istio.io/dataplane-mode: ambient}}`,
    istioConfigMap(o.mesh ?? AMBIENT_MESH, o.meshNetworks),
    rootCertConfigMap(...(o.rootCerts ?? [ROOT_A])),
    istiod(o.clusterId === null ? undefined : (o.clusterId ?? cluster)),
    ...(o.remoteSecretsFor ?? [peer]).map((c) => remoteSecret(c)),
    ...(o.noHelloworld
      ? []
      : [
          `apiVersion: v1
kind: Service
metadata: {name: helloworld, namespace: sample, labels: {${svcLabels}}}
spec:
  selector: {app: helloworld}
  ports: [{name: http, port: 5000}]`,
          `apiVersion: v1
kind: Pod
metadata: {name: helloworld-${cluster === 'cluster1' ? 'v1' : 'v2'}-abc, namespace: sample, labels: {app: helloworld}}
spec: {nodeName: node-1, containers: [{name: helloworld}]}
status: {phase: Running}`,
        ]),
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: waypoint, namespace: sample, labels: {istio.io/waypoint-for: service}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
status:
  conditions: [{type: Programmed, status: "True"}]`,
    `apiVersion: v1
kind: Service
metadata: {name: waypoint, namespace: sample, labels: {${wpLabels}}}
spec:
  selector: {gateway.networking.k8s.io/gateway-name: waypoint}
  ports: [{name: mesh, port: 15008}]`,
    ...(o.dr === undefined ? [HELLOWORLD_DR] : o.dr ? [o.dr] : []),
    ...(o.noEastWest
      ? []
      : [
          `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: istio-eastwestgateway, namespace: istio-system, labels: {topology.istio.io/network: ${network}}}
spec:
  gatewayClassName: istio-east-west
  listeners:
  - name: mesh
    port: 15008
    protocol: HBONE
    tls: {mode: Terminate, options: {gateway.istio.io/tls-terminate-mode: ISTIO_MUTUAL}}
status:
  addresses: [${addresses.map((a) => `{type: ${/^[\d.]+$/.test(a) ? 'IPAddress' : 'Hostname'}, value: "${a}"}`).join(', ')}]`,
          `apiVersion: v1
kind: Service
metadata: {name: istio-eastwestgateway, namespace: istio-system, labels: {topology.istio.io/network: ${network}}}
spec:
  type: LoadBalancer
  clusterIP: 10.80.6.124
  clusterIPs: [10.80.6.124]
  selector: {gateway.networking.k8s.io/gateway-name: istio-eastwestgateway}
  ports: [{name: mesh, port: 15008}]
status:
  loadBalancer: {${ingress.length ? `ingress: [${ingress.map((i) => `{ip: "${i}"}`).join(', ')}]` : ''}}`,
        ]),
    ...(o.extra ? [o.extra] : []),
  ];
  return docs.join('\n---\n') + '\n';
}

/** Both clusters of seed 000, done right, with per-cluster overrides. */
export function seed000Pair(c1: Seed000Options = {}, c2: Seed000Options = {}): Record<string, string> {
  return {cluster1: seed000('cluster1', 'network1', c1), cluster2: seed000('cluster2', 'network2', c2)};
}

export interface Seed003Options {
  /** Leave out a bookinfo Service in this cluster. */
  without?: string[];
  extra?: string;
  /** Network the TSB WorkloadEntries name (default none). */
  weNetwork?: string;
  /** topology.istio.io/network on istio-system (default none). */
  network?: string;
  /** Leave out the east-west gateway Service. */
  noEastWest?: boolean;
}

const BOOKINFO = ['productpage', 'details', 'ratings', 'reviews'];

/** One cluster of seed 003 (Tetrate Service Bridge east-west failover). */
export function seed003(cluster: 'cluster-1' | 'cluster-2', o: Seed003Options = {}): string {
  const services = BOOKINFO.filter((s) => !(o.without ?? []).includes(s));
  const docs = [
    `apiVersion: v1
kind: Namespace
metadata: {name: istio-system${o.network ? `, labels: {topology.istio.io/network: ${o.network}}` : ''}}`,
    `apiVersion: v1
kind: Namespace
metadata: {name: bookinfo, labels: {istio-injection: enabled}}`,
    `apiVersion: v1
kind: Namespace
metadata: {name: eastwest}`,
    `apiVersion: install.tetrate.io/v1alpha1
kind: ControlPlane
metadata: {name: controlplane, namespace: istio-system}
spec: {hub: example.com/tetrate}`,
    istiod(cluster),
    rootCertConfigMap(ROOT_A),
    istioConfigMap('defaultConfig: {proxyMetadata: {}}\n'),
    ...services.map(
      (s) => `apiVersion: v1
kind: Service
metadata: {name: ${s}, namespace: bookinfo, labels: {app: ${s}, service: ${s}}}
spec:
  selector: {app: ${s}}
  ports: [{name: http, port: 9080}]`,
    ),
    // XCP edge creates one WorkloadEntry per remote service, addressed at the peer's east-west gateway.
    ...['details', 'ratings', 'reviews'].map(
      (s) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: k-${s}-2563fd2d9c78aacb3d42d6db45051ade
  namespace: bookinfo
  labels: {app: ${s}, xcp.tetrate.io/cluster: ${cluster === 'cluster-1' ? 'cluster-2' : 'cluster-1'}}
spec:
  address: 12.34.56.78
  labels: {app: ${s}}
  ports: {http: 15443}
${o.weNetwork ? `  network: ${o.weNetwork}\n` : ''}`,
    ),
    ...(o.noEastWest
      ? []
      : [
          `apiVersion: v1
kind: Service
metadata: {name: eastwest-gateway, namespace: eastwest, labels: {app: eastwest-gateway}}
spec:
  type: LoadBalancer
  selector: {app: eastwest-gateway}
  ports: [{name: tls, port: 15443}]
status:
  loadBalancer: {ingress: [{ip: 12.34.56.78}]}`,
        ]),
    ...(o.extra ? [o.extra] : []),
  ];
  return docs.join('\n---\n') + '\n';
}

export function seed003Pair(c1: Seed003Options = {}, c2: Seed003Options = {}): Record<string, string> {
  return {'cluster-1': seed003('cluster-1', c1), 'cluster-2': seed003('cluster-2', c2)};
}
