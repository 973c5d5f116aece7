/**
 * Helpers shared by the FO5xx checks (ServiceEntry, WorkloadEntry, TLS origination).
 * Pure functions over one ContextSnapshot. They follow Istio's ServiceEntry registry
 * (pilot/pkg/serviceregistry/serviceentry/conversion.go, controller.go) where it decides which
 * endpoints a ServiceEntry gets, with which locality and which port.
 */
import type {ContextSnapshot, Snapshot} from '../../model/snapshot.js';
import type {KubeObject} from '../../model/types.js';
import {LABEL, SERVICE_ENTRY} from '../../istio/constants.js';
import {destinationRuleFor, hostMatches} from '../../istio/hosts.js';
import {NO_LOCALITY, formatLocality, nodeLocality, parseLocality, podLocality, sanitizeLocalityLabel, type Locality} from '../../istio/locality.js';
import {effectivePolicy, failoverApplied, localitySetting, type LocalitySettingResolution} from '../../istio/policy.js';
import {selectsLabels} from '../../istio/selectors.js';
import type {ClientTls, DestinationRuleSpec, ServiceEntrySpec, ServicePortSpec, TrafficPolicy, WorkloadEntrySpec} from '../../istio/types.js';
import {clientPods, hasSidecar, isIp, isLivePod, istioVersion, namespaceInjected, type IstioVersion, type ServicePort} from '../../istio/workloads.js';

// ---------------------------------------------------------------------------------------------
// ServiceEntry basics.

export type Resolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';

export function seSpec(se: KubeObject): ServiceEntrySpec {
  return (se.spec ?? {}) as ServiceEntrySpec;
}

/** spec.resolution; the proto's zero value (unset) is NONE. */
export function resolutionOf(se: KubeObject): Resolution {
  const r = String(seSpec(se).resolution ?? 'NONE').toUpperCase();
  return (['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'].includes(r) ? r : 'NONE') as Resolution;
}

/** controller.go isDNSTypeServiceEntry: only these take WorkloadEntries whose address is a hostname. */
export function isDnsResolution(r: Resolution): boolean {
  return r === 'DNS' || r === 'DNS_ROUND_ROBIN';
}

export function seHosts(se: KubeObject): string[] {
  return (seSpec(se).hosts ?? []).filter((h): h is string => typeof h === 'string' && h.length > 0);
}

export function sePorts(se: KubeObject): ServicePortSpec[] {
  return (seSpec(se).ports ?? []).filter((p) => p && typeof p.number === 'number');
}

/** Lower case, without the trailing dot of an absolute name (`…elb.amazonaws.com.`). */
export function normalizeHost(h: string): string {
  return h.toLowerCase().replace(/\.$/, '');
}

/**
 * A WorkloadEntry/endpoint address that is a DNS name: not empty (a WorkloadEntry reached only
 * through its network's gateway has none), not an IP, not a Unix domain socket.
 */
export function isHostnameAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address.startsWith(SERVICE_ENTRY.unixAddressPrefix)) return false;
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  return !isIp(bare);
}

/** ConvertWorkloadEntry: metadata.labels merged over spec.labels (metadata wins). */
export function workloadEntryLabels(we: KubeObject): Record<string, string> {
  const spec = (we.spec ?? {}) as WorkloadEntrySpec;
  return {...(spec.labels ?? {}), ...(we.metadata.labels ?? {})};
}

/** convertEndpoint: spec locality, else the locality label (dots read as slashes). */
function entryLocality(locality: string | undefined, labels: Readonly<Record<string, string>>): {locality: Locality; raw: string} {
  if (locality) return {locality: parseLocality(locality), raw: locality};
  const l = labels[LABEL.locality] ?? labels[LABEL.legacyLocality];
  if (!l) return {locality: NO_LOCALITY, raw: ''};
  const raw = sanitizeLocalityLabel(l);
  return {locality: parseLocality(raw), raw};
}

// ---------------------------------------------------------------------------------------------
// The endpoints of a ServiceEntry.

export interface SeEndpoint {
  readonly source: 'inline' | 'workload-entry' | 'pod';
  readonly address: string;
  /** Port name → endpoint port (WorkloadEntry `ports`, a pod's named container ports). */
  readonly ports: Readonly<Record<string, number>>;
  readonly locality: Locality;
  /** The locality string as written ('' when none). */
  readonly localityRaw: string;
  /** Index in spec.endpoints (inline endpoints). */
  readonly index?: number;
  /** The WorkloadEntry or Pod behind the endpoint. */
  readonly object?: KubeObject;
  /** False when Istio drops it: a hostname WorkloadEntry selected by a non-DNS ServiceEntry. */
  readonly usable: boolean;
}

