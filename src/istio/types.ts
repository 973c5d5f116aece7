/** The parts of Istio's API that the tool reads (networking.istio.io v1; v1beta1/v1alpha3 are the same shape). */
export interface LocalityLbSetting {
  enabled?: boolean | null;
  distribute?: {from?: string; to?: Record<string, number>}[];
  failover?: {from?: string; to?: string}[];
  failoverPriority?: string[];
}

export interface OutlierDetection {
  consecutiveErrors?: number;
  consecutive5xxErrors?: number | null;
  consecutiveGatewayErrors?: number | null;
  consecutiveLocalOriginFailures?: number | null;
  splitExternalLocalOriginErrors?: boolean;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
}

export interface ClientTls {
  mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
  sni?: string;
  subjectAltNames?: string[];
  credentialName?: string;
  caCertificates?: string;
}

export interface LoadBalancerSettings {
  simple?: string;
  consistentHash?: unknown;
  localityLbSetting?: LocalityLbSetting;
  warmupDurationSecs?: string;
}

export interface PortTrafficPolicy {
  port?: {number?: number};
  connectionPool?: unknown;
  loadBalancer?: LoadBalancerSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTls;
}

export interface TrafficPolicy {
  connectionPool?: unknown;
  loadBalancer?: LoadBalancerSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTls;
  portLevelSettings?: PortTrafficPolicy[];
  tunnel?: unknown;
  proxyProtocol?: unknown;
}

export interface DestinationRuleSpec {
  host?: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: {name?: string; labels?: Record<string, string>; trafficPolicy?: TrafficPolicy}[];
  exportTo?: string[];
  workloadSelector?: {matchLabels?: Record<string, string>};
}

export interface ServicePortSpec {
  number: number;
  protocol?: string;
  name?: string;
  targetPort?: number;
}

export interface ServiceEntrySpec {
  hosts?: string[];
  addresses?: string[];
  ports?: ServicePortSpec[];
  location?: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  resolution?: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  endpoints?: WorkloadEntrySpec[];
  workloadSelector?: {labels?: Record<string, string>};
  exportTo?: string[];
}

export interface WorkloadEntrySpec {
  address?: string;
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  network?: string;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}

export interface MeshConfig {
  localityLbSetting?: LocalityLbSetting;
  serviceScopeConfigs?: {
    namespaceSelector?: LabelSelector;
    servicesSelector?: LabelSelector;
    scope?: 'LOCAL' | 'GLOBAL';
  }[];
  trustDomain?: string;
  rootNamespace?: string;
  defaultConfig?: {proxyMetadata?: Record<string, string>; meshId?: string};
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[]}[];
}
