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
