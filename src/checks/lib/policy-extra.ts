/**
 * Helpers of the checks FO108–FO114 (variants next to lib/policy-targets.ts, which they reuse):
 * the cluster domain, DestinationRule identity and merge order, the protocol Istio gives a port,
 * the client pods behind the client proxies of a host, the workload that owns a pod, and
 * remediation commands that label workloads.
 *
 * Sources (istio 1.30): pkg/config/kube/conversion.go ConvertProtocol, pkg/config/protocol
 * instance.go Parse/IsTCP, pilot/pkg/model/push_context.go SetDestinationRules /
 * mergeDestinationRule / sortConfigByCreationTime, pilot/pkg/model/service.go
 * SupportsUnhealthyEndpoints, pilot/pkg/serviceregistry/serviceentry/conversion.go.
 * Pure; nothing here mutates the snapshot.
 */
import type {ContextSnapshot, Snapshot} from '../../model/snapshot.js';
import type {KubeObject, ObjectRef} from '../../model/types.js';
import {ISTIO} from '../../istio/constants.js';
import {resolveHost, serviceFqdn} from '../../istio/hosts.js';
import {localitySetting} from '../../istio/policy.js';
import {selectsLabels} from '../../istio/selectors.js';
import type {DestinationRuleSpec, ServiceEntrySpec} from '../../istio/types.js';
import {clientPods, hasSidecar, waypointPods} from '../../istio/workloads.js';
import {kubectl, patchCommand} from '../../remedy/kubectl.js';
import {canonicalJson} from './multicluster.js';
import type {HostTarget, TargetPort} from './policy-targets.js';
import {compareText} from '../../model/collate.js';

// --- Istio facts used by FO108-FO114 (kept here, with their source; candidates for src/istio/constants.ts) ---
export const EXTRA = {
  /**
   * Ports Istio treats as TCP when the port name (or appProtocol) names no protocol: they are not
   * sniffed (pkg/config/kube/conversion.go wellKnownPorts: SMTP, DNS, MySQL, MongoDB).
   */
  wellKnownTcpPorts: [25, 53, 3306, 27017] as readonly number[],
  /** protocol.Parse names (upper case). */
  knownProtocols: ['TCP', 'UDP', 'GRPC', 'GRPC-WEB', 'HTTP', 'HTTP_PROXY', 'HTTP2', 'HTTPS', 'TLS', 'MONGO', 'REDIS', 'MYSQL'] as readonly string[],
  /** Proxied as opaque TCP (tcp_proxy; mongo/mysql/redis filters only add stats): protocol.IsTCP minus TLS. */
  opaqueTcpProtocols: ['TCP', 'MONGO', 'REDIS', 'MYSQL'] as readonly string[],
  /** The client speaks TLS itself: Istio forwards it opaquely (SNI), no HTTP status is seen. */
  tlsPassthroughProtocols: ['HTTPS', 'TLS'] as readonly string[],
  /** Kubernetes-defined appProtocol values (ConvertProtocol). */
  kubeAppProtocols: {'kubernetes.io/h2c': 'HTTP2', 'kubernetes.io/ws': 'HTTP', 'kubernetes.io/wss': 'HTTPS'} as Readonly<Record<string, string>>,
  /** istiod env var: send unhealthy endpoints mesh-wide (features.GlobalSendUnhealthyEndpoints); panic threshold forced to 0. */
  sendUnhealthyEnv: 'PILOT_SEND_UNHEALTHY_ENDPOINTS',
  /** istiod flag carrying the cluster domain (manifests/charts/istio-control/istio-discovery: `--domain`, global.proxy.clusterDomain). */
  istiodDomainFlag: '--domain',
  /** distribute weights: each in [1, 100], summing to 100 (validation.go ValidateLocalityLbSetting). */
  distributeTotal: 100,
  distributeMinWeight: 1,
  /** Largest edit distance at which a name is offered as the likely intended one. */
  maxTypoDistance: 2,
  /** How many workloads a remediation lists commands for before summarising. */
  maxCommands: 8,
  /** How many items a message spells out before summarising (details keep them all). */
  maxMessageItems: 5,
} as const;
// --- end Istio facts ---

// ---------------------------------------------------------------------------------------------
// Cluster domain and DestinationRule identity.

