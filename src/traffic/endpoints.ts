/**
 * The endpoints of a service as one client proxy's Envoy cluster sees them (PRODUCT.md §6), built
 * from a Snapshot: pods of same-name same-namespace Services in every context (cross-cluster peers),
 * WorkloadEntries, ServiceEntry endpoints, and the sidecar multi-network rule (remote-network
 * endpoints are reached through that network's east-west gateway).
 * Pure: reads the snapshot, never mutates it.
 */
import {cached} from '../model/cache.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {ISTIO, LABEL} from '../istio/constants.js';
import {NO_LOCALITY, parseLocality, podLocality, sanitizeLocalityLabel, type Locality} from '../istio/locality.js';
import {selectsLabels} from '../istio/selectors.js';
import type {ServiceEntrySpec, WorkloadEntrySpec} from '../istio/types.js';
import {clusterIdentity, contextNetwork, isAmbientPod, isIp, podsOfService, workloadEntryLabels, servicePorts, workloadEntriesOfService, workloadEntriesOfServiceEntry, type ServicePort} from '../istio/workloads.js';
import type {ClientProxy, ModelEndpoint} from './types.js';

/**
 * Istio's AugmentLabels (pilot/pkg/serviceregistry/util/label/label.go): region, zone and subzone
 * from the locality (overwriting), the cluster ID, the node name as kubernetes.io/hostname, and the
 * network only when the labels do not already set it.
 */
export function augmentLabels(
  labels: Readonly<Record<string, string>> | undefined,
  a: {cluster?: string; locality?: Locality; node?: string; network?: string},
): Record<string, string> {
  const out: Record<string, string> = {...(labels ?? {})};
  const l = a.locality ?? NO_LOCALITY;
  if (l.region) out[LABEL.region] = l.region;
  if (l.zone) out[LABEL.zone] = l.zone;
  if (l.subZone) out[LABEL.subzone] = l.subZone;
  if (a.cluster) out[LABEL.cluster] = a.cluster;
  if (a.node) out[LABEL.hostname] = a.node;
  if (a.network && !out[LABEL.network]) out[LABEL.network] = a.network;
  return out;
}

/** A plain {region, zone, subZone}: podLocality returns a NodeLocality whose extra field would leak into output. */
function plainLocality(l: Locality): Locality {
  return {region: l.region, zone: l.zone, subZone: l.subZone};
}

/** The Istio cluster ID of a context (istio/workloads.ts clusterIdentity: istiod, else a proxy's, else the context name). */
export function clusterIdOf(ctx: ContextSnapshot): string {
  return clusterIdentity(ctx).id;
}

/** Istio's IsSameOrEmpty: an endpoint with no network, or a proxy with none, is in the same network. */
export function sameNetwork(a: string | undefined, b: string | undefined): boolean {
  return !a || !b || a === b;
}

/** A client pod's proxy: locality from its node (or locality label), augmented labels, cluster and network. */
export function clientProxyForPod(ctx: ContextSnapshot, pod: KubeObject): ClientProxy {
  const locality = plainLocality(podLocality(ctx, pod));
  const podLabels = pod.metadata.labels ?? {};
  const network =
    podLabels[LABEL.network] || ctx.index.namespace(pod.metadata.namespace ?? '')?.metadata.labels?.[LABEL.network] || contextNetwork(ctx) || undefined;
  const cluster = clusterIdOf(ctx);
  const labels = augmentLabels(podLabels, {cluster, locality, node: pod.spec?.nodeName as string | undefined, network});
  return {locality, labels, cluster, ...(network ? {network} : {})};
}

export interface ServiceEndpointsOptions {
  /** Subset labels (DestinationRule subset): only pods/WorkloadEntries carrying all of them. */
  subsetLabels?: Record<string, string>;
  /** The Service port; endpoints get its targetPort. Default: the first port. */
  port?: number;
  /** Keep pods whose Ready condition is False (Istio sends them when PILOT_SEND_UNHEALTHY_ENDPOINTS). Default false. */
  includeUnready?: boolean;
}

