/**
 * Envoy admin plain-text `/clusters` (source/server/admin/clusters_handler.cc writeClusterAsText).
 *
 *   C::observability_name::X                  C::outlier::success_rate_average::N   (only with an outlier detector)
 *   C::default_priority::max_connections::N   C::high_priority::…   C::added_via_api::true   C::eds_service_name::X
 *   C::ADDRESS::<stat>::N   C::ADDRESS::hostname::H   C::ADDRESS::health_flags::healthy|/flag/flag
 *   C::ADDRESS::weight|region|zone|sub_zone|canary|priority|success_rate|local_origin_success_rate::V
 *
 * ADDRESS is Address::asString(): `1.2.3.4:80`, `[fd00::1]:80`, `/path/sock` or `@abstract`, or
 * `envoy://listener/endpoint_id`, so it may itself hold `::`. A line is split at the first `::`
 * (cluster names never hold `::`; Istio's use `|`), and host lines from the right (the value, then
 * the key); everything in between is the address. Lines that do not fit are counted, never fatal.
 */
import {StringDecoder} from 'node:string_decoder';
import {ENVOY_ADMIN} from '../istio/constants.js';
import {healthyHealth, parseHealthFlagsValue, parseTextAddress, type AddressParts} from './host.js';
import {clean} from './json.js';
import {DumpError, MAX_PRIORITY, selectorPredicate, validPriority, type ClustersDump, type EnvoyCluster, type EnvoyHost, type HostHealth, type ParseOptions} from './types.js';

const WHAT = 'clusters text';

/** A line longer than this is not Envoy output (the longest real lines are a few hundred bytes). */
export const MAX_TEXT_LINE_CHARS = 1 << 20;

/** Per-cluster attribute lines: `C::key::value`. */
const CLUSTER_ATTRS: ReadonlySet<string> = new Set(['observability_name', 'added_via_api', 'eds_service_name']);
/** Per-cluster grouped lines: `C::group::key::value`. */
const CLUSTER_GROUPS: ReadonlySet<string> = new Set(['outlier', 'default_priority', 'high_priority']);
const KEY_RE = /^[A-Za-z0-9_.-]+$/;
const HOSTNAME_SEP = '::hostname::';

/** Parse the whole text of `/clusters`. */
export function parseClustersText(text: string, opts: ParseOptions = {}): ClustersDump {
  const b = new TextDumpBuilder(opts);
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let nl = text.indexOf('\n', start); start <= text.length; nl = text.indexOf('\n', start)) {
    const end = nl < 0 ? text.length : nl;
    b.pushLine(text.slice(start, end));
    if (nl < 0) break;
    start = nl + 1;
  }
  return b.finish();
}

/**
 * Parse `/clusters` text from a stream, line by line, keeping only the wanted clusters' lines:
 * memory stays proportional to the kept clusters (plus the list of cluster names), not the dump.
 */
export async function parseClustersTextStream(readable: NodeJS.ReadableStream | AsyncIterable<string | Buffer>, opts: ParseOptions = {}): Promise<ClustersDump> {
  const b = new TextDumpBuilder(opts);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let skipping = false; // inside an over-long line: drop until its newline
  let first = true;
  for await (const chunk of readable as AsyncIterable<string | Buffer>) {
    let s = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    let start = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      if (skipping) skipping = false;
      else b.pushLine(carry.length ? carry + s.slice(start, nl) : s.slice(start, nl));
      carry = '';
      start = nl + 1;
    }
    if (skipping) continue;
    carry = carry.length ? carry + s.slice(start) : s.slice(start);
    if (carry.length > MAX_TEXT_LINE_CHARS) {
      b.pushOverlong(carry);
      carry = '';
      skipping = true;
    }
  }
  const rest = carry + decoder.end();
  if (!skipping && rest.length) b.pushLine(rest);
  return b.finish();
}

/**
 * A private copy of a short string. Slices of a large chunk keep the whole chunk alive in V8;
 * anything stored past the current line is copied so a streamed dump is not retained piecemeal.
 */