/** Live pods and WorkloadEntries of the ServiceEntry's namespace its workloadSelector selects. */
export function selectedWorkloads(ctx: ContextSnapshot, se: KubeObject): {workloadEntries: KubeObject[]; pods: KubeObject[]} {
  const sel = seSpec(se).workloadSelector?.labels;
  if (!sel || Object.keys(sel).length === 0) return {workloadEntries: [], pods: []};
  const ns = se.metadata.namespace ?? '';
  return {
    workloadEntries: ctx.index.byNamespace('WorkloadEntry', ns).filter((we) => selectsLabels(sel, workloadEntryLabels(we))),
    pods: ctx.index.byNamespace('Pod', ns).filter((p) => isLivePod(p) && selectsLabels(sel, p.metadata.labels)),
  };
}

function podPorts(pod: KubeObject): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of (pod.spec?.containers ?? []) as {ports?: {name?: string; containerPort?: number}[]}[]) {
    for (const p of c.ports ?? []) if (p.name && typeof p.containerPort === 'number') out[p.name] = p.containerPort;
  }
  return out;
}

/**
 * Every endpoint Istio builds for a ServiceEntry: the inline `endpoints`, else what the
 * `workloadSelector` selects (WorkloadEntries and pods). Istio reads `endpoints` and the selector
 * as alternatives; both are listed here when both are set.
 */
export function serviceEntryEndpoints(ctx: ContextSnapshot, se: KubeObject): SeEndpoint[] {
  const spec = seSpec(se);
  const dns = isDnsResolution(resolutionOf(se));
  const out: SeEndpoint[] = [];
  (spec.endpoints ?? []).forEach((e, index) => {
    if (!e) return;
    const {locality, raw} = entryLocality(e.locality, e.labels ?? {});
    out.push({source: 'inline', address: e.address ?? '', ports: e.ports ?? {}, locality, localityRaw: raw, index, usable: true});
  });
  const {workloadEntries, pods} = selectedWorkloads(ctx, se);
  for (const we of workloadEntries) {
    const s = (we.spec ?? {}) as WorkloadEntrySpec;
    const {locality, raw} = entryLocality(s.locality, workloadEntryLabels(we));
    const address = s.address ?? '';
    out.push({source: 'workload-entry', address, ports: s.ports ?? {}, locality, localityRaw: raw, object: we, usable: dns || !isHostnameAddress(address)});
  }
  for (const pod of pods) {
    const locality = podLocality(ctx, pod);
    const raw = formatLocality(locality);
    out.push({source: 'pod', address: (pod.status?.podIP as string | undefined) ?? '', ports: podPorts(pod), locality, localityRaw: raw, object: pod, usable: true});
  }
  return out;
}

/**
 * The endpoints that exist on the wire: what the registry keeps, or, for a DNS ServiceEntry with
 * no endpoints and no selector, the one endpoint Istio makes of the host itself (no locality).
 */
export function effectiveEndpoints(ctx: ContextSnapshot, se: KubeObject, host: string): SeEndpoint[] {
  const eps = serviceEntryEndpoints(ctx, se).filter((e) => e.usable);
  const spec = seSpec(se);
  if (eps.length === 0 && (spec.endpoints ?? []).length === 0 && !spec.workloadSelector && isDnsResolution(resolutionOf(se))) {
    return [{source: 'inline', address: host, ports: {}, locality: NO_LOCALITY, localityRaw: '', usable: true}];
  }
  return eps;
}

/** convertEndpoint: unix socket → 0; the endpoint's port of the same name; targetPort; the port number. */
export function endpointPortFor(ep: Pick<SeEndpoint, 'address' | 'ports'>, port: ServicePortSpec): number {
  if (ep.address.startsWith(SERVICE_ENTRY.unixAddressPrefix)) return 0;
  const named = port.name ? ep.ports[port.name] : undefined;
  if (typeof named === 'number' && named > 0) return named;
  if (typeof port.targetPort === 'number' && port.targetPort > 0) return port.targetPort;
  return port.number;
}

/** How an endpoint is named in messages. */
export function endpointLabel(ep: SeEndpoint): string {
  if (ep.source === 'workload-entry' && ep.object) return `WorkloadEntry ${ep.object.metadata.name}${ep.address ? ` (${ep.address})` : ''}`;
  if (ep.source === 'pod' && ep.object) return `Pod ${ep.object.metadata.name}`;
  return ep.address || `endpoints[${ep.index ?? 0}]`;
}

