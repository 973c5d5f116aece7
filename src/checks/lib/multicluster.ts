/**
 * Helpers shared by the multicluster checks (FO4xx): they compare the contexts of ONE run.
 * Pure functions over the Snapshot; anything that needs a pass over a whole kind is cached per
 * context or per snapshot (WeakMap), so a check never scans pods × services.
 *
 * Vocabulary (PRODUCT.md §5): *global*, *cross-cluster failover configured*, *multi-network*,
 * *Tetrate*. Each has one function here, so that every FO4xx check (and FO407) agrees on it.
 */
import {createRequire} from 'node:module';
import {toYaml as stringifyYaml} from '../../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../../model/snapshot.js';
import type {KubeObject} from '../../model/types.js';
import {ANNOTATION, ISTIO, LABEL, MULTICLUSTER, WAYPOINT} from '../../istio/constants.js';
import {destinationRuleHost, hostMatches, serviceFqdn} from '../../istio/hosts.js';
import {globalLabel, isGlobalService, meshConfig, parseYaml} from '../../istio/mesh.js';
import {localityLbSettingsOf} from '../../istio/policy.js';
import {selectsLabels} from '../../istio/selectors.js';
import type {ServiceEntrySpec, WorkloadEntrySpec} from '../../istio/types.js';
import {contextNetwork, isTetrate, waypointOf, workloadEntriesOfService, clusterIdentity as clusterIdOf} from '../../istio/workloads.js';
import {kubectl} from '../../remedy/kubectl.js';
import {command} from '../../remedy/shell.js';
import {cached} from '../../model/cache.js';
import {destinationRuleOfService} from './ambient.js';
import {compareText} from '../../model/collate.js';

/** `namespace/name` of a Service-like key. */
export function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}


// ---------------------------------------------------------------------------------------------
// Control plane role and cluster ID.

/** istiod Deployments (istiod, istiod-<rev>) in the Istio namespace. */
export function istiodDeployments(ctx: ContextSnapshot): KubeObject[] {
  return ctx.index
    .byNamespace('Deployment', ctx.istioNamespace)
    .filter((d) => d.metadata.name === MULTICLUSTER.istiodDeployment || d.metadata.name.startsWith(`${MULTICLUSTER.istiodDeployment}-`));
}

export type ControlPlaneRole = 'primary' | 'remote' | 'unknown';

/**
 * primary: an istiod Deployment runs in the Istio namespace. remote: Deployments were read but
 * none is istiod (a remote cluster of a primary-remote mesh, or an external control plane's
 * data-plane cluster). unknown: no Deployment at all was read, so the role cannot be told.
 */
export function controlPlaneRole(ctx: ContextSnapshot): ControlPlaneRole {
  if (istiodDeployments(ctx).length > 0) return 'primary';
  return ctx.objects.Deployment.length > 0 ? 'remote' : 'unknown';
}

export type {ClusterIdInfo} from '../../istio/workloads.js';
/** The cluster ID of a context, with where it came from (one definition: istio/workloads.ts clusterIdentity). */
export {clusterIdOf};

const hasIstioCache = new WeakMap<ContextSnapshot, boolean>();

/**
 * Does the context take part in an Istio mesh at all (istiod, the Istio namespace, its root-cert
 * ConfigMap, remote secrets, an ambient namespace, or an injected pod)? A cluster of the run
 * without Istio is nobody's peer.
 */
export function hasIstio(ctx: ContextSnapshot): boolean {
  return cached(hasIstioCache, ctx, () => {
    if (istiodDeployments(ctx).length > 0 || ctx.index.namespace(ctx.istioNamespace)) return true;
    if (ctx.index.get('ConfigMap', ctx.istioNamespace, MULTICLUSTER.rootCertConfigMap)) return true;
    if (ctx.index.byNamespace('Secret', ctx.istioNamespace).length > 0) return true;
    if (ctx.objects.Namespace.some((n) => n.metadata.labels?.[LABEL.dataplaneMode] === 'ambient')) return true;
    return ctx.objects.Pod.some((p) => ((p.spec?.containers ?? []) as {name?: string}[]).some((c) => c.name === 'istio-proxy'));
  });
}

/** Two contexts belong to different meshes when both declare a mesh ID and they differ. */
export function sameMesh(a: ContextSnapshot, b: ContextSnapshot): boolean {
  const ma = meshConfig(a).defaultConfig?.meshId;
  const mb = meshConfig(b).defaultConfig?.meshId;
  return !(ma && mb && ma !== mb);
}

// ---------------------------------------------------------------------------------------------
// Remote secrets (metadata only).