function findPort(ports: readonly ServicePort[], port: number | undefined): ServicePort | undefined {
  return port === undefined ? ports[0] : ports.find((p) => p.port === port);
}

/** The endpoint port of a pod for a Service port: numeric targetPort, named container port, else the port. */
function podPort(pod: KubeObject, sp: ServicePort | undefined): number | undefined {
  if (!sp) return undefined;
  const tp = sp.targetPort;
  if (typeof tp === 'number') return tp;
  if (typeof tp === 'string' && tp !== '') {
    if (/^\d+$/.test(tp)) return Number(tp);
    for (const c of (pod.spec?.containers ?? []) as {ports?: {name?: string; containerPort?: number}[]}[]) {
      const hit = c.ports?.find((p) => p.name === tp);
      if (hit?.containerPort) return hit.containerPort;
    }
    return undefined;
  }
  return sp.port;
}

function wePort(spec: WorkloadEntrySpec, sp: {name?: string; port?: number; number?: number; targetPort?: number | string} | undefined): number | undefined {
  if (!sp) return undefined;
  if (sp.name && spec.ports?.[sp.name] !== undefined) return spec.ports[sp.name];
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  if (typeof sp.targetPort === 'string' && /^\d+$/.test(sp.targetPort)) return Number(sp.targetPort);
  return sp.port ?? sp.number;
}

function isReady(pod: KubeObject): boolean {
  const conds = (pod.status?.conditions ?? []) as {type?: string; status?: string}[];
  const ready = conds.find((c) => c.type === 'Ready');
  return !ready || ready.status !== 'False';
}

const eastWestCache = new WeakMap<ContextSnapshot, Map<string, string | undefined>>();

/**
 * The external address of a context's east-west gateway: a Service exposing 15443 (network label
 * preferred). Cached per context and network (the snapshot is frozen): every service of a
 * multi-network mesh asks, for every port and subset.
 */
export function eastWestGatewayAddress(ctx: ContextSnapshot, network?: string): string | undefined {
  const perNet = cached(eastWestCache, ctx, () => new Map<string, string | undefined>());
  const key = network ?? '';
  if (perNet.has(key)) return perNet.get(key);
  const addr = findEastWestGatewayAddress(ctx, network);
  perNet.set(key, addr);
  return addr;
}

function findEastWestGatewayAddress(ctx: ContextSnapshot, network?: string): string | undefined {
  const candidates = ctx.objects.Service.filter((s) => servicePorts(s).some((p) => p.port === ISTIO.eastWestPort));
  const ranked = [...candidates].sort((a, b) => rank(b) - rank(a));
  function rank(s: KubeObject): number {
    return network && s.metadata.labels?.[LABEL.network] === network ? 1 : 0;
  }
  for (const s of ranked) {
    const ingress = (s.status?.loadBalancer?.ingress ?? []) as {ip?: string; hostname?: string}[];
    const addr = ingress.map((i) => i.ip || i.hostname).find((x): x is string => !!x) ?? ((s.spec?.externalIPs ?? []) as string[])[0];
    if (addr) return addr;
  }
  return ambientEastWestAddresses(ctx)[0];
}

/** Addresses of the ambient east-west gateways (Gateway class istio-east-west, status.addresses). */
function ambientEastWestAddresses(ctx: ContextSnapshot): string[] {
  return ctx.objects.Gateway.filter((g) => g.spec?.gatewayClassName === ISTIO.eastWestGatewayClass).flatMap((g) =>
    ((g.status?.addresses ?? []) as {value?: string}[]).map((a) => a.value).filter((v): v is string => !!v),
  );
}