// ---------------------------------------------------------------------------------------------
// Protocols.

/** A ServiceEntry port's protocol as Istio parses it (upper case), undefined when unset. */
export function sePortProtocol(port: ServicePortSpec): string | undefined {
  return port.protocol ? port.protocol.toUpperCase() : undefined;
}

const APP_PROTOCOL: Readonly<Record<string, string>> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

/** kube.ConvertProtocol: UDP/SCTP from `protocol`, then appProtocol, then the port-name prefix. */
export function servicePortProtocol(port: ServicePort & {protocol?: string}): string | undefined {
  const l4 = port.protocol?.toUpperCase();
  if (l4 === 'UDP' || l4 === 'SCTP') return l4;
  if (port.appProtocol) return APP_PROTOCOL[port.appProtocol] ?? port.appProtocol.toUpperCase();
  if (!port.name) return undefined;
  const prefix = port.name.split('-')[0]!.toUpperCase();
  if (prefix === 'GRPC' && port.name.toUpperCase().startsWith('GRPC-WEB')) return 'GRPC-WEB';
  return prefix || undefined;
}

export function isHttpProtocol(p: string | undefined): boolean {
  return !!p && SERVICE_ENTRY.httpProtocols.includes(p);
}

export function isTlsProtocol(p: string | undefined): boolean {
  return !!p && SERVICE_ENTRY.tlsProtocols.includes(p);
}

export function originatesTls(tls: ClientTls | undefined): boolean {
  return !!tls?.mode && SERVICE_ENTRY.originatingTlsModes.includes(String(tls.mode).toUpperCase());
}

// ---------------------------------------------------------------------------------------------
// DestinationRule policy for a ServiceEntry host.

/** The DestinationRule that applies to a ServiceEntry host, looked up from the ServiceEntry's namespace (then the root namespace). */
export function destinationRuleOfHost(ctx: ContextSnapshot, se: KubeObject, host: string): KubeObject | undefined {
  const ns = se.metadata.namespace;
  return destinationRuleFor(ctx, host, ns ? {serviceNs: ns} : {});
}

export interface LocalityLbState {
  readonly policy: TrafficPolicy;
  readonly resolution: LocalitySettingResolution;
  /** Locality load balancing shapes the traffic: outlier detection (or forced), or failover rules set. */
  readonly inEffect: boolean;
  /** The policy came from a portLevelSettings entry. */
  readonly portLevel: boolean;
}

/** Locality LB for one port of a ServiceEntry host (PRODUCT.md §5 FO503: outlier detection or failover set). */
export function localityLbState(ctx: ContextSnapshot, se: KubeObject, dr: KubeObject | undefined, port: number): LocalityLbState {
  const eff = effectivePolicy(dr, port);
  // The ServiceEntry stands in for the Service: its traffic-distribution annotation (and its namespace's) count.
  const resolution = localitySetting(ctx, eff.policy, se);
  const setting = resolution.setting;
  const inEffect = !!setting && (failoverApplied(resolution, eff.policy) || (setting.failover?.length ?? 0) > 0);
  return {policy: eff.policy, resolution, inEffect, portLevel: eff.portLevel};
}

/** RFC 7386 JSON merge patch applied to a plain value (null deletes). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? {...(target as Record<string, unknown>)} : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete base[k];
    else base[k] = applyMergePatch(base[k], v);
  }
  return base;
}

/**
 * The merge patch of a DestinationRule that changes the policy governing `port`: a merge into
 * the matching portLevelSettings entry (the list is replaced as a whole, since a merge patch
 * cannot address one element), else into the top-level trafficPolicy.
 */
export function destinationRulePortPatch(dr: KubeObject, port: number, change: Record<string, unknown>): {body: unknown; where: string} {
  const tp = ((dr.spec ?? {}) as DestinationRuleSpec).trafficPolicy ?? {};
  const entries = tp.portLevelSettings ?? [];
  const i = entries.findIndex((e) => e.port?.number === port);
  if (i >= 0) {
    const list = entries.map((e, j) => (j === i ? applyMergePatch(e, change) : e));
    return {body: {spec: {trafficPolicy: {portLevelSettings: list}}}, where: `spec.trafficPolicy.portLevelSettings[${i}]`};
  }
  return {body: {spec: {trafficPolicy: change}}, where: 'spec.trafficPolicy'};
}

// ---------------------------------------------------------------------------------------------
// Clients and versions.

