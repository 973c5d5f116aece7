/**
 * Envoy admin `/config_dump` (envoy.admin.v3 / v2alpha *ConfigDump messages): the bootstrap node,
 * cluster settings that decide failover (outlier_detection, common_lb_config, lb_policy, Istio's
 * filter metadata) and the EDS load assignments (`?include_eds`), which stand in for /clusters
 * when only a config dump was captured. Keys may be snake_case (Envoy) or camelCase (protojson).
 */
import {ENVOY_ADMIN} from '../istio/constants.js';
import {addressFrom} from './clusters-json.js';
import {edsHealthFrom, flagsFromHealth, healthyHealth} from './host.js';
import {arrField, clean, field, isObj, numField, objField, parseJsonText, strField, wrapped, type Obj} from './json.js';
import {
  DumpError,
  selectorPredicate,
  type ClustersDump,
  type EdsHealthStatus,
  type EnvoyCluster,
  type EnvoyHost,
  type Locality,
  type ParseOptions,
  MAX_PRIORITY,
  validPriority,
} from './types.js';

const WHAT = 'config_dump JSON';

export interface ProxyNode {
  /** `sidecar~10.0.0.1~pod-abc.ns~ns.svc.cluster.local` (type~ip~pod.namespace~domain). */
  id: string;
  cluster?: string;
  proxyType?: string;
  ip?: string;
  podName?: string;
  podNamespace?: string;
  /** node.locality; Istio fills it from the node (or pod) topology labels. */
  locality: Locality;
  istioVersion?: string;
  clusterId?: string;
  /** metadata NAMESPACE, else the namespace in the id. */
  namespace?: string;
  /** metadata LABELS (the pod's labels); {} when absent (Istio < 1.4 put labels loose in metadata). */
  labels: Record<string, string>;
  metadata: Record<string, unknown>;
}

export interface CommonLbConfig {
  /** Percent; present-but-empty (`{}`) is 0 (panic mode off, what Istio sets with outlier detection). Absent: Envoy's 50. */
  healthyPanicThreshold?: number;
  localityWeightedLb: boolean;
  zoneAwareLb: boolean;
  raw: Record<string, unknown>;
}

/** The Istio entry of a cluster's filter_metadata. */
export interface IstioClusterMetadata {
  /** e.g. /apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/productpage */
  config?: string;
  destinationRule?: {apiVersion?: string; namespace: string; name: string};
  subset?: string;
  services: {host?: string; name?: string; namespace?: string}[];
  defaultOriginalPort?: number;
}

export interface ClusterConfig {
  name: string;
  source: 'static' | 'dynamic_active' | 'dynamic_warming';
  /** DiscoveryType (EDS, STATIC, STRICT_DNS, LOGICAL_DNS, ORIGINAL_DST), a custom cluster_type's name, or STATIC when omitted. */
  type: string;
  /** Omitted → ROUND_ROBIN. */
  lbPolicy: string;
  edsServiceName?: string;
  /** outlier_detection exactly as dumped (snake or camel keys); read it with outlierDetectionView or field(). */
  outlierDetection?: Record<string, unknown>;
  commonLbConfig?: CommonLbConfig;
  istio?: IstioClusterMetadata;
  /** Inline endpoints (STATIC / STRICT_DNS clusters). */
  loadAssignment?: EdsCluster;
  lastUpdated?: string;
}

export interface EdsEndpoint {
  /** Same display form as EnvoyHost.address. */
  address: string;
  ip?: string;
  port?: number;
  hostname?: string;
  locality: Locality;
  /** LocalityLbEndpoints.priority; omitted → 0. */
  priority: number;
  /** LbEndpoint.load_balancing_weight; omitted → 1. */
  weight: number;
  /** LocalityLbEndpoints.load_balancing_weight (used with locality weighted LB). */
  localityWeight?: number;
  /** LbEndpoint.health_status; omitted → UNKNOWN, which Envoy routes to like HEALTHY. */
  healthStatus: EdsHealthStatus;
}

export interface EdsCluster {
  clusterName: string;
  source: 'static' | 'dynamic' | 'inline';
  endpoints: EdsEndpoint[];
  overprovisioningFactor?: number;
  /** Endpoints left out: a priority Envoy cannot have (see MAX_PRIORITY). */
  invalidPriority?: number;
}