/** Every external address of a context's east-west gateways (sidecar 15443 Services and ambient Gateways). */
export function eastWestGatewayAddresses(ctx: ContextSnapshot): string[] {
  const out = new Set<string>();
  for (const s of ctx.objects.Service) {
    if (!servicePorts(s).some((p) => p.port === ISTIO.eastWestPort)) continue;
    for (const i of (s.status?.loadBalancer?.ingress ?? []) as {ip?: string; hostname?: string}[]) if (i.ip || i.hostname) out.add((i.ip || i.hostname)!);
    for (const ip of (s.spec?.externalIPs ?? []) as string[]) out.add(ip);
  }
  for (const a of ambientEastWestAddresses(ctx)) out.add(a);
  return [...out];
}

/** What an endpoint takes from its pod whatever the Service and port: computed once per pod. */
export interface PodEndpoint {
  readonly ready: boolean;
  readonly address: string;
  readonly locality: Locality;
  readonly labels: Readonly<Record<string, string>>;
  readonly cluster: string;
  readonly network?: string;
  readonly source: ModelEndpoint['source'];
}

const podEndpointCache = new WeakMap<ContextSnapshot, WeakMap<KubeObject, PodEndpoint>>();

/**
 * A pod as an endpoint: Istio's kube registry gives it the locality of its node (or its locality
 * label), its labels augmented with locality, cluster, node and network (pod label, else the
 * Istio namespace's network). The same for every Service that selects it and every port, so it is
 * computed once per snapshot (a pod is seen from each context's view of its service, per port and
 * subset the checks ask about).
 */
export function podEndpointOf(c: ContextSnapshot, pod: KubeObject, ns: string): PodEndpoint {
  const perPod = cached(podEndpointCache, c, () => new WeakMap<KubeObject, PodEndpoint>());
  const hit = perPod.get(pod);
  if (hit) return hit;
  const podLabels = pod.metadata.labels ?? {};
  const locality = plainLocality(podLocality(c, pod, {ambient: isAmbientPod(c, pod)}));
  const network = podLabels[LABEL.network] || contextNetwork(c) || undefined;
  const node = pod.spec?.nodeName as string | undefined;
  const cluster = clusterIdOf(c);
  // Shared by every endpoint made from the pod: frozen, so no reader can change another's.
  const p: PodEndpoint = Object.freeze({
    ready: isReady(pod),
    address: (pod.status?.podIP as string | undefined) || pod.metadata.name,
    locality: Object.freeze(locality),
    labels: Object.freeze(augmentLabels(podLabels, {cluster, locality, node, network})),
    cluster,
    ...(network ? {network} : {}),
    source: Object.freeze({kind: 'Pod' as const, context: c.name, namespace: pod.metadata.namespace ?? ns, name: pod.metadata.name}),
  });
  // Only snapshot pods (frozen) are cached: a pod object that can still change is computed afresh.
  if (Object.isFrozen(pod)) perPod.set(pod, p);
  return p;
}

interface Raw {
  readonly ep: ModelEndpoint;
  /** The context the endpoint came from (for finding the right gateway). */
  readonly ctx: ContextSnapshot;
}

/**
 * The endpoints of a Kubernetes Service as a proxy in `ctx` sees them: selected pods in every
 * context with a same-name, same-namespace Service; WorkloadEntries (IP addresses only) the
 * Service selects in `ctx`; endpoints on another network than `ctx`'s replaced by one
 * EastWestGateway endpoint per remote network and cluster.
 */