export interface RemoteSecret {
  readonly secret: KubeObject;
  /** The peer cluster it names: annotation networking.istio.io/cluster, else the istio-remote-secret-<cluster> suffix. */
  readonly cluster?: string;
}

/** Secrets labelled istio/multiCluster=true in the Istio namespace, with the cluster each names. */
export function remoteSecrets(ctx: ContextSnapshot): RemoteSecret[] {
  const out: RemoteSecret[] = [];
  for (const s of ctx.index.byNamespace('Secret', ctx.istioNamespace)) {
    if (s.metadata.labels?.[LABEL.multiCluster] !== 'true') continue;
    const ann = s.metadata.annotations?.[ANNOTATION.remoteSecretCluster];
    const fromName = s.metadata.name.startsWith(MULTICLUSTER.remoteSecretPrefix) ? s.metadata.name.slice(MULTICLUSTER.remoteSecretPrefix.length) : undefined;
    const cluster = ann || fromName;
    out.push(cluster ? {secret: s, cluster} : {secret: s});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// meshNetworks (the `meshNetworks` key of the `istio` ConfigMap).

export interface MeshNetworkGateway {
  readonly network: string;
  readonly address?: string;
  readonly registryServiceName?: string;
  readonly port?: number;
}

export interface MeshNetworks {
  readonly gateways: readonly MeshNetworkGateway[];
  /** fromRegistry (a cluster ID) → network. */
  readonly registries: ReadonlyMap<string, string>;
  readonly parseError?: string;
}

const meshNetworksCache = new WeakMap<ContextSnapshot, MeshNetworks>();

function istioConfigMap(ctx: ContextSnapshot): KubeObject | undefined {
  const cms = ctx.index.byNamespace('ConfigMap', ctx.istioNamespace);
  return cms.find((c) => c.metadata.name === 'istio') ?? cms.find((c) => c.metadata.name.startsWith('istio-') && c.data?.[MULTICLUSTER.meshNetworksKey] !== undefined);
}

/** The meshNetworks of a context; empty when absent or unparsable (parseError says why). */
export function meshNetworksOf(ctx: ContextSnapshot): MeshNetworks {
  return cached(meshNetworksCache, ctx, () => {
    const text = istioConfigMap(ctx)?.data?.[MULTICLUSTER.meshNetworksKey];
    if (!text) return {gateways: [], registries: new Map()};
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (e) {
      return {gateways: [], registries: new Map(), parseError: (e as Error).message};
    }
    const networks = (doc as {networks?: Record<string, unknown>} | null)?.networks;
    const gateways: MeshNetworkGateway[] = [];
    const registries = new Map<string, string>();
    if (networks && typeof networks === 'object') {
      for (const [network, raw] of Object.entries(networks)) {
        const n = (raw ?? {}) as {gateways?: Record<string, unknown>[]; endpoints?: Record<string, unknown>[]};
        for (const g of Array.isArray(n.gateways) ? n.gateways : []) {
          if (!g || typeof g !== 'object') continue;
          const address = typeof g.address === 'string' ? g.address : undefined;
          const rsn = g.registryServiceName ?? g.registry_service_name;
          const port = typeof g.port === 'number' ? g.port : undefined;
          gateways.push({network, ...(address ? {address} : {}), ...(typeof rsn === 'string' ? {registryServiceName: rsn} : {}), ...(port !== undefined ? {port} : {})});
        }
        for (const e of Array.isArray(n.endpoints) ? n.endpoints : []) {
          const reg = e?.fromRegistry ?? e?.from_registry;
          if (typeof reg === 'string') registries.set(reg, network);
        }
      }
    }
    return {gateways, registries};
  });
}

// ---------------------------------------------------------------------------------------------
// Networks.

export interface ClusterNetwork {
  readonly network?: string;
  readonly source: 'namespace' | 'meshNetworks' | 'pods' | 'unknown';
}

const clusterNetworkCache = new WeakMap<ContextSnapshot, ClusterNetwork>();

/**
 * The network of a context's own workloads: the topology.istio.io/network label of the Istio
 * namespace; else the network meshNetworks assigns to its cluster ID (fromRegistry); else the
 * network label the sidecar injector put on most pods (values.global.network).
 */
export function clusterNetworkOf(ctx: ContextSnapshot): ClusterNetwork {
  return cached(clusterNetworkCache, ctx, (): ClusterNetwork => {
    const fromNs = contextNetwork(ctx);
    if (fromNs) return {network: fromNs, source: 'namespace'};
    const fromMesh = meshNetworksOf(ctx).registries.get(clusterIdOf(ctx).id);
    if (fromMesh) return {network: fromMesh, source: 'meshNetworks'};
    const counts = new Map<string, number>();
    for (const p of ctx.objects.Pod) {
      const n = p.metadata.labels?.[LABEL.network];
      if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [n, c] of [...counts].sort(([a], [b]) => compareText(a, b))) {
      if (c > bestCount) [best, bestCount] = [n, c];
    }
    return best ? {network: best, source: 'pods'} : {source: 'unknown'};
  });
}

export interface EndpointNetwork {
  readonly network: string;
  readonly object: KubeObject;
}

const endpointNetworksCache = new WeakMap<ContextSnapshot, EndpointNetwork[]>();

/** Networks named by a context's endpoints: pod labels, WorkloadEntry spec.network, ServiceEntry endpoints[].network. One object per distinct network. */
export function endpointNetworks(ctx: ContextSnapshot): EndpointNetwork[] {
  return cached(endpointNetworksCache, ctx, () => {
    const seen = new Map<string, KubeObject>();
    const add = (n: string | undefined, o: KubeObject): void => {
      if (n && !seen.has(n)) seen.set(n, o);
    };
    for (const p of ctx.objects.Pod) add(p.metadata.labels?.[LABEL.network], p);
    for (const we of ctx.objects.WorkloadEntry) add(((we.spec ?? {}) as WorkloadEntrySpec).network, we);
    for (const se of ctx.objects.ServiceEntry) for (const ep of ((se.spec ?? {}) as ServiceEntrySpec).endpoints ?? []) add(ep.network, se);
    return [...seen].map(([network, object]) => ({network, object}));
  });
}

export interface MultiNetworkInfo {
  readonly multiNetwork: boolean;
  /** Context name → its network (undefined when unknown). */
  readonly contextNetworks: ReadonlyMap<string, string | undefined>;
  /** Every network named in the run (contexts and endpoints). */
  readonly networks: ReadonlySet<string>;
  /** Why the run is multi-network, one sentence each (empty when it is not). */
  readonly reasons: readonly string[];
}

const multiNetworkCache = new WeakMap<Snapshot, MultiNetworkInfo>();

/**
 * PRODUCT.md §5 *multi-network*: the contexts of the run are on different networks, or a
 * WorkloadEntry/endpoint names a network other than its cluster's.
 */
export function multiNetworkInfo(snapshot: Snapshot): MultiNetworkInfo {
  return cached(multiNetworkCache, snapshot, () => {
    const contextNetworks = new Map<string, string | undefined>();
    const networks = new Set<string>();
    const reasons: string[] = [];
    for (const ctx of snapshot.contexts) {
      const n = clusterNetworkOf(ctx).network;
      contextNetworks.set(ctx.name, n);
      if (n) networks.add(n);
    }
    const distinct = new Set([...contextNetworks.values()].filter((n): n is string => !!n));
    if (distinct.size > 1) reasons.push(`the contexts are on different networks: ${[...contextNetworks].filter(([, n]) => n).map(([c, n]) => `${c} on ${n}`).join(', ')}`);
    for (const ctx of snapshot.contexts) {
      const own = contextNetworks.get(ctx.name);
      for (const ep of endpointNetworks(ctx)) {
        networks.add(ep.network);
        if (ep.network !== own) {
          reasons.push(`${ep.object.kind} ${ep.object.metadata.namespace ?? ''}/${ep.object.metadata.name} in ${ctx.name} names network ${ep.network}${own ? `, not its cluster's ${own}` : ''}`);
        }
      }
    }
    return {multiNetwork: reasons.length > 0, contextNetworks, networks, reasons};
  });
}

export function isMultiNetwork(snapshot: Snapshot): boolean {
  return multiNetworkInfo(snapshot).multiNetwork;
}

// ---------------------------------------------------------------------------------------------
// East-west gateways.

export type EastWestKind = 'sidecar' | 'ambient' | 'network-labelled-service' | 'tetrate-service';

export interface EastWestGateway {
  /**
   * sidecar: a networking.istio.io Gateway with a 15443 AUTO_PASSTHROUGH server (services: the
   * Services backing its selected pods); ambient: a Gateway of class istio-east-west (services:
   * the Service Istio generates for it); network-labelled-service: a Service labelled
   * topology.istio.io/network (Istio's label-based network gateway) that no Gateway above
   * covers; tetrate-service: under Tetrate, a Service exposing port 15443.
   */
  readonly kind: EastWestKind;
  readonly gateway?: KubeObject;
  readonly services: readonly KubeObject[];
  /** The network it serves: its topology.istio.io/network label, else the context's network. */
  readonly network?: string;
}

function isPassthroughGateway(gw: KubeObject): boolean {
  const servers = (gw.spec?.servers ?? []) as {port?: {number?: number}; tls?: {mode?: string}}[];
  return servers.some((s) => s?.port?.number === ISTIO.eastWestPort && s.tls?.mode === MULTICLUSTER.autoPassthrough);
}

function podSelectorOf(svc: KubeObject): Record<string, string> | undefined {
  const sel = svc.spec?.selector as Record<string, string> | undefined;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

function subsetOf(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.entries(a).every(([k, v]) => b[k] === v);
}

/** Services backing the pods an Istio Gateway's selector selects (by pods; without pods, by selector containment). */
function servicesBackingSelector(ctx: ContextSnapshot, selector: Record<string, string>): KubeObject[] {
  const pods = ctx.objects.Pod.filter((p) => selectsLabels(selector, p.metadata.labels));
  const out: KubeObject[] = [];
  if (pods.length > 0) {
    const byNs = new Map<string, KubeObject[]>();
    for (const p of pods) {
      const ns = p.metadata.namespace ?? '';
      (byNs.get(ns) ?? byNs.set(ns, []).get(ns)!).push(p);
    }
    for (const [ns, nsPods] of byNs) {
      for (const svc of ctx.index.byNamespace('Service', ns)) {
        const sel = podSelectorOf(svc);
        if (sel && nsPods.some((p) => selectsLabels(sel, p.metadata.labels))) out.push(svc);
      }
    }
    return out;
  }
  for (const svc of ctx.objects.Service) {
    const sel = podSelectorOf(svc);
    if (sel && (subsetOf(selector, sel) || subsetOf(sel, selector))) out.push(svc);
  }
  return out;
}

function servicePortsOf(svc: KubeObject): number[] {
  return ((svc.spec?.ports ?? []) as {port?: number}[]).map((p) => p.port).filter((p): p is number => typeof p === 'number');
}

const eastWestCache = new WeakMap<ContextSnapshot, EastWestGateway[]>();

/** Every east-west gateway of a context (see EastWestGateway.kind for what counts). */
export function eastWestGateways(ctx: ContextSnapshot): EastWestGateway[] {
  return cached(eastWestCache, ctx, () => {
    const out: EastWestGateway[] = [];
    const covered = new Set<KubeObject>();
    const ctxNet = clusterNetworkOf(ctx).network;
    const netOf = (...objs: (KubeObject | undefined)[]): string | undefined => {
      for (const o of objs) {
        const n = o?.metadata.labels?.[LABEL.network];
        if (n) return n;
      }
      return ctxNet;
    };
    for (const gw of ctx.objects.IstioGateway) {
      if (!isPassthroughGateway(gw)) continue;
      const selector = gw.spec?.selector as Record<string, string> | undefined;
      const services = selector && Object.keys(selector).length > 0 ? servicesBackingSelector(ctx, selector) : [];
      services.forEach((s) => covered.add(s));
      const network = netOf(...services, gw);
      out.push({kind: 'sidecar', gateway: gw, services, ...(network ? {network} : {})});
    }
    for (const gw of ctx.objects.Gateway) {
      if (gw.spec?.gatewayClassName !== ISTIO.eastWestGatewayClass) continue;
      const name = gw.metadata.annotations?.[WAYPOINT.nameOverrideAnnotation] || gw.metadata.name;
      const svc = ctx.index.get('Service', gw.metadata.namespace, name);
      if (svc) covered.add(svc);
      const network = netOf(gw, svc);
      out.push({kind: 'ambient', gateway: gw, services: svc ? [svc] : [], ...(network ? {network} : {})});
    }
    for (const svc of ctx.objects.Service) {
      if (covered.has(svc) || !svc.metadata.labels?.[LABEL.network]) continue;
      if (!servicePortsOf(svc).includes(ISTIO.eastWestPort)) continue;
      out.push({kind: 'network-labelled-service', services: [svc], network: svc.metadata.labels[LABEL.network]!});
      covered.add(svc);
    }
    if (isTetrate(ctx)) {
      for (const svc of ctx.objects.Service) {
        if (covered.has(svc) || !servicePortsOf(svc).includes(ISTIO.eastWestPort)) continue;
        const network = netOf(svc);
        out.push({kind: 'tetrate-service', services: [svc], ...(network ? {network} : {})});
      }
    }
    return out;
  });
}

/** Addresses of a Service reachable from outside the cluster: LB ingress ip/hostname, externalIPs, NodePort node ExternalIPs. */
export function serviceExternalAddresses(ctx: ContextSnapshot, svc: KubeObject): string[] {
  const out = new Set<string>();
  for (const ing of (svc.status?.loadBalancer?.ingress ?? []) as {ip?: string; hostname?: string}[]) {
    if (ing?.ip) out.add(ing.ip);
    if (ing?.hostname) out.add(ing.hostname);
  }
  for (const ip of (svc.spec?.externalIPs ?? []) as string[]) if (ip) out.add(ip);
  const nodeSel = svc.metadata.annotations?.[MULTICLUSTER.nodeSelectorAnnotation];
  if (svc.spec?.type === 'NodePort' && nodeSel) {
    let sel: Record<string, string> | undefined;
    try {
      sel = JSON.parse(nodeSel) as Record<string, string>;
    } catch {
      sel = undefined;
    }
    for (const node of ctx.objects.Node) {
      if (sel && Object.keys(sel).length > 0 && !selectsLabels(sel, node.metadata.labels)) continue;
      for (const a of (node.status?.addresses ?? []) as {type?: string; address?: string}[]) if (a?.type === 'ExternalIP' && a.address) out.add(a.address);
    }
  }
  return [...out];
}

function internalAddressesOf(svc: KubeObject | undefined): Set<string> {
  const out = new Set<string>();
  if (!svc) return out;
  if (typeof svc.spec?.clusterIP === 'string') out.add(svc.spec.clusterIP);
  for (const ip of (svc.spec?.clusterIPs ?? []) as string[]) out.add(ip);
  return out;
}

function isClusterInternalHostname(addr: string): boolean {
  return /\.svc(\.|$)/.test(addr);
}

export interface GatewayAddresses {
  /** Addresses a peer cluster can reach, with where each came from. */
  readonly external: readonly {readonly address: string; readonly source: string}[];
  /** Cluster-internal addresses found (a ClusterIP or .svc hostname Istio reports while no external one is assigned). */
  readonly internal: readonly string[];
}

/**
 * The addresses an east-west gateway is reached at from other networks. Sidecar: its Services'
 * LB ingress ip/hostname, spec.externalIPs, NodePort node ExternalIPs. Ambient: the Gateway's
 * status.addresses (and spec.addresses) that are not cluster-internal — Istio reports the
 * Service's ClusterIP or .svc hostname there until a load balancer address is assigned — plus its
 * Service's external addresses. Both: meshNetworks gateway `address` entries for its network, in
 * any context of the run (a peer's istiod is the one that needs it).
 */
export function gatewayAddresses(snapshot: Snapshot, ctx: ContextSnapshot, gw: EastWestGateway): GatewayAddresses {
  const external: {address: string; source: string}[] = [];
  const internal: string[] = [];
  const add = (address: string, source: string): void => {
    if (!external.some((e) => e.address === address)) external.push({address, source});
  };
  for (const svc of gw.services) for (const a of serviceExternalAddresses(ctx, svc)) add(a, `Service ${keyOf(svc)}`);
  if (gw.kind === 'ambient' && gw.gateway) {
    const internalIps = new Set<string>();
    for (const s of gw.services) for (const ip of internalAddressesOf(s)) internalIps.add(ip);
    const candidates = [
      ...((gw.gateway.status?.addresses ?? []) as {value?: string}[]).map((a) => ({v: a?.value, source: 'status.addresses'})),
      ...((gw.gateway.spec?.addresses ?? []) as {value?: string; type?: string}[]).filter((a) => a?.type !== 'NamedAddress').map((a) => ({v: a?.value, source: 'spec.addresses'})),
    ];
    for (const {v, source} of candidates) {
      if (!v) continue;
      if (internalIps.has(v) || isClusterInternalHostname(v)) internal.push(v);
      else add(v, `Gateway ${source}`);
    }
  }
  if (gw.network) {
    for (const c of snapshot.contexts) {
      for (const g of meshNetworksOf(c).gateways) if (g.network === gw.network && g.address) add(g.address, `meshNetworks of ${c.name}`);
    }
  }
  return {external, internal: [...new Set(internal)]};
}

// ---------------------------------------------------------------------------------------------
// Services across contexts.

const servicesByNameCache = new WeakMap<ContextSnapshot, Map<string, KubeObject[]>>();

/** Services of a context by name (all namespaces). */
export function servicesByName(ctx: ContextSnapshot): ReadonlyMap<string, readonly KubeObject[]> {
  return cached(servicesByNameCache, ctx, () => {
    const m = new Map<string, KubeObject[]>();
    for (const s of ctx.objects.Service) (m.get(s.metadata.name) ?? m.set(s.metadata.name, []).get(s.metadata.name)!).push(s);
    return m;
  });
}

export interface PeerService {
  readonly ctx: ContextSnapshot;
  readonly svc: KubeObject;
}

/**
 * The same Service (same name AND namespace: Istio's sameness) in the other contexts of the run,
 * and the same-name Services in other namespaces there (which do not count, but are worth naming).
 */
export function peerServices(snapshot: Snapshot, ctx: ContextSnapshot, svc: KubeObject): {same: PeerService[]; otherNamespace: PeerService[]} {
  const same: PeerService[] = [];
  const otherNamespace: PeerService[] = [];
  for (const peer of snapshot.contexts) {
    if (peer === ctx) continue;
    const hit = peer.index.get('Service', svc.metadata.namespace, svc.metadata.name);
    if (hit) same.push({ctx: peer, svc: hit});
    else for (const s of servicesByName(peer).get(svc.metadata.name) ?? []) otherNamespace.push({ctx: peer, svc: s});
  }
  return {same, otherNamespace};
}

// The DestinationRule whose policy applies to a Service: one cached lookup, shared with the FO2xx/FO3xx checks.
export {destinationRuleOfService};

/** failoverPriority entries (any level) whose key is topology.istio.io/cluster or /network, with where each is. */
export function crossClusterFailoverPriority(dr: KubeObject | undefined): {key: string; where: string}[] {
  const out: {key: string; where: string}[] = [];
  for (const {setting, where} of localityLbSettingsOf(dr)) {
    if (setting.enabled === false) continue;
    for (const entry of setting.failoverPriority ?? []) {
      const key = String(entry).split('=')[0]!;
      if (key === LABEL.cluster || key === LABEL.network) out.push({key, where: `${where}.failoverPriority`});
    }
  }
  return out;
}

/** The Service of the waypoint a Service is bound to (named like the waypoint Gateway, in its namespace). */
export function waypointServiceOf(ctx: ContextSnapshot, svc: KubeObject): KubeObject | undefined {
  const b = waypointOf(ctx, svc);
  return b ? ctx.index.get('Service', b.namespace, b.name) : undefined;
}

export interface GlobalState {
  readonly global: boolean;
  /** service: the Service itself matches serviceScopeConfigs; waypoint: its waypoint's Service does (Istio then makes the service global too). */
  readonly via?: 'service' | 'waypoint';
}

/**
 * *global* (PRODUCT.md §5), with the documented rule that a service whose waypoint is global is
 * global too (istio.io ambient multicluster install page, "If a service's waypoint is marked as
 * global, that service will also be global").
 */
export function globalState(ctx: ContextSnapshot, svc: KubeObject): GlobalState {
  if (isGlobalService(ctx, svc)) return {global: true, via: 'service'};
  const wp = waypointServiceOf(ctx, svc);
  if (wp && wp !== svc && isGlobalService(ctx, wp)) return {global: true, via: 'waypoint'};
  return {global: false};
}

/** Would labelling the Service with the context's global label make it global there? (a namespaceSelector may also be needed) */
export function globalLabelSuffices(ctx: ContextSnapshot, svc: KubeObject): boolean {
  const {key, value} = globalLabel(ctx);
  const labelled = {...svc, metadata: {...svc.metadata, labels: {...(svc.metadata.labels ?? {}), [key]: value}}} as KubeObject;
  return isGlobalService(ctx, labelled);
}

export type CrossClusterReasonKind = 'failover-priority' | 'global' | 'tetrate-workload-entry' | 'remote-workload-entry' | 'service-entry';

export interface CrossClusterReason {
  readonly kind: CrossClusterReasonKind;
  readonly detail: string;
}

const seByHostCache = new WeakMap<ContextSnapshot, Map<string, KubeObject[]>>();

function serviceEntriesByHost(ctx: ContextSnapshot): Map<string, KubeObject[]> {
  return cached(seByHostCache, ctx, () => {
    const m = new Map<string, KubeObject[]>();
    for (const se of ctx.objects.ServiceEntry) {
      for (const h of ((se.spec ?? {}) as ServiceEntrySpec).hosts ?? []) (m.get(h) ?? m.set(h, []).get(h)!).push(se);
    }
    return m;
  });
}

function isTetrateMarked(o: KubeObject): boolean {
  const has = (r: Readonly<Record<string, string>> | undefined): boolean => Object.keys(r ?? {}).some((k) => k.startsWith('xcp.tetrate.io/'));
  return has(o.metadata.labels) || has(o.metadata.annotations);
}

/**
 * PRODUCT.md §5 *cross-cluster failover configured* for a Service in a context, with the reasons
 * (empty when it is not): its DestinationRule's failoverPriority has topology.istio.io/cluster or
 * /network; or it is global; or Tetrate exposes it (WorkloadEntries selected by the Service under
 * Tetrate, or marked xcp.tetrate.io); or a WorkloadEntry on another network, or a ServiceEntry for
 * its host with endpoints or a workloadSelector, stands in for its remote instances.
 */
export function crossClusterFailoverConfigured(_snapshot: Snapshot, ctx: ContextSnapshot, svc: KubeObject): CrossClusterReason[] {
  const out: CrossClusterReason[] = [];
  const dr = destinationRuleOfService(ctx, svc);
  for (const fp of crossClusterFailoverPriority(dr)) {
    out.push({kind: 'failover-priority', detail: `DestinationRule ${keyOf(dr!)} ${fp.where} contains ${fp.key}`});
  }
  const g = globalState(ctx, svc);
  if (g.global) out.push({kind: 'global', detail: g.via === 'waypoint' ? 'its waypoint Service is global' : 'it is global'});
  const tetrate = isTetrate(ctx);
  const own = clusterNetworkOf(ctx).network;
  for (const we of workloadEntriesOfService(ctx, svc)) {
    const net = ((we.spec ?? {}) as WorkloadEntrySpec).network;
    if (tetrate || isTetrateMarked(we)) out.push({kind: 'tetrate-workload-entry', detail: `Tetrate WorkloadEntry ${keyOf(we)} stands in for a remote instance`});
    else if (net && net !== own) out.push({kind: 'remote-workload-entry', detail: `WorkloadEntry ${keyOf(we)} is on network ${net}`});
  }
  for (const se of serviceEntriesByHost(ctx).get(serviceFqdn(svc)) ?? []) {
    const spec = (se.spec ?? {}) as ServiceEntrySpec;
    if ((spec.endpoints?.length ?? 0) > 0 || spec.workloadSelector) out.push({kind: 'service-entry', detail: `ServiceEntry ${keyOf(se)} stands in for its host`});
  }
  return out;
}

/** Does the context run ambient (an ambient namespace, or ztunnel pods in the Istio namespace)? */
export function isAmbientContext(ctx: ContextSnapshot): boolean {
  if (ctx.objects.Namespace.some((n) => n.metadata.labels?.[LABEL.dataplaneMode] === 'ambient')) return true;
  return ctx.index.byNamespace('Pod', ctx.istioNamespace).some((p) => p.metadata.labels?.app === 'ztunnel');
}

// ---------------------------------------------------------------------------------------------
// DestinationRule comparison.

/** JSON with object keys sorted: equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The RFC 7386 merge patch that turns `from` into `to` (null removes; arrays are replaced whole). */
export function mergePatchBetween(from: unknown, to: unknown): unknown {
  if (!isPlainObject(from) || !isPlainObject(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) patch[k] = v;
    else if (canonicalJson(from[k]) !== canonicalJson(v)) patch[k] = isPlainObject(from[k]) && isPlainObject(v) ? mergePatchBetween(from[k], v) : v;
  }
  return patch;
}

/** The paths (a.b.c) at which two values differ (arrays compared whole). */
export function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  if (!isPlainObject(a) || !isPlainObject(b)) return [prefix || '.'];
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) out.push(...diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  return out;
}

/** The host key a DestinationRule is compared under across clusters: resolved host + workload selector. */
export function destinationRuleKey(dr: KubeObject): string {
  return `${destinationRuleHost(dr)}\u0000${canonicalJson(dr.spec?.workloadSelector ?? null)}`;
}

const fqdnCache = new WeakMap<ContextSnapshot, Set<string>>();

function serviceFqdns(ctx: ContextSnapshot): Set<string> {
  return cached(fqdnCache, ctx, () => new Set(ctx.objects.Service.map((s) => serviceFqdn(s))));
}

/** Does a context define the host: a Service FQDN or ServiceEntry host that the (possibly wildcard) pattern matches? */
export function hostDefinedIn(ctx: ContextSnapshot, hostPattern: string): boolean {
  const fqdns = serviceFqdns(ctx);
  const seHosts = serviceEntriesByHost(ctx);
  if (!hostPattern.includes('*')) return fqdns.has(hostPattern) || seHosts.has(hostPattern);
  for (const h of fqdns) if (hostMatches(hostPattern, h)) return true;
  for (const h of seHosts.keys()) if (hostMatches(hostPattern, h)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Remediation text.

/** `kubectl --context X apply -f - <<'EOF' … EOF`: copy-pasteable in a POSIX shell. */
export function applyHeredoc(context: string, manifest: string): string {
  const body = manifest.endsWith('\n') ? manifest : `${manifest}\n`;
  return `${kubectl(context, undefined, 'apply', '-f', '-')} <<'EOF'\n${body}EOF`;
}

/** YAML of objects (multi-document), for snippets. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringifyYaml(o, {lineWidth: 0})).join('---\n');
}

/** A Service manifest with only what another cluster needs (no clusterIP, status or server-set metadata). */
export function portableService(svc: KubeObject): unknown {
  const spec = (svc.spec ?? {}) as Record<string, unknown>;
  const keep: Record<string, unknown> = {};
  for (const k of ['type', 'selector', 'ports', 'trafficDistribution', 'internalTrafficPolicy', 'sessionAffinity']) if (spec[k] !== undefined) keep[k] = spec[k];
  if (keep.type === 'ClusterIP') delete keep.type;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: svc.metadata.name, namespace: svc.metadata.namespace, ...(svc.metadata.labels ? {labels: svc.metadata.labels} : {})},
    spec: keep,
  };
}

/** A DestinationRule manifest without server-set metadata (name, namespace, labels, spec). */
export function portableDestinationRule(dr: KubeObject): unknown {
  return {
    apiVersion: dr.apiVersion,
    kind: 'DestinationRule',
    metadata: {name: dr.metadata.name, namespace: dr.metadata.namespace, ...(dr.metadata.labels ? {labels: dr.metadata.labels} : {})},
    spec: dr.spec ?? {},
  };
}

/** `istioctl create-remote-secret --context=<peer> --name=<peer cluster ID> | kubectl --context <primary> apply -f -` */
export function remoteSecretCommand(peerContext: string, peerClusterId: string, primaryContext: string): string {
  return `${command(['istioctl', 'create-remote-secret', `--context=${peerContext}`, `--name=${peerClusterId}`])} | ${kubectl(primaryContext, undefined, 'apply', '-f', '-')}`;
}

const NETWORK_PLACEHOLDER = '"${NETWORK:?set NETWORK to this cluster\'s topology.istio.io/network}"';

/** The commands (run from an Istio release directory) that deploy the east-west gateway of a context. */
export function eastWestInstallCommands(ctx: ContextSnapshot, ambient: boolean): string[] {
  const network = clusterNetworkOf(ctx).network;
  const net = network ? command([network]) : NETWORK_PLACEHOLDER;
  if (ambient) {
    return [`samples/multicluster/gen-eastwest-gateway.sh --network ${net} --ambient | ${kubectl(ctx.name, undefined, 'apply', '-f', '-')}`];
  }
  return [
    `samples/multicluster/gen-eastwest-gateway.sh --network ${net} | ${command(['istioctl', `--context=${ctx.name}`, 'install', '-y', '-f', '-'])}`,
    kubectl(ctx.name, ctx.istioNamespace, 'apply', '-f', 'samples/multicluster/expose-services.yaml'),
  ];
}

// ---------------------------------------------------------------------------------------------
// Root certificates.

export interface RootCertSet {
  readonly configMap: KubeObject;
  /** sha256 fingerprints of the parsed certificates, and `text:<normalised PEM>` for blocks that do not parse. */
  readonly ids: ReadonlySet<string>;
  /** Human-readable subject/fingerprint per certificate, for messages. */
  readonly labels: readonly string[];
  readonly unparsable: number;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The PEM blocks of the root certificates a context distributes, unparsed (what rootCertSet reads), or undefined when absent/empty. */
export function rootCertBlocks(ctx: ContextSnapshot): {configMap: KubeObject; blocks: readonly string[]} | undefined {
  const cm = ctx.index.get('ConfigMap', ctx.istioNamespace, MULTICLUSTER.rootCertConfigMap);
  const text = cm?.data?.[MULTICLUSTER.rootCertKey];
  if (!cm || !text || !text.trim()) return undefined;
  return {configMap: cm, blocks: text.match(PEM_BLOCK) ?? [text]};
}

/** node:crypto, loaded when a certificate is parsed (~7 ms; most runs never need it, see FO406). */
let crypto: typeof import('node:crypto') | undefined;

/** The root certificates a context distributes (istio-ca-root-cert in the Istio namespace), or undefined when absent/empty. */
export function rootCertSet(ctx: ContextSnapshot): RootCertSet | undefined {
  const found = rootCertBlocks(ctx);
  if (!found) return undefined;
  const {configMap: cm, blocks} = found;
  const {X509Certificate} = (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'));
  const ids = new Set<string>();
  const labels: string[] = [];
  let unparsable = 0;
  for (const block of blocks) {
    try {
      const cert = new X509Certificate(block);
      ids.add(cert.fingerprint256);
      labels.push(`${cert.subject.replace(/\n/g, ', ')} (SHA-256 ${cert.fingerprint256})`);
    } catch {
      unparsable++;
      const norm = block.replace(/\s+/g, '');
      ids.add(`text:${norm}`);
      labels.push(`unparsable PEM (${norm.length} characters)`);
    }
  }
  return {configMap: cm, ids, labels, unparsable};
}