export interface ConfigDump {
  node?: ProxyNode;
  clusters: ClusterConfig[];
  endpoints: EdsCluster[];
  /** From the @type URLs: envoy.admin.v3 or envoy.admin.v2alpha. */
  apiVersion: 'v3' | 'v2' | 'unknown';
  warnings: string[];
}

/** Parse `/config_dump` text. With `cluster`, only those clusters and load assignments are built. */
export function parseConfigDump(text: string, opts: ParseOptions = {}): ConfigDump {
  return configDumpFromJson(parseJsonText(text, WHAT), opts);
}

export function configDumpFromJson(root: unknown, opts: ParseOptions = {}): ConfigDump {
  if (!isObj(root)) throw new DumpError(`not an Envoy /config_dump: the JSON is ${Array.isArray(root) ? 'a list' : root === null ? 'null' : typeof root}, not an object`);
  const configs = field(root, 'configs');
  if (!Array.isArray(configs)) {
    if (field(root, 'cluster_statuses') !== undefined) throw new DumpError('not an Envoy /config_dump: this is a /clusters dump (it has cluster_statuses)');
    throw new DumpError('not an Envoy /config_dump: no "configs" list');
  }
  const want = selectorPredicate(opts.cluster);
  const out: ConfigDump = {clusters: [], endpoints: [], apiVersion: 'unknown', warnings: []};
  let unknownTypes = 0;
  for (const c of configs) {
    if (!isObj(c)) continue;
    const type = typeof c['@type'] === 'string' ? c['@type'] : '';
    if (out.apiVersion === 'unknown') {
      if (type.includes('envoy.admin.v3.')) out.apiVersion = 'v3';
      else if (type.includes('envoy.admin.v2alpha.')) out.apiVersion = 'v2';
    }
    const kind = type.slice(type.lastIndexOf('.') + 1);
    switch (kind) {
      case 'BootstrapConfigDump': {
        const node = objField(objField(c, 'bootstrap') ?? {}, 'node');
        if (node) out.node = nodeFrom(node);
        break;
      }
      case 'ClustersConfigDump':
        collectClusters(c, 'static_clusters', 'static', want, out);
        collectClusters(c, 'dynamic_active_clusters', 'dynamic_active', want, out);
        collectClusters(c, 'dynamic_warming_clusters', 'dynamic_warming', want, out);
        break;
      case 'EndpointsConfigDump':
        collectEndpoints(c, 'static_endpoint_configs', 'static', want, out);
        collectEndpoints(c, 'dynamic_endpoint_configs', 'dynamic', want, out);
        break;
      case 'ListenersConfigDump':
      case 'RoutesConfigDump':
      case 'ScopedRoutesConfigDump':
      case 'SecretsConfigDump':
      case 'EcdsConfigDump':
        break;
      default:
        unknownTypes++;
    }
  }
  if (unknownTypes) out.warnings.push(`${WHAT}: ${unknownTypes} configs entries of unknown @type skipped`);
  const badPriority = [...out.endpoints, ...out.clusters.flatMap((c) => (c.loadAssignment ? [c.loadAssignment] : []))].reduce((n, e) => n + (e.invalidPriority ?? 0), 0);
  if (badPriority) out.warnings.push(`${WHAT}: ${badPriority} endpoints skipped: a priority Envoy cannot have (not an integer from 0 to ${MAX_PRIORITY})`);
  return out;
}

function nodeFrom(n: Obj): ProxyNode {
  const metadata = objField(n, 'metadata') ?? {};
  const loc = objField(n, 'locality');
  const node: ProxyNode = {
    id: strField(n, 'id') ?? '',
    locality: {
      region: (loc && strField(loc, 'region')) ?? '',
      zone: (loc && strField(loc, 'zone')) ?? '',
      subZone: (loc && strField(loc, 'sub_zone')) ?? '',
    },
    labels: {},
    metadata,
  };
  const cluster = strField(n, 'cluster');
  if (cluster) node.cluster = cluster;
  const parts = node.id.split('~');
  if (parts.length === 4) {
    const [type, ip, podId] = parts as [string, string, string, string];
    if (type) node.proxyType = type;
    if (ip) node.ip = ip;
    const dot = podId.lastIndexOf('.');
    if (dot > 0) {
      node.podName = podId.slice(0, dot);
      node.podNamespace = podId.slice(dot + 1);
    } else if (podId) node.podName = podId;
  }
  const str = (k: string): string | undefined => (typeof metadata[k] === 'string' && metadata[k] !== '' ? clean(metadata[k] as string) : undefined);
  const version = str('ISTIO_VERSION');
  if (version) node.istioVersion = version;
  const clusterId = str('CLUSTER_ID');
  if (clusterId) node.clusterId = clusterId;
  const ns = str('NAMESPACE') ?? str('CONFIG_NAMESPACE') ?? node.podNamespace;
  if (ns) node.namespace = ns;
  const labels = metadata.LABELS;
  if (isObj(labels)) {
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') node.labels[clean(k)] = clean(v);
  }
  return node;
}