export function serviceEndpoints(snapshot: Snapshot, ctx: ContextSnapshot, svc: KubeObject, opts: ServiceEndpointsOptions = {}): ModelEndpoint[] {
  const name = svc.metadata.name;
  const ns = svc.metadata.namespace ?? '';
  const subset = opts.subsetLabels && Object.keys(opts.subsetLabels).length > 0 ? opts.subsetLabels : undefined;
  const raws: Raw[] = [];
  const contexts = snapshot.contexts.includes(ctx) ? snapshot.contexts : [ctx, ...snapshot.contexts];
  for (const c of contexts) {
    const s = c === ctx ? svc : c.index.get('Service', ns, name);
    if (!s) continue;
    const sp = findPort(servicePorts(s), opts.port);
    for (const pod of podsOfService(c, s)) {
      const p = podEndpointOf(c, pod, ns);
      if (!opts.includeUnready && !p.ready) continue;
      if (subset && !selectsLabels(subset, pod.metadata.labels ?? {})) continue;
      const port = podPort(pod, sp);
      raws.push({
        ctx: c,
        ep: {
          address: p.address,
          ...(port !== undefined ? {port} : {}),
          locality: p.locality,
          labels: p.labels,
          cluster: p.cluster,
          ...(p.network ? {network: p.network} : {}),
          weight: 1,
          source: p.source,
        },
      });
    }
  }
  // WorkloadEntries: only the client's own config cluster's (istiod reads its own config store).
  const sp = findPort(servicePorts(svc), opts.port);
  for (const we of workloadEntriesOfService(ctx, svc)) {
    const e = workloadEntryEndpoint(ctx, we, sp, subset, svc.spec?.selector as Record<string, string> | undefined);
    if (e) raws.push({ctx, ep: e});
  }
  return applyNetworkFilter(snapshot, ctx, raws);
}

function workloadEntryEndpoint(
  ctx: ContextSnapshot,
  we: KubeObject,
  sp: {name?: string; port?: number; number?: number; targetPort?: number | string} | undefined,
  subset: Record<string, string> | undefined,
  selector: Readonly<Record<string, string>> | undefined,
  allowHostname = false,
): ModelEndpoint | undefined {
  const spec = (we.spec ?? {}) as WorkloadEntrySpec;
  // EDS drops non-IP addresses (endpoint_builder.go); DNS ServiceEntries resolve them.
  if (!spec.address || (!allowHostname && !isIp(spec.address))) return undefined;
  // spec.labels merged with metadata.labels, metadata first (serviceentry conversion.go ConvertWorkloadEntry).
  const labels = workloadEntryLabels(we);
  if (selector && !selectsLabels(selector, labels)) return undefined;
  if (subset && !selectsLabels(subset, labels)) return undefined;
  const locality = spec.locality ? parseLocality(spec.locality) : inlineLocality({labels});
  const cluster = clusterIdOf(ctx);
  const network = spec.network || undefined;
  const port = wePort(spec, sp);
  return {
    address: spec.address,
    ...(port !== undefined ? {port} : {}),
    locality,
    labels: augmentLabels(labels, {cluster, locality, network}),
    cluster,
    ...(network ? {network} : {}),
    weight: spec.weight && spec.weight > 0 ? spec.weight : 1,
    source: {kind: 'WorkloadEntry', context: ctx.name, namespace: we.metadata.namespace ?? '', name: we.metadata.name},
  };
}

/**
 * The sidecar multi-network rule (ep_filters.go EndpointsByNetworkFilter): endpoints on the
 * proxy's network (or with no network) are kept; the others are replaced, per remote network and
 * cluster, by one endpoint for that network's east-west gateway (port 15443), labelled only with
 * cluster and network, weighted by the number of endpoints it stands for. Its locality is the
 * remote endpoints' locality when they all share one, else unknown.
 */
function applyNetworkFilter(snapshot: Snapshot, ctx: ContextSnapshot, raws: readonly Raw[]): ModelEndpoint[] {
  const clientNet = contextNetwork(ctx);
  const out: ModelEndpoint[] = [];
  const remote = new Map<string, {network: string; ctx: ContextSnapshot; eps: ModelEndpoint[]}>();
  for (const r of raws) {
    if (sameNetwork(clientNet, r.ep.network)) {
      out.push(r.ep);
      continue;
    }
    const network = r.ep.network!;
    const key = `${network}\u0000${r.ep.cluster}`;
    let g = remote.get(key);
    if (!g) remote.set(key, (g = {network, ctx: r.ctx, eps: []}));
    g.eps.push(r.ep);
  }
  for (const g of remote.values()) {
    const gwCtx = contextNetwork(g.ctx) === g.network ? g.ctx : snapshot.contexts.find((c) => contextNetwork(c) === g.network) ?? g.ctx;
    const address = eastWestGatewayAddress(gwCtx, g.network) ?? `${g.network} east-west gateway`;
    const cluster = g.eps[0]!.cluster;
    const localities = new Set(g.eps.map((e) => `${e.locality.region}/${e.locality.zone}/${e.locality.subZone}`));
    const locality = localities.size === 1 ? g.eps[0]!.locality : NO_LOCALITY;
    out.push({
      address,
      port: ISTIO.eastWestPort,
      locality,
      labels: augmentLabels(undefined, {cluster, network: g.network}),
      cluster,
      network: g.network,
      weight: g.eps.reduce((s, e) => s + e.weight, 0),
      source: {kind: 'EastWestGateway', context: gwCtx.name, name: `${g.network} east-west gateway`},
    });
  }
  return out;
}