const domainCache = new WeakMap<ContextSnapshot, string>();

/** The cluster domain istiod uses (its `--domain` argument), else cluster.local. */
export function clusterDomain(ctx: ContextSnapshot): string {
  const hit = domainCache.get(ctx);
  if (hit) return hit;
  let domain: string = ISTIO.domain;
  for (const d of ctx.index.byNamespace('Deployment', ctx.istioNamespace)) {
    if (!(d.metadata.name === 'istiod' || d.metadata.name.startsWith('istiod-'))) continue;
    for (const c of (d.spec?.template?.spec?.containers ?? []) as {args?: unknown[]}[]) {
      const args = (c.args ?? []).map(String);
      args.forEach((a, i) => {
        if (a === EXTRA.istiodDomainFlag && args[i + 1]) domain = args[i + 1]!;
        else if (a.startsWith(`${EXTRA.istiodDomainFlag}=`) && a.length > EXTRA.istiodDomainFlag.length + 1) domain = a.slice(EXTRA.istiodDomainFlag.length + 1);
      });
    }
  }
  domainCache.set(ctx, domain);
  return domain;
}

export function drSpec(dr: KubeObject): DestinationRuleSpec {
  return (dr.spec ?? {}) as DestinationRuleSpec;
}

/** The DestinationRule's host as Istio stores it (ResolveShortnameToFQDN with the cluster domain). */
export function resolvedDrHost(ctx: ContextSnapshot, dr: KubeObject): string {
  const h = String(drSpec(dr).host ?? '').trim();
  return h ? resolveHost(h, dr.metadata.namespace, clusterDomain(ctx)) : '';
}

/** sortConfigByCreationTime: creation time, then name, then namespace. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  return (
    compareText(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') ||
    compareText(a.metadata.name, b.metadata.name) ||
    compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '')
  );
}

/** '' without a workloadSelector, else its matchLabels in a canonical form (equal selectors merge). */
export function selectorKey(dr: KubeObject): string {
  const ws = drSpec(dr).workloadSelector;
  if (!ws) return '';
  return canonicalJson(ws.matchLabels ?? {});
}