function collectClusters(dump: Obj, key: string, source: ClusterConfig['source'], want: ((n: string) => boolean) | undefined, out: ConfigDump): void {
  for (const entry of arrField(dump, key) ?? []) {
    if (!isObj(entry)) continue;
    const c = objField(entry, 'cluster');
    if (!c) continue;
    const name = strField(c, 'name') ?? '';
    if (want && !want(name)) continue;
    const cfg = clusterConfigFrom(c, name, source);
    const updated = strField(entry, 'last_updated');
    if (updated) cfg.lastUpdated = updated;
    out.clusters.push(cfg);
  }
}

/** One envoy.config.cluster.v3.Cluster. */
export function clusterConfigFrom(c: Obj, name: string, source: ClusterConfig['source']): ClusterConfig {
  const customType = objField(c, 'cluster_type');
  const cfg: ClusterConfig = {
    name,
    source,
    type: strField(c, 'type') ?? (customType && strField(customType, 'name')) ?? 'STATIC',
    lbPolicy: strField(c, 'lb_policy') ?? ENVOY_ADMIN.defaultLbPolicy,
  };
  const eds = objField(c, 'eds_cluster_config');
  const edsName = eds && strField(eds, 'service_name');
  if (edsName) cfg.edsServiceName = edsName;
  const od = objField(c, 'outlier_detection');
  if (od) cfg.outlierDetection = od;
  const common = objField(c, 'common_lb_config');
  if (common) {
    cfg.commonLbConfig = {
      localityWeightedLb: field(common, 'locality_weighted_lb_config') !== undefined,
      zoneAwareLb: field(common, 'zone_aware_lb_config') !== undefined,
      raw: common,
    };
    const panic = field(common, 'healthy_panic_threshold');
    if (panic !== undefined) {
      const v = wrapped(panic);
      if (v !== undefined) cfg.commonLbConfig.healthyPanicThreshold = v;
    }
  }
  const istio = istioMetadata(c);
  if (istio) cfg.istio = istio;
  const la = objField(c, 'load_assignment');
  if (la) cfg.loadAssignment = edsClusterFrom(la, 'inline', name);
  return cfg;
}

const DR_PATH = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/destination-rule\/([^/]+)$/;

function istioMetadata(c: Obj): IstioClusterMetadata | undefined {
  const md = objField(c, 'metadata');
  const fm = md && objField(md, 'filter_metadata');
  const istio = fm && fm.istio;
  if (!isObj(istio)) return undefined;
  // Struct contents keep Istio's own (snake_case) keys even in camelCase dumps.
  const out: IstioClusterMetadata = {services: []};
  if (typeof istio.config === 'string') {
    out.config = clean(istio.config);
    const m = DR_PATH.exec(out.config);
    if (m) out.destinationRule = {apiVersion: `${m[1]}/${m[2]}`, namespace: m[3]!, name: m[4]!};
  }
  if (typeof istio.subset === 'string') out.subset = clean(istio.subset);
  const port = wrapped(istio.default_original_port ?? istio.defaultOriginalPort);
  if (port !== undefined) out.defaultOriginalPort = port;
  if (Array.isArray(istio.services)) {
    for (const s of istio.services) {
      if (!isObj(s)) continue;
      const svc: IstioClusterMetadata['services'][number] = {};
      if (typeof s.host === 'string') svc.host = clean(s.host);
      if (typeof s.name === 'string') svc.name = clean(s.name);
      if (typeof s.namespace === 'string') svc.namespace = clean(s.namespace);
      out.services.push(svc);
    }
  }
  return out;
}