/** The locality of an inline ServiceEntry endpoint: `locality`, else the locality label, sanitized. */
function inlineLocality(e: WorkloadEntrySpec): Locality {
  if (e.locality) return parseLocality(e.locality);
  const v = e.labels?.[LABEL.locality] ?? e.labels?.[LABEL.legacyLocality];
  return v ? parseLocality(sanitizeLocalityLabel(v)) : NO_LOCALITY;
}

/**
 * The endpoints of a ServiceEntry: inline `endpoints` (locality, labels, network, weight), or the
 * WorkloadEntries its workloadSelector selects; for `resolution: DNS`/`DNS_ROUND_ROBIN` with
 * neither, one synthetic endpoint per host with no locality (no locality failover possible).
 * STATIC drops non-IP addresses (EDS); `resolution: NONE` with no endpoints has none (passthrough).
 * The multi-network rule is not applied here.
 */
export function serviceEntryEndpoints(ctx: ContextSnapshot, se: KubeObject, opts: {port?: number} = {}): ModelEndpoint[] {
  const spec = (se.spec ?? {}) as ServiceEntrySpec;
  const resolution = spec.resolution ?? 'NONE';
  const dns = resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
  const ports = spec.ports ?? [];
  const sp = opts.port === undefined ? ports[0] : ports.find((p) => p.number === opts.port);
  const cluster = clusterIdOf(ctx);
  const ns = se.metadata.namespace ?? '';
  const out: ModelEndpoint[] = [];
  (Array.isArray(spec.endpoints) ? spec.endpoints : []).forEach((e, i) => {
    if (!e.address) return;
    if (!dns && !isIp(e.address)) return;
    const locality = inlineLocality(e);
    const network = e.network || undefined;
    const port = wePort(e, sp);
    out.push({
      address: e.address,
      ...(port !== undefined ? {port} : {}),
      locality,
      labels: augmentLabels(e.labels, {cluster, locality, network}),
      cluster,
      ...(network ? {network} : {}),
      weight: e.weight && e.weight > 0 ? e.weight : 1,
      source: {kind: 'ServiceEntryEndpoint', context: ctx.name, namespace: ns, name: `${se.metadata.name}/endpoints[${i}]`},
    });
  });
  if (!(Array.isArray(spec.endpoints) && spec.endpoints.length) && spec.workloadSelector) {
    for (const we of workloadEntriesOfServiceEntry(ctx, se)) {
      const e = workloadEntryEndpoint(ctx, we, sp, undefined, spec.workloadSelector?.labels, dns);
      if (e) out.push(e);
    }
  }
  if (out.length === 0 && dns && !spec.workloadSelector) {
    const port = sp ? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.number) : undefined;
    for (const host of spec.hosts ?? []) {
      if (host.startsWith('*')) continue;
      out.push({
        address: host,
        ...(port !== undefined ? {port} : {}),
        locality: NO_LOCALITY,
        // Istio creates it with nil labels (convertServiceEntryToInstances).
        labels: {},
        cluster,
        weight: 1,
        source: {kind: 'ServiceEntryEndpoint', context: ctx.name, namespace: ns, name: `${se.metadata.name}/${host}`},
      });
    }
  }
  return out;
}