/** exportTo limits the rule to its own namespace ('.' or the namespace itself, alone). */
export function isPrivateRule(dr: KubeObject): boolean {
  const e = drSpec(dr).exportTo ?? [];
  return e.length === 1 && (e[0] === '.' || e[0] === dr.metadata.namespace);
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

export function refOfDr(dr: KubeObject): ObjectRef {
  return {apiVersion: dr.apiVersion, kind: dr.kind, namespace: dr.metadata.namespace ?? '', name: dr.metadata.name};
}

// ---------------------------------------------------------------------------------------------
// Hosts Istio knows (FO112).

export interface KnownHost {
  readonly host: string;
  readonly kind: 'Service' | 'ServiceEntry';
  readonly context: string;
  readonly namespace: string;
  readonly name: string;
}

/** Every Service FQDN and ServiceEntry host (any resolution, wildcards included) of the contexts read. */
export function knownHosts(snapshot: Snapshot): KnownHost[] {
  const out: KnownHost[] = [];
  for (const ctx of snapshot.contexts) {
    const domain = clusterDomain(ctx);
    for (const s of ctx.objects.Service) {
      out.push({host: serviceFqdn(s, domain), kind: 'Service', context: ctx.name, namespace: s.metadata.namespace ?? '', name: s.metadata.name});
    }
    for (const se of ctx.objects.ServiceEntry) {
      const hosts = ((se.spec ?? {}) as ServiceEntrySpec).hosts;
      for (const h of Array.isArray(hosts) ? hosts : []) {
        if (typeof h !== 'string' || !h) continue;
        out.push({host: h.toLowerCase(), kind: 'ServiceEntry', context: ctx.name, namespace: se.metadata.namespace ?? '', name: se.metadata.name});
      }
    }
  }
  return out;
}

/**
 * Does a DestinationRule host apply to a registry host? Istio looks the rule up by the service's
 * hostname (MostSpecificHostMatch): a concrete service matches an equal host or a wildcard
 * suffix; a wildcard service (ServiceEntry `*.example.com`) matches only wildcard rules whose
 * suffix covers it — a concrete rule host never applies to a wildcard ServiceEntry.
 */
export function drHostApplies(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h || p === '*') return true;
  if (h.startsWith('*')) {
    if (!p.startsWith('*.')) return false;
    const hs = h === '*' ? '' : h.slice(1);
    return hs.endsWith(p.slice(1));
  }
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Port protocol (FO113).

export interface PortProtocol {
  /** The protocol Istio uses (upper case); undefined when it sniffs (no recognised name). */
  readonly protocol?: string;
  /** Where it came from. */
  readonly source: 'appProtocol' | 'port name' | 'well-known port' | 'ServiceEntry protocol' | 'L4 protocol' | 'sniffed';
}

function parseProtocol(name: string | undefined): string | undefined {
  const u = (name ?? '').toUpperCase();
  return EXTRA.knownProtocols.includes(u) ? u : undefined;
}

/**
 * The protocol Istio gives a port. Service (kube ConvertProtocol): UDP/SCTP from `protocol`; else
 * `appProtocol` (when set it replaces the name entirely), else the port name, up to the first
 * '-' (`grpc-web` first); an unrecognised or missing name is sniffed, except on the well-known
 * TCP ports. ServiceEntry: its `protocol` (an unset/unknown one is sniffed).
 */
export function portProtocol(kind: 'Service' | 'ServiceEntry', p: TargetPort): PortProtocol {
  if (kind === 'ServiceEntry') {
    const proto = parseProtocol(p.protocol);
    return proto ? {protocol: proto, source: 'ServiceEntry protocol'} : {source: 'sniffed'};
  }
  const l4 = p.protocol?.toUpperCase();
  if (l4 === 'UDP' || l4 === 'SCTP') return {protocol: l4, source: 'L4 protocol'};
  const fromApp = p.appProtocol !== undefined && p.appProtocol !== '';
  const name = fromApp ? p.appProtocol! : p.name ?? '';
  const source = fromApp ? 'appProtocol' : 'port name';
  if (fromApp && EXTRA.kubeAppProtocols[name]) return {protocol: EXTRA.kubeAppProtocols[name], source};
  if (name.toLowerCase().startsWith('grpc-web')) return {protocol: 'GRPC-WEB', source};
  const proto = parseProtocol(name.split('-')[0]);
  if (proto) return {protocol: proto, source};
  if (EXTRA.wellKnownTcpPorts.includes(p.number)) return {protocol: 'TCP', source: 'well-known port'};
  return {source: 'sniffed'};
}

export type ProtocolClass = 'opaque-tcp' | 'tls-passthrough' | 'other';

export function protocolClass(proto: string | undefined): ProtocolClass {
  if (!proto) return 'other';
  if (EXTRA.opaqueTcpProtocols.includes(proto)) return 'opaque-tcp';
  if (EXTRA.tlsPassthroughProtocols.includes(proto)) return 'tls-passthrough';
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// Unhealthy endpoints / panic threshold (FO110).

/** istiod sends unhealthy endpoints mesh-wide (PILOT_SEND_UNHEALTHY_ENDPOINTS=true): panic threshold forced to 0. */
export function sendsUnhealthyEndpoints(ctx: ContextSnapshot): boolean {
  for (const d of ctx.index.byNamespace('Deployment', ctx.istioNamespace)) {
    if (!(d.metadata.name === 'istiod' || d.metadata.name.startsWith('istiod-'))) continue;
    for (const c of (d.spec?.template?.spec?.containers ?? []) as {env?: {name: string; value?: string}[]}[]) {
      const v = c.env?.find((e) => e.name === EXTRA.sendUnhealthyEnv)?.value;
      if (v !== undefined && v.toLowerCase() === 'true') return true;
    }
  }
  return false;
}

/**
 * The host's Service (or ServiceEntry) sets a trafficDistribution Istio acts on: Istio then sends
 * unhealthy endpoints and forces the panic threshold to 0 (Service.SupportsUnhealthyEndpoints).
 */
export function trafficDistributionInEffect(t: HostTarget): boolean {
  return localitySetting(t.ctx, undefined, t.object).source === 'service-traffic-distribution';
}

// ---------------------------------------------------------------------------------------------
// Client pods (FO109): the pods behind lib/policy-targets.ts clientViews.

export interface ClientPods {
  readonly kind: 'sidecar' | 'waypoint';
  readonly pods: readonly KubeObject[];
}

/**
 * The pods whose proxies are the clients of a host, chosen as clientViews does: the waypoint's
 * pods for an ambient host bound to one; otherwise the client pods (its namespace,
 * `--client-namespace`, `--from`), without the service's own pods unless they are all there is,
 * and those with a sidecar when any has one.
 */
export function clientProxyPods(snapshot: Snapshot, t: HostTarget): ClientPods {
  if (t.ambient && t.waypoint) return {kind: 'waypoint', pods: waypointPods(t.ctx, t.waypoint.name, t.waypoint.namespace)};
  const selector = t.kind === 'Service' ? (t.object.spec?.selector as Record<string, string> | undefined) : undefined;
  const candidates = clientPods(snapshot, t.ctx, t.object);
  const others = candidates.filter((p) => !selectsLabels(selector, p.metadata.labels));
  const all = others.length ? others : candidates;
  const withSidecar = all.filter(hasSidecar);
  return {kind: 'sidecar', pods: withSidecar.length ? withSidecar : all};
}

// ---------------------------------------------------------------------------------------------
// Workloads and label remediation.

export interface Workload {
  readonly context: string;
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod' | 'WorkloadEntry' | 'Gateway';
  readonly namespace: string;
  readonly name: string;
}

/** The controller a pod's labels come from: its Deployment (via the ReplicaSet), StatefulSet or DaemonSet; else the pod. */
export function ownerOfPod(ctx: ContextSnapshot, pod: KubeObject): Workload {
  const ns = pod.metadata.namespace ?? '';
  for (const o of pod.metadata.ownerReferences ?? []) {
    if (o.kind === 'ReplicaSet') {
      const dep = o.name.replace(/-[a-z0-9]+$/, '');
      if (dep !== o.name && ctx.index.get('Deployment', ns, dep)) return {context: ctx.name, kind: 'Deployment', namespace: ns, name: dep};
    }
    if (o.kind === 'StatefulSet' || o.kind === 'DaemonSet') return {context: ctx.name, kind: o.kind, namespace: ns, name: o.name};
  }
  return {context: ctx.name, kind: 'Pod', namespace: ns, name: pod.metadata.name};
}

export function workloadKey(w: Workload): string {
  return `${w.context}\u0000${w.kind}\u0000${w.namespace}\u0000${w.name}`;
}

/** The command giving a workload a label: pod template for controllers (pods are replaced), labels otherwise. */
export function labelWorkloadCommand(w: Workload, key: string, value: string): string {
  switch (w.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet': {
      const ref: ObjectRef = {apiVersion: 'apps/v1', kind: w.kind, namespace: w.namespace, name: w.name};
      return patchCommand(w.context, ref, {type: 'merge', body: {spec: {template: {metadata: {labels: {[key]: value}}}}}});
    }
    case 'Gateway': {
      // Waypoint pods take their labels from the Gateway's spec.infrastructure.labels.
      const ref: ObjectRef = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: w.namespace, name: w.name};
      return patchCommand(w.context, ref, {type: 'merge', body: {spec: {infrastructure: {labels: {[key]: value}}}}});
    }
    case 'WorkloadEntry':
      return kubectl(w.context, w.namespace, 'label', 'workloadentry', w.name, `${key}=${value}`, '--overwrite');
    default:
      return kubectl(w.context, w.namespace, 'label', 'pod', w.name, `${key}=${value}`, '--overwrite');
  }
}

/** The most frequent value (ties: the smallest), undefined for none. */
export function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let n = 0;
  for (const [v, c] of [...counts].sort((a, b) => compareText(a[0], b[0]))) {
    if (c > n) {
      best = v;
      n = c;
    }
  }
  return best;
}

/** `name (namespace/name @context)` lists, capped, for messages. */
export function sample<T>(items: readonly T[], show: (t: T) => string, max = 3): string {
  const shown = items.slice(0, max).map(show);
  return items.length > max ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** `a; b; c; and 4 more (see details)`: the first items of a message, joined. */
export function capped(items: readonly string[], sep = '; ', max: number = EXTRA.maxMessageItems): string {
  if (items.length <= max) return items.join(sep);
  return `${items.slice(0, max).join(sep)}${sep}and ${items.length - max} more (see details)`;
}
