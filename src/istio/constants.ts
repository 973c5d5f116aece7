/**
 * Istio's and Envoy's names and defaults, each in one place with where it comes from
 * (istio/istio 1.30 and envoyproxy/envoy; see ../shared/research/istio-envoy-internals.md).
 */
export const LABEL = {
  region: 'topology.kubernetes.io/region',
  zone: 'topology.kubernetes.io/zone',
  subzone: 'topology.istio.io/subzone',
  /** Deprecated beta labels; sidecar locality still falls back to them, ambient does not. */
  betaRegion: 'failure-domain.beta.kubernetes.io/region',
  betaZone: 'failure-domain.beta.kubernetes.io/zone',
  cluster: 'topology.istio.io/cluster',
  network: 'topology.istio.io/network',
  hostname: 'kubernetes.io/hostname',
  /** Pod label overriding the node-derived locality (1.29+); '.' separated. */
  locality: 'topology.istio.io/locality',
  legacyLocality: 'istio-locality',
  global: 'istio.io/global',
  useWaypoint: 'istio.io/use-waypoint',
  useWaypointNamespace: 'istio.io/use-waypoint-namespace',
  waypointFor: 'istio.io/waypoint-for',
  dataplaneMode: 'istio.io/dataplane-mode',
  injection: 'istio-injection',
  rev: 'istio.io/rev',
  sidecarInject: 'sidecar.istio.io/inject',
  multiCluster: 'istio/multiCluster',
  gatewayName: 'gateway.networking.k8s.io/gateway-name',
} as const;

export const ANNOTATION = {
  trafficDistribution: 'networking.istio.io/traffic-distribution',
  remoteSecretCluster: 'networking.istio.io/cluster',
} as const;

/** Labels Istio derives itself for failoverPriority (pkg/serviceregistry/util/label AugmentLabels). */
export const DERIVED_PRIORITY_LABELS: readonly string[] = [LABEL.region, LABEL.zone, LABEL.subzone, LABEL.cluster, LABEL.network, LABEL.hostname];

export const ENVOY = {
  /** outlier_detection.max_ejection_percent default (outlier_detection.proto). */
  maxEjectionPercent: 10,
  /** consecutive_5xx default and enforcing 100. */
  consecutive5xx: 5,
  /** Priority overprovisioning factor, as a percentage (load_balancer_impl.cc kDefaultOverProvisioningFactor). */
  overprovisioningFactor: 140,
  /** common_lb_config.healthy_panic_threshold default when Istio does not set it. */
  panicThreshold: 50,
  /** Since Envoy 1.28 (Istio 1.20) max_ejection_percent is strict and counted over all hosts. */
  strictMaxEjectionSinceIstio: [1, 20] as const,
} as const;

export const ISTIO = {
  /** The default cluster domain. */
  domain: 'cluster.local',
  /** Mesh default: localityLbSetting {enabled: true} (pkg/config/mesh/mesh.go). */
  meshLocalityEnabled: true,
  /** Ports istio treats as the east-west gateway's mTLS passthrough. */
  eastWestPort: 15443,
  eastWestGatewayClass: 'istio-east-west',
  waypointGatewayClass: 'istio-waypoint',
  /** The ambient profile's serviceScopeConfigs selects istio.io/global=true. */
  defaultGlobalSelector: {key: 'istio.io/global', values: ['true']},
} as const;

// --- Envoy admin output (src/envoy parsers) ---
/** Facts about Envoy's admin /clusters and /config_dump output that the parsers rely on. */
export const ENVOY_ADMIN = {
  /** Envoy clamps a host's weight to at least 1 (upstream_impl.cc HostImplBase::weight: `std::max(1U, new_weight)`), so an omitted weight is 1. */
  minHostWeight: 1,
  /** An EDS lb_endpoint without load_balancing_weight counts as 1 (endpoint_components.proto). */
  defaultEndpointWeight: 1,
  /** Outlier success rates are -1 when there is no data (text format prints -1; JSON omits the field). */
  noSuccessRate: -1,
  /** lb_policy omitted from a Cluster is its enum zero value (cluster.proto). */
  defaultLbPolicy: 'ROUND_ROBIN',
} as const;
// --- end Envoy admin output ---

// --- Waypoints (FO2xx/FO3xx checks) ---
export const WAYPOINT = {
  /** Annotation overriding the name of the Deployment/Service Istio generates for a Gateway. */
  nameOverrideAnnotation: 'gateway.istio.io/name-override',
  /** istio.io/waypoint-for when the label is absent (istio/api label/labels.yaml). */
  defaultFor: 'service',
  /** waypoint-for values under which the waypoint takes traffic addressed to a Service. */
  forServiceTraffic: ['service', 'all'] as readonly string[],
  /** The `istio` class (a regular gateway used as a waypoint): its Deployment is `<name>-istio`. */
  istioGatewayClass: 'istio',
  /** The name `istioctl waypoint apply` uses by default. */
  defaultName: 'waypoint',
  /** The value of istio.io/use-waypoint that opts a Service or Namespace out. */
  optOut: 'none',
} as const;
// --- end Waypoints ---

