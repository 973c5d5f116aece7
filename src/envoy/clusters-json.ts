/**
 * Envoy admin `/clusters?format=json` (envoy.admin.v3.Clusters, api/envoy/admin/v3/clusters.proto).
 *
 * Envoy writes snake_case and omits default values (priority 0, false booleans, empty strings);
 * protojson re-marshalling (istioctl) writes camelCase; istioctl's own fixtures mix both. 64-bit
 * stat values arrive as strings. One JSON.parse, then a walk that only builds hosts for the
 * clusters asked for.
 */
import {ENVOY_ADMIN} from '../istio/constants.js';
import {edsHealthFrom, flagsFromHealth, healthyHealth, internalAddress, pipeAddress, socketDisplay, type AddressParts} from './host.js';
import {arrField, boolField, clean, field, isObj, numField, objField, parseJsonText, strField, wrapped, type Obj} from './json.js';
import {DumpError, MAX_PRIORITY, selectorPredicate, validPriority, type ClustersDump, type EnvoyCluster, type EnvoyHost, type HostHealth, type ParseOptions} from './types.js';

const WHAT = 'clusters JSON';

/** Parse the text of `/clusters?format=json` (or istioctl `proxy-config endpoints -o json`, a bare array). */
export function parseClustersJson(text: string, opts: ParseOptions = {}): ClustersDump {
  return clustersFromJson(parseJsonText(text, WHAT), opts);
}

/** The same walk over an already parsed value. */
export function clustersFromJson(root: unknown, opts: ParseOptions = {}): ClustersDump {
  const statuses = clusterStatuses(root);
  const want = selectorPredicate(opts.cluster);
  const counters = new Counters();
  const clusters: EnvoyCluster[] = [];
  const allClusterNames: string[] = [];
  for (const cs of statuses) {
    if (!isObj(cs)) {
      counters.badClusters++;
      continue;
    }
    const name = strField(cs, 'name') ?? '';
    allClusterNames.push(name);
    if (want && !want(name)) continue;
    clusters.push(clusterFrom(cs, name, counters));
  }
  const warnings = counters.warnings();
  if (statuses.length === 0) warnings.push('the dump holds no clusters');
  return {clusters, format: 'json', allClusterNames, warnings};
}

function clusterStatuses(root: unknown): unknown[] {
  if (Array.isArray(root)) return root; // istioctl proxy-config endpoints -o json
  if (!isObj(root)) throw new DumpError(`not an Envoy /clusters dump: the JSON is ${root === null ? 'null' : typeof root}, not an object`);
  const statuses = field(root, 'cluster_statuses');
  if (Array.isArray(statuses)) return statuses;
  if (statuses !== undefined) throw new DumpError('not an Envoy /clusters dump: cluster_statuses is not a list');
  if (Object.keys(root).length === 0) return []; // an Envoy without clusters prints {}
  if ('configs' in root) throw new DumpError('not an Envoy /clusters dump: this is a /config_dump (it has "configs"); use the config_dump reader');
  throw new DumpError('not an Envoy /clusters dump: no cluster_statuses');
}

class Counters {
  badClusters = 0;
  badHosts = 0;
  unknownAddress = 0;
  unknownHealth = new Set<string>();
  badPriority = 0;

  warnings(): string[] {
    const w: string[] = [];
    if (this.badClusters) w.push(`${WHAT}: ${this.badClusters} cluster_statuses entries are not objects (skipped)`);
    if (this.badHosts) w.push(`${WHAT}: ${this.badHosts} host_statuses entries are not objects (skipped)`);
    if (this.unknownAddress) w.push(`${WHAT}: ${this.unknownAddress} hosts have no socket, pipe or internal address (shown as 'unknown')`);
    if (this.badPriority) w.push(`${WHAT}: ${this.badPriority} hosts skipped: a priority Envoy cannot have (not an integer from 0 to ${MAX_PRIORITY})`);
    if (this.unknownHealth.size) w.push(`${WHAT}: unknown eds_health_status ${[...this.unknownHealth].map((s) => JSON.stringify(s)).join(', ')} read as UNKNOWN`);
    return w;
  }
}

function clusterFrom(cs: Obj, name: string, counters: Counters): EnvoyCluster {
  const hosts: EnvoyHost[] = [];
  let evidence =
    field(cs, 'success_rate_ejection_threshold') !== undefined || field(cs, 'local_origin_success_rate_ejection_threshold') !== undefined;
  for (const hs of arrField(cs, 'host_statuses') ?? []) {
    if (!isObj(hs)) {
      counters.badHosts++;
      continue;
    }
    const host = hostFrom(hs, counters);
    if (!host) continue;
    // A host monitor only reports a rate, and a host can only be ejected, when an outlier detector exists.
    if (host.successRate !== undefined || host.localOriginSuccessRate !== undefined || host.health.failedOutlierCheck) evidence = true;
    hosts.push(host);
  }
  const cluster: EnvoyCluster = {name, outlierDetectionConfigured: evidence, outlierDetectionKnown: evidence, hosts};
  const obs = strField(cs, 'observability_name');
  if (obs !== undefined) cluster.observabilityName = obs;
  const eds = strField(cs, 'eds_service_name');
  if (eds !== undefined) cluster.edsServiceName = eds;
  cluster.addedViaApi = boolField(cs, 'added_via_api'); // omitted = false
  return cluster;
}