/** A pod whose traffic goes through a sidecar (or will: an injected namespace, when the pod lists no containers). */
export function isSidecarClient(ctx: ContextSnapshot, pod: KubeObject): boolean {
  if (hasSidecar(pod)) return true;
  const inject = pod.metadata.labels?.[LABEL.sidecarInject] ?? pod.metadata.annotations?.[LABEL.sidecarInject];
  if (inject === 'false') return false;
  const listsContainers = Array.isArray(pod.spec?.containers) && pod.spec.containers.length > 0;
  if (inject === 'true') return true;
  return !listsContainers && namespaceInjected(ctx, pod.metadata.namespace ?? '');
}

export interface ClientRegions {
  readonly regions: string[];
  /** Where the regions came from: client pods, or every node of the context (no client known). */
  readonly from: 'clients' | 'nodes';
}

/**
 * Regions of the client proxies of a ServiceEntry (PRODUCT.md §5 client locality: its own
 * namespace, `--client-namespace`, `--from`), sidecar clients only; every node's region when no
 * client with a region is known.
 */
export function clientRegions(snapshot: Snapshot, ctx: ContextSnapshot, se: KubeObject): ClientRegions {
  const regions = new Set<string>();
  for (const p of clientPods(snapshot, ctx, se)) {
    if (!isSidecarClient(ctx, p)) continue;
    const r = podLocality(ctx, p).region;
    if (r) regions.add(r);
  }
  if (regions.size > 0) return {regions: [...regions].sort(), from: 'clients'};
  for (const n of ctx.objects.Node) {
    const r = nodeLocality(n).region;
    if (r) regions.add(r);
  }
  return {regions: [...regions].sort(), from: 'nodes'};
}