// --- Multicluster (FO4xx checks) ---
export const MULTICLUSTER = {
  /** `istioctl create-remote-secret` names the Secret `istio-remote-secret-<cluster>` (istioctl/pkg/multicluster/remote_secret.go). */
  remoteSecretPrefix: 'istio-remote-secret-',
  /** The ConfigMap istiod writes into every namespace with the mesh's root certificate(s), and its key. */
  rootCertConfigMap: 'istio-ca-root-cert',
  rootCertKey: 'root-cert.pem',
  /** Key of the `istio` ConfigMap that holds meshNetworks (networks → endpoints, gateways). */
  meshNetworksKey: 'meshNetworks',
  /** TLS mode of the sidecar east-west gateway's 15443 server (samples/multicluster/expose-services.yaml). */
  autoPassthrough: 'AUTO_PASSTHROUGH',
  /** istiod's cluster ID env var; injected proxies and waypoints carry ISTIO_META_CLUSTER_ID, ztunnel CLUSTER_ID. */
  clusterIdEnv: 'CLUSTER_ID',
  proxyClusterIdEnv: 'ISTIO_META_CLUSTER_ID',
  /** istiod's CLUSTER_ID when values.global.multiCluster.clusterName is not set (manifests/charts/istio-control/istio-discovery/values.yaml). */
  defaultClusterId: 'Kubernetes',
  /** Service annotation: a NodePort network gateway is reached on the ExternalIP of the nodes it selects (pilot kube controller). */
  nodeSelectorAnnotation: 'traffic.istio.io/nodeSelector',
  /** istiod's Deployment (revisioned: istiod-<rev>). */
  istiodDeployment: 'istiod',
  /** Names the Istio samples give the east-west gateway (samples/multicluster/gen-eastwest-gateway.sh, expose-services.yaml). */
  sampleEastWestService: 'istio-eastwestgateway',
  sampleCrossNetworkGateway: 'cross-network-gateway',
} as const;
// --- end Multicluster ---

// --- ServiceEntry, WorkloadEntry, TLS (FO5xx checks) ---
export const SERVICE_ENTRY = {
  /** The TLS port: an HTTP port whose endpoints listen here gets plain HTTP unless the DestinationRule originates TLS. */
  httpsPort: 443,
  /** WorkloadEntry addresses with this prefix are Unix domain sockets, not hostnames (pilot/pkg/model UnixAddressPrefix). */
  unixAddressPrefix: 'unix://',
  /** Istio 1.21 turned on ENABLE_AUTO_SNI and VERIFY_CERT_AT_CLIENT by default (1.21 upgrade notes): auto SNI + auto SAN validation. */
  autoSniSinceIstio: [1, 21] as const,
  /** istiod env var behind auto SNI / auto SAN validation (pilot/pkg/features; compatibilityVersion 1.20 sets it false). */
  autoSniEnv: 'ENABLE_AUTO_SNI',
  /** Tetrate: the env var on the XCP edge that replaces WorkloadEntry hostnames with IPs (TSB "Edge DNS resolution"). */
  tetrateEdgeDnsEnv: 'ENABLE_DNS_RESOLUTION_AT_EDGE',
  /** Tetrate ControlPlane CR defaults (TSB east-west failover doc). */
  tetrateControlPlaneName: 'controlplane',
  /** ServiceEntry port protocols that carry HTTP (Istio protocol.Parse, case-insensitive). */
  httpProtocols: ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB'] as readonly string[],
  /** Protocols whose client already speaks TLS (Istio passes it through). */
  tlsProtocols: ['HTTPS', 'TLS'] as readonly string[],
  /** DestinationRule tls modes that originate TLS to the endpoint. */
  originatingTlsModes: ['SIMPLE', 'MUTUAL'] as readonly string[],
} as const;
// --- end ServiceEntry, WorkloadEntry, TLS ---

// --- DestinationRule policy (FO1xx checks) ---
export const POLICY_FIX = {
  /**
   * The outlierDetection remediations add: Envoy's own consecutive-5xx default, interval and
   * base ejection time made explicit, and maxEjectionPercent 100 so that a whole local tier can be
   * ejected (Envoy ≥ 1.28 counts the cap over all hosts of the cluster).
   */
  outlierDetection: {consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100},
  /** maxEjectionPercent that lets every host of the local tier be ejected. */
  fullEjectionPercent: 100,
  /** meshConfig.enableAutoMtls default (true since Istio 1.5): a dropped ISTIO_MUTUAL is restored by auto mTLS. */
  autoMtlsDefault: true,
} as const;
// --- end DestinationRule policy ---