function collectEndpoints(dump: Obj, key: string, source: EdsCluster['source'], want: ((n: string) => boolean) | undefined, out: ConfigDump): void {
  for (const entry of arrField(dump, key) ?? []) {
    if (!isObj(entry)) continue;
    const cla = objField(entry, 'endpoint_config');
    if (!cla) continue;
    const name = strField(cla, 'cluster_name') ?? '';
    if (want && !want(name)) continue;
    out.endpoints.push(edsClusterFrom(cla, source, name));
  }
}

/** One envoy.config.endpoint.v3.ClusterLoadAssignment. */
export function edsClusterFrom(cla: Obj, source: EdsCluster['source'], fallbackName = ''): EdsCluster {
  const out: EdsCluster = {clusterName: strField(cla, 'cluster_name') ?? fallbackName, source, endpoints: []};
  const policy = objField(cla, 'policy');
  const opf = policy && wrapped(field(policy, 'overprovisioning_factor'));
  if (opf !== undefined && opf !== null) out.overprovisioningFactor = opf;
  for (const lle of arrField(cla, 'endpoints') ?? []) {
    if (!isObj(lle)) continue;
    const loc = objField(lle, 'locality');
    const locality: Locality = {
      region: (loc && strField(loc, 'region')) ?? '',
      zone: (loc && strField(loc, 'zone')) ?? '',
      subZone: (loc && strField(loc, 'sub_zone')) ?? '',
    };
    const priority = numField(lle, 'priority') ?? 0;
    if (!validPriority(priority)) {
      out.invalidPriority = (out.invalidPriority ?? 0) + (arrField(lle, 'lb_endpoints')?.length ?? 0);
      continue;
    }
    const lw = field(lle, 'load_balancing_weight');
    const localityWeight = lw === undefined ? undefined : wrapped(lw);
    for (const lbe of arrField(lle, 'lb_endpoints') ?? []) {
      if (!isObj(lbe)) continue;
      const ep = objField(lbe, 'endpoint');
      const addr = addressFrom(ep && objField(ep, 'address'));
      const w = field(lbe, 'load_balancing_weight');
      const e: EdsEndpoint = {
        address: addr.address,
        locality,
        priority,
        weight: (w === undefined ? undefined : wrapped(w)) ?? ENVOY_ADMIN.defaultEndpointWeight,
        healthStatus: edsHealthFrom(field(lbe, 'health_status')) ?? 'UNKNOWN',
      };
      if (addr.ip !== undefined) e.ip = addr.ip;
      if (addr.port !== undefined) e.port = addr.port;
      const hostname = ep && strField(ep, 'hostname');
      if (hostname) e.hostname = hostname;
      if (localityWeight !== undefined) e.localityWeight = localityWeight;
      out.endpoints.push(e);
    }
  }
  return out;
}

/** A cluster's settings by exact name. */
export function findClusterConfig(dump: ConfigDump, name: string): ClusterConfig | undefined {
  return dump.clusters.find((c) => c.name === name);
}

/** A cluster's endpoints: its EDS assignment (by eds service name or name), else its inline load_assignment. */
export function findEndpoints(dump: ConfigDump, name: string): EdsCluster | undefined {
  const cfg = findClusterConfig(dump, name);
  const edsName = cfg?.edsServiceName ?? name;
  return (
    dump.endpoints.find((e) => e.clusterName === edsName) ??
    (edsName !== name ? dump.endpoints.find((e) => e.clusterName === name) : undefined) ??
    cfg?.loadAssignment
  );
}

/** The fields of an outlier_detection that matter for failover, from either spelling. Absent fields stay absent (Envoy defaults apply). */
export interface OutlierDetectionView {
  consecutive5xx?: number;
  consecutiveGatewayFailure?: number;
  consecutiveLocalOriginFailure?: number;
  enforcingConsecutive5xx?: number;
  enforcingConsecutiveGatewayFailure?: number;
  enforcingConsecutiveLocalOriginFailure?: number;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
  splitExternalLocalOriginErrors?: boolean;
}