function hostFrom(hs: Obj, counters: Counters): EnvoyHost | undefined {
  const priority = numField(hs, 'priority') ?? 0;
  if (!validPriority(priority)) {
    counters.badPriority++;
    return undefined;
  }
  const addr = addressFrom(objField(hs, 'address'));
  if (addr.address === 'unknown') counters.unknownAddress++;
  const health = healthFrom(objField(hs, 'health_status'), counters);
  const loc = objField(hs, 'locality');
  const host: EnvoyHost = {
    address: addr.address,
    locality: {
      region: (loc && strField(loc, 'region')) ?? '',
      zone: (loc && strField(loc, 'zone')) ?? '',
      subZone: (loc && strField(loc, 'sub_zone')) ?? '',
    },
    priority,
    weight: Math.max(ENVOY_ADMIN.minHostWeight, numField(hs, 'weight') ?? ENVOY_ADMIN.minHostWeight),
    health,
    flags: flagsFromHealth(health),
    stats: statsFrom(arrField(hs, 'stats')),
  };
  if (addr.ip !== undefined) host.ip = addr.ip;
  if (addr.port !== undefined) host.port = addr.port;
  const hostname = strField(hs, 'hostname');
  if (hostname) host.hostname = hostname;
  const sr = rate(field(hs, 'success_rate'));
  if (sr !== undefined) host.successRate = sr;
  const lsr = rate(field(hs, 'local_origin_success_rate'));
  if (lsr !== undefined) host.localOriginSuccessRate = lsr;
  return host;
}

/** envoy.config.core.v3.Address (socket_address | pipe | envoy_internal_address). */
export function addressFrom(a: Obj | undefined): AddressParts {
  if (!a) return {address: 'unknown'};
  const sock = objField(a, 'socket_address');
  if (sock) {
    const ip = strField(sock, 'address') ?? '';
    const port = numField(sock, 'port_value');
    if (port === undefined) {
      // named_port (never set by Istio) or a port omitted as the default 0
      const named = strField(sock, 'named_port');
      return named ? {address: `${ip}:${named}`, ip} : {address: socketDisplay(ip, 0), ip, port: 0};
    }
    return {address: socketDisplay(ip, port), ip, port};
  }
  const pipe = objField(a, 'pipe');
  if (pipe) return pipeAddress(strField(pipe, 'path') ?? '');
  const internal = objField(a, 'envoy_internal_address');
  if (internal) return internalAddress(strField(internal, 'server_listener_name') ?? '', strField(internal, 'endpoint_id') ?? '');
  return {address: 'unknown'};
}

function healthFrom(h: Obj | undefined, counters: Counters): HostHealth {
  const health = healthyHealth();
  if (!h) return health;
  const raw = field(h, 'eds_health_status');
  if (raw !== undefined) {
    const eds = edsHealthFrom(raw);
    if (eds) health.edsHealthStatus = eds;
    else {
      health.edsHealthStatus = 'UNKNOWN';
      counters.unknownHealth.add(String(raw));
    }
  }
  health.failedOutlierCheck = boolField(h, 'failed_outlier_check');
  health.failedActiveHealthCheck = boolField(h, 'failed_active_health_check');
  health.failedActiveDegradedCheck = boolField(h, 'failed_active_degraded_check');
  health.pendingDynamicRemoval = boolField(h, 'pending_dynamic_removal');
  health.pendingActiveHc = boolField(h, 'pending_active_hc');
  health.excludedViaImmediateHcFail = boolField(h, 'excluded_via_immediate_hc_fail');
  health.activeHcTimeout = boolField(h, 'active_hc_timeout');
  health.failedDegradedOutlierDetection = boolField(h, 'failed_degraded_outlier_detection');
  return health;
}

/** SimpleMetric list → {name: value}; an omitted value is 0, string values are numbers. */
function statsFrom(list: unknown[] | undefined): Record<string, number> {
  const stats: Record<string, number> = {};
  if (!list) return stats;
  for (const m of list) {
    if (!isObj(m) || typeof m.name !== 'string') continue;
    stats[clean(m.name)] = numField(m, 'value') ?? 0;
  }
  return stats;
}

/** envoy.type.v3.Percent; Envoy leaves it out when the rate is -1 (no data). */
function rate(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = wrapped(v);
  return n === undefined || n < 0 ? undefined : n;
}