/** A region name compared the way people misspell them: `us-east-1` ~ `us-east1` ~ `US_EAST1`. */
export function regionKey(region: string): string {
  return region.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** An env var of the istiod container(s), as set in the Deployment. */
export function istiodEnv(ctx: ContextSnapshot, name: string): string | undefined {
  for (const d of ctx.index.byNamespace('Deployment', ctx.istioNamespace)) {
    if (!(d.metadata.name === 'istiod' || d.metadata.name.startsWith('istiod-'))) continue;
    for (const c of (d.spec?.template?.spec?.containers ?? []) as {env?: {name: string; value?: string}[]}[]) {
      const e = c.env?.find((x) => x.name === name);
      if (e && e.value !== undefined) return e.value;
    }
  }
  return undefined;
}

export function versionAtLeast(v: IstioVersion, min: readonly [number, number]): boolean {
  return v.major > min[0] || (v.major === min[0] && v.minor >= min[1]);
}

export {istioVersion};

/** Istio Gateway (networking.istio.io) servers naming the host explicitly: traffic to it is routed through a gateway (egress pattern). */
export function gatewayServesHost(ctx: ContextSnapshot, host: string): KubeObject | undefined {
  const h = normalizeHost(host);
  for (const gw of ctx.objects.IstioGateway) {
    for (const s of (gw.spec?.servers ?? []) as {hosts?: string[]}[]) {
      for (const raw of s.hosts ?? []) {
        const pattern = normalizeHost(raw.includes('/') ? raw.slice(raw.indexOf('/') + 1) : raw);
        if (pattern === '*' || pattern === '') continue; // a catch-all ingress says nothing about this host
        if (hostMatches(pattern, h)) return gw;
      }
    }
  }
  return undefined;
}

/** YAML of a small value (for snippets), without a dependency on the caller's formatting. */
export {toYaml} from '../../render/yaml-emit.js';

// ---------------------------------------------------------------------------------------------
// Localities of a ServiceEntry's hosts and ports.

export interface SeLocalityView {
  readonly host: string;
  readonly dr?: KubeObject;
  readonly port: ServicePortSpec;
  readonly state: LocalityLbState;
}

/** Locality LB per host × port of a ServiceEntry, each with the DestinationRule that applies to the host. */
export function localityViews(ctx: ContextSnapshot, se: KubeObject): SeLocalityView[] {
  const out: SeLocalityView[] = [];
  for (const host of seHosts(se)) {
    const dr = destinationRuleOfHost(ctx, se, host);
    for (const port of sePorts(se)) out.push({host, ...(dr ? {dr} : {}), port, state: localityLbState(ctx, se, dr, port.number)});
  }
  return out;
}

/** Why locality LB is in effect, for messages: "outlierDetection and failover rules in DestinationRule ns/name, for host:80". */
export function describeLocalityLb(v: SeLocalityView): string {
  const drText = v.dr ? `DestinationRule ${v.dr.metadata.namespace}/${v.dr.metadata.name}` : undefined;
  const settingFrom =
    v.state.resolution.source === 'destination-rule' && drText
      ? drText
      : v.state.resolution.source === 'service-traffic-distribution' ? 'the traffic-distribution annotation' : 'the mesh config';
  const od = v.state.policy.outlierDetection ? `outlierDetection${v.state.portLevel ? ' (port level)' : ''}` : undefined;
  const failover = (v.state.resolution.setting?.failover?.length ?? 0) > 0;
  const parts: string[] = [];
  if (od && failover && settingFrom === drText) parts.push(`${od} and failover rules in ${drText}`);
  else {
    if (od) parts.push(drText ? `${od} in ${drText}` : od);
    if (failover) parts.push(`failover rules in ${settingFrom}`);
  }
  if (v.state.resolution.force) parts.push(`failover forced by ${settingFrom}`);
  return `${parts.join(' and ')}, for ${v.host}:${v.port.number}`;
}

// ---------------------------------------------------------------------------------------------
// TLS of a DestinationRule, per port.

export interface PortTls {
  /** The subset the policy belongs to; undefined for the default (subset-less) cluster. */
  readonly subset?: string;
  readonly tls?: ClientTls;
  readonly portLevel: boolean;
}

/** The tls that governs traffic to `port`: the default cluster's and each subset's (subset policies merge field by field). */
export function portTls(dr: KubeObject | undefined, port: number): PortTls[] {
  const base = effectivePolicy(dr, port);
  const out: PortTls[] = [{...(base.policy.tls ? {tls: base.policy.tls} : {}), portLevel: base.portLevel}];
  for (const s of ((dr?.spec ?? {}) as DestinationRuleSpec).subsets ?? []) {
    if (!s?.name) continue;
    const eff = effectivePolicy(dr, port, s.name);
    out.push({subset: s.name, ...(eff.policy.tls ? {tls: eff.policy.tls} : {}), portLevel: eff.portLevel});
  }
  return out;
}

/**
 * Does the DestinationRule originate TLS for traffic to `port`? The default cluster's policy
 * decides; when it does not but every subset does, traffic is routed through subsets: yes.
 */
export function tlsOriginatedFor(dr: KubeObject | undefined, port: number): boolean {
  const all = portTls(dr, port);
  if (originatesTls(all[0]!.tls)) return true;
  const subsets = all.slice(1);
  return subsets.length > 0 && subsets.every((p) => originatesTls(p.tls));
}

/** The DestinationRule fields a portLevelSettings entry must repeat, since it replaces the top-level policy for its port. */
export function topLevelCarryOver(dr: KubeObject | undefined): Record<string, unknown> {
  const tp = ((dr?.spec ?? {}) as DestinationRuleSpec).trafficPolicy ?? {};
  const out: Record<string, unknown> = {};
  if (tp.connectionPool !== undefined) out.connectionPool = tp.connectionPool;
  if (tp.loadBalancer !== undefined) out.loadBalancer = tp.loadBalancer;
  if (tp.outlierDetection !== undefined) out.outlierDetection = tp.outlierDetection;
  if (tp.tls !== undefined) out.tls = tp.tls;
  return out;
}

/**
 * A merge patch of a DestinationRule setting `tls` (a merge: null removes it) for some ports:
 * into their portLevelSettings entries where they have one; at the top level when every port of
 * the host wants the same change (`allPorts`); else as new portLevelSettings entries that repeat
 * the top-level policy (an entry replaces it).
 */
export function tlsPatchForPorts(dr: KubeObject, ports: readonly number[], tls: Record<string, unknown> | null, allPorts: boolean): unknown {
  const tp = ((dr.spec ?? {}) as DestinationRuleSpec).trafficPolicy ?? {};
  const entries = [...(tp.portLevelSettings ?? [])] as unknown[];
  const out: Record<string, unknown> = {};
  let listChanged = false;
  const topLevelPorts: number[] = [];
  for (const port of ports) {
    const i = (tp.portLevelSettings ?? []).findIndex((e) => e.port?.number === port);
    if (i >= 0) {
      entries[i] = applyMergePatch(entries[i], {tls});
      listChanged = true;
    } else topLevelPorts.push(port);
  }
  if (topLevelPorts.length > 0) {
    if (allPorts) out.tls = tls;
    else {
      const carry = topLevelCarryOver(dr);
      for (const port of topLevelPorts) {
        const entry = applyMergePatch({port: {number: port}, ...carry}, {tls}) as Record<string, unknown>;
        entries.push(entry);
      }
      listChanged = true;
    }
  }
  if (listChanged) out.portLevelSettings = entries;
  return {spec: {trafficPolicy: out}};
}