export function outlierDetectionView(od: Record<string, unknown>): OutlierDetectionView {
  const v: OutlierDetectionView = {};
  const n = (k: string): number | undefined => {
    const x = field(od, k);
    return x === undefined ? undefined : wrapped(x);
  };
  const set = <K extends keyof OutlierDetectionView>(k: K, val: OutlierDetectionView[K] | undefined): void => {
    if (val !== undefined) v[k] = val;
  };
  set('consecutive5xx', n('consecutive_5xx'));
  set('consecutiveGatewayFailure', n('consecutive_gateway_failure'));
  set('consecutiveLocalOriginFailure', n('consecutive_local_origin_failure'));
  set('enforcingConsecutive5xx', n('enforcing_consecutive_5xx'));
  set('enforcingConsecutiveGatewayFailure', n('enforcing_consecutive_gateway_failure'));
  set('enforcingConsecutiveLocalOriginFailure', n('enforcing_consecutive_local_origin_failure'));
  set('maxEjectionPercent', n('max_ejection_percent'));
  const interval = field(od, 'interval');
  if (typeof interval === 'string') v.interval = interval;
  const bet = field(od, 'base_ejection_time');
  if (typeof bet === 'string') v.baseEjectionTime = bet;
  const split = field(od, 'split_external_local_origin_errors');
  if (typeof split === 'boolean') v.splitExternalLocalOriginErrors = split;
  return v;
}

/** A protobuf Duration string ("5s", "0.250s", "1.5s") in milliseconds; undefined if it is not one. */
export function durationMs(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(d.trim());
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/**
 * The /clusters host model built from a config dump's EDS (what Envoy was told, not what it
 * observed): no stats, no outlier ejections, no active health-check state. STRICT_DNS clusters
 * show their DNS names, not the resolved addresses. Needs `/config_dump?include_eds`.
 */
export function clustersFromConfigDump(dump: ConfigDump, opts: ParseOptions = {}): ClustersDump {
  const want = selectorPredicate(opts.cluster);
  const clusters: EnvoyCluster[] = [];
  const allClusterNames: string[] = [];
  const seen = new Set<string>();
  const usedEds = new Set<string>();
  for (const cfg of dump.clusters) {
    if (seen.has(cfg.name)) continue;
    seen.add(cfg.name);
    allClusterNames.push(cfg.name);
    if (want && !want(cfg.name)) continue;
    const eds = findEndpoints(dump, cfg.name);
    if (eds && eds.source !== 'inline') usedEds.add(eds.clusterName);
    const od = cfg.outlierDetection !== undefined;
    const cluster: EnvoyCluster = {name: cfg.name, outlierDetectionConfigured: od, outlierDetectionKnown: true, hosts: eds ? eds.endpoints.map(hostFromEds) : []};
    if (cfg.edsServiceName) cluster.edsServiceName = cfg.edsServiceName;
    cluster.addedViaApi = cfg.source !== 'static';
    clusters.push(cluster);
  }
  for (const eds of dump.endpoints) {
    if (seen.has(eds.clusterName) || usedEds.has(eds.clusterName)) continue;
    seen.add(eds.clusterName);
    allClusterNames.push(eds.clusterName);
    if (want && !want(eds.clusterName)) continue;
    clusters.push({name: eds.clusterName, outlierDetectionConfigured: false, outlierDetectionKnown: false, hosts: eds.endpoints.map(hostFromEds)});
  }
  const warnings = [...dump.warnings];
  if (dump.endpoints.length === 0) warnings.push('the config dump has no EDS section (capture /config_dump?include_eds): EDS clusters show no hosts');
  return {clusters, format: 'config_dump', allClusterNames, warnings};
}

function hostFromEds(e: EdsEndpoint): EnvoyHost {
  const health = healthyHealth();
  // As /clusters would show it: Envoy flags TIMEOUT as failed_eds_health (shown UNHEALTHY) and
  // sets no flag for UNKNOWN (shown HEALTHY) (HostImplBase::setEdsHealthFlag).
  health.edsHealthStatus = e.healthStatus === 'TIMEOUT' ? 'UNHEALTHY' : e.healthStatus === 'UNKNOWN' ? 'HEALTHY' : e.healthStatus;
  const host: EnvoyHost = {
    address: e.address,
    locality: e.locality,
    priority: e.priority,
    weight: Math.max(ENVOY_ADMIN.minHostWeight, e.weight),
    health,
    flags: flagsFromHealth(health),
    stats: {},
  };
  if (e.ip !== undefined) host.ip = e.ip;
  if (e.port !== undefined) host.port = e.port;
  if (e.hostname !== undefined) host.hostname = e.hostname;
  return host;
}