function own(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

interface HostBuilder {
  addr: AddressParts;
  hostname?: string;
  flags: string[];
  health: HostHealth;
  weight?: number;
  region: string;
  zone: string;
  subZone: string;
  priority: number;
  /** A priority line Envoy cannot have written (over MAX_PRIORITY): the host is skipped. */
  badPriority?: boolean;
  stats: Record<string, number>;
  successRate?: number;
  localOriginSuccessRate?: number;
}

interface ClusterBuilder {
  name: string;
  observabilityName?: string;
  edsServiceName?: string;
  addedViaApi?: boolean;
  outlier: boolean;
  hosts: Map<string, HostBuilder>;
}

class TextDumpBuilder {
  private readonly want: ((name: string) => boolean) | undefined;
  private readonly exact: string | undefined;
  private readonly wantCache = new Map<string, boolean>();
  private readonly clusters = new Map<string, ClusterBuilder>();
  private readonly names = new Set<string>();
  private lineNo = 0;
  private nonEmpty = 0;
  private understood = 0;
  private bad = 0;
  private firstBad?: {line: number; text: string};
  private firstLine?: string;

  constructor(opts: ParseOptions) {
    this.exact = typeof opts.cluster === 'string' ? opts.cluster : undefined;
    this.want = selectorPredicate(opts.cluster);
  }

  pushOverlong(text: string): void {
    this.lineNo++;
    this.nonEmpty++;
    this.reject(text);
  }

  pushLine(raw: string): void {
    this.lineNo++;
    const line = raw.charCodeAt(raw.length - 1) === 13 /* \r */ ? raw.slice(0, -1) : raw;
    if (line.length === 0 || line.trim().length === 0) return;
    this.nonEmpty++;
    if (this.firstLine === undefined) this.firstLine = line.slice(0, 80);
    const sep = line.indexOf('::');
    const restAt = sep + 2;
    // A cluster name, then at least `key::value`.
    if (sep <= 0 || line.indexOf('::', restAt) < 0 || /\s/.test(line.slice(0, sep))) return this.reject(line);
    const name = line.slice(0, sep);
    if (!this.wanted(name)) {
      this.understood++;
      this.noteName(name);
      return;
    }
    if (this.parseWanted(name, line.slice(restAt))) this.understood++;
    else this.reject(line);
  }

  private wanted(name: string): boolean {
    if (this.exact !== undefined) return name === this.exact;
    if (!this.want) return true;
    let w = this.wantCache.get(name);
    if (w === undefined) {
      w = this.want(name);
      this.wantCache.set(own(name), w);
    }
    return w;
  }

  private noteName(name: string): string {
    if (this.names.has(name)) return name;
    const owned = own(name);
    this.names.add(owned);
    return owned;
  }

  private cluster(name: string): ClusterBuilder {
    let c = this.clusters.get(name);
    if (!c) {
      const owned = this.noteName(name);
      c = {name: owned, outlier: false, hosts: new Map()};
      this.clusters.set(owned, c);
    }
    return c;
  }

  private reject(line: string): void {
    this.bad++;
    if (!this.firstBad) this.firstBad = {line: this.lineNo, text: line.slice(0, 80)};
  }

  /** `rest` is the line after `C::`. Returns false when the line does not fit the format. */
  private parseWanted(name: string, rest: string): boolean {
    const k = rest.indexOf('::');
    const head = rest.slice(0, k);
    if (CLUSTER_ATTRS.has(head)) {
      const c = this.cluster(name);
      const value = rest.slice(k + 2);
      if (head === 'observability_name') c.observabilityName = clean(own(value));
      else if (head === 'eds_service_name') c.edsServiceName = clean(own(value));
      else c.addedViaApi = value === 'true';
      return true;
    }
    if (CLUSTER_GROUPS.has(head)) {
      const c = this.cluster(name);
      if (head === 'outlier') c.outlier = true;
      return true; // circuit-breaker thresholds and outlier averages are not part of the model
    }

    let addr: string;
    let key: string;
    let value: string;
    const hn = rest.indexOf(HOSTNAME_SEP);
    if (hn > 0) {
      // A hostname may itself hold `::` (an IPv6 literal), so split it at its key.
      addr = rest.slice(0, hn);
      key = 'hostname';
      value = rest.slice(hn + HOSTNAME_SEP.length);
    } else {
      const v = rest.lastIndexOf('::');
      const ks = v > 0 ? rest.lastIndexOf('::', v - 2) : -1;
      if (ks < 0) {
        // `C::key::value` with a key this parser does not know: a newer Envoy's cluster attribute.
        return KEY_RE.test(head) && !head.includes('.');
      }
      addr = rest.slice(0, ks);
      key = rest.slice(ks + 2, v);
      value = rest.slice(v + 2);
    }
    if (addr.length === 0 || !KEY_RE.test(key)) return false;

    const c = this.cluster(name);
    let h = c.hosts.get(addr);
    if (!h) {
      const owned = own(addr);
      const parts = parseTextAddress(clean(owned));
      h = {addr: parts, flags: [], health: healthyHealth(), region: '', zone: '', subZone: '', priority: 0, stats: {}};
      c.hosts.set(owned, h);
    }
    switch (key) {
      case 'hostname':
        if (value) h.hostname = clean(own(value));
        return true;
      case 'health_flags': {
        const parsed = parseHealthFlagsValue(value);
        if (!parsed) return false;
        h.flags = parsed.flags;
        h.health = parsed.health;
        return true;
      }
      case 'region': h.region = clean(own(value)); return true;
      case 'zone': h.zone = clean(own(value)); return true;
      case 'sub_zone': h.subZone = clean(own(value)); return true;
      case 'canary': return value === 'true' || value === 'false';
      case 'weight':
      case 'priority': {
        const n = intValue(value);
        if (n === undefined) return false;
        if (key === 'weight') h.weight = n;
        else if (validPriority(n)) h.priority = n;
        else h.badPriority = true;
        return true;
      }
      case 'success_rate':
      case 'local_origin_success_rate': {
        const n = numValue(value);
        if (n === undefined) return false;
        const r = n <= ENVOY_ADMIN.noSuccessRate ? undefined : n;
        if (key === 'success_rate') h.successRate = r;
        else h.localOriginSuccessRate = r;
        return true;
      }
      default: {
        const n = numValue(value);
        if (n === undefined) return false;
        h.stats[key.length < 13 ? key : own(key)] = n;
        return true;
      }
    }
  }

  finish(): ClustersDump {
    if (this.nonEmpty === 0) throw new DumpError(`${WHAT}: empty input`);
    if (this.understood === 0) {
      const hint = this.firstLine?.trimStart().startsWith('{') ? ' (this looks like JSON: /clusters?format=json)' : '';
      throw new DumpError(`not an Envoy /clusters dump: no line reads cluster::key::value${hint}; line 1 is ${JSON.stringify(this.firstLine ?? '')}`);
    }
    const clusters: EnvoyCluster[] = [];
    let badPriority = 0;
    for (const c of this.clusters.values()) {
      for (const [k, h] of c.hosts) if (h.badPriority) (badPriority++, c.hosts.delete(k));
      clusters.push(toCluster(c));
    }
    const warnings: string[] = [];
    if (badPriority) warnings.push(`${WHAT}: ${badPriority} hosts skipped: a priority Envoy cannot have (over ${MAX_PRIORITY})`);
    if (this.bad) {
      warnings.push(`${WHAT}: ${this.bad} line${this.bad === 1 ? '' : 's'} not understood and skipped (first: line ${this.firstBad!.line} ${JSON.stringify(this.firstBad!.text)})`);
    }
    return {clusters, format: 'text', allClusterNames: [...this.names].map(clean), warnings};
  }
}

function toCluster(c: ClusterBuilder): EnvoyCluster {
  const hosts: EnvoyHost[] = [];
  for (const h of c.hosts.values()) {
    const host: EnvoyHost = {
      address: h.addr.address,
      locality: {region: h.region, zone: h.zone, subZone: h.subZone},
      priority: h.priority,
      weight: Math.max(ENVOY_ADMIN.minHostWeight, h.weight ?? ENVOY_ADMIN.minHostWeight),
      health: h.health,
      flags: h.flags,
      stats: h.stats,
    };
    if (h.addr.ip !== undefined) host.ip = h.addr.ip;
    if (h.addr.port !== undefined) host.port = h.addr.port;
    if (h.hostname !== undefined) host.hostname = h.hostname;
    if (h.successRate !== undefined) host.successRate = h.successRate;
    if (h.localOriginSuccessRate !== undefined) host.localOriginSuccessRate = h.localOriginSuccessRate;
    hosts.push(host);
  }
  // The outlier lines come before added_via_api (always printed): without that line the cluster's
  // header was cut off (a grep or a partial paste) and the absence of outlier lines proves nothing.
  const cluster: EnvoyCluster = {
    name: clean(c.name),
    outlierDetectionConfigured: c.outlier,
    outlierDetectionKnown: c.outlier || c.addedViaApi !== undefined,
    hosts,
  };
  if (c.observabilityName !== undefined) cluster.observabilityName = c.observabilityName;
  if (c.edsServiceName !== undefined) cluster.edsServiceName = c.edsServiceName;
  if (c.addedViaApi !== undefined) cluster.addedViaApi = c.addedViaApi;
  return cluster;
}

function intValue(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

function numValue(s: string): number | undefined {
  if (s.length === 0) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}
