import {cached} from '../model/cache.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {LABEL, MULTICLUSTER} from './constants.js';
import {selectsLabels} from './selectors.js';
import type {ServiceEntrySpec, WorkloadEntrySpec} from './types.js';

export interface ServicePort {
  readonly port: number;
  readonly name?: string;
  readonly protocol?: string;
  readonly appProtocol?: string;
  readonly targetPort?: number | string;
}

const portsCache = new WeakMap<KubeObject, ServicePort[]>();

/**
 * The numeric ports of a Service. Snapshot objects are frozen, so their answer is computed once
 * and shared (frozen: callers only read it); other objects get a fresh array every time.
 */
export function servicePorts(svc: KubeObject): ServicePort[] {
  const hit = portsCache.get(svc);
  if (hit) return hit;
  const ports = ((svc.spec?.ports ?? []) as ServicePort[]).filter((p) => typeof p.port === 'number');
  if (Object.isFrozen(svc) && (svc.spec === undefined || Object.isFrozen(svc.spec))) portsCache.set(svc, Object.freeze(ports) as ServicePort[]);
  return ports;
}

/**
 * Pods of one namespace by label (`key NUL value` → pods, in the namespace's order), built once per
 * context and namespace so that selecting a service's pods never scans the namespace again.
 * Only string label values are indexed; callers re-check candidates with selectsLabels.
 */
const podLabelIndex = new WeakMap<ContextSnapshot, Map<string, Map<string, Map<string, KubeObject[]>>>>();

function podsLabelled(ctx: ContextSnapshot, namespace: string, key: string, value: string): readonly KubeObject[] {
  let perNs = podLabelIndex.get(ctx);
  if (!perNs) podLabelIndex.set(ctx, (perNs = new Map()));
  let idx = perNs.get(namespace);
  if (!idx) {
    // label key → value → pods
    idx = new Map();
    for (const p of ctx.index.byNamespace('Pod', namespace)) {
      const labels = p.metadata.labels;
      if (!labels) continue;
      for (const k in labels) {
        if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
        const v = labels[k];
        if (typeof v !== 'string') continue;
        let values = idx.get(k);
        if (!values) idx.set(k, (values = new Map()));
        let list = values.get(v);
        if (!list) values.set(v, (list = []));
        list.push(p);
      }
    }
    perNs.set(namespace, idx);
  }
  return idx.get(key)?.get(value) ?? [];
}

/**
 * Pods of a namespace whose labels a Service-style selector selects (any phase), in namespace
 * order: the shortest label list of the index, filtered. Same answer as filtering every pod.
 */
function podsSelected(ctx: ContextSnapshot, namespace: string, selector: Readonly<Record<string, string>>): readonly KubeObject[] {
  let best: readonly KubeObject[] | undefined;
  for (const k of Object.keys(selector)) {
    const v = selector[k];
    // A non-string selector value (malformed input) never equals a label: scan as before.
    if (typeof v !== 'string') return ctx.index.byNamespace('Pod', namespace).filter((p) => selectsLabels(selector, p.metadata.labels));
    const list = podsLabelled(ctx, namespace, k, v);
    if (!best || list.length < best.length) best = list;
    if (best.length === 0) return best;
  }
  if (!best) return [];
  return Object.keys(selector).length === 1 ? best : best.filter((p) => selectsLabels(selector, p.metadata.labels));
}

/** Pods of a namespace (any phase) that a Service-style selector selects, in namespace order; [] for an empty selector. */
export function podsMatchingSelector(ctx: ContextSnapshot, namespace: string, selector: Readonly<Record<string, string>>): KubeObject[] {
  if (Object.keys(selector).length === 0) return [];
  return [...podsSelected(ctx, namespace, selector)];
}

const servicePodsCache = new WeakMap<ContextSnapshot, WeakMap<KubeObject, readonly KubeObject[]>>();

/**
 * Running, not-terminating pods the Service's selector selects (the Service's endpoints). Asked
 * for every port, subset and check: computed once per context and Service (each call gets its own
 * array).
 */
export function podsOfService(ctx: ContextSnapshot, svc: KubeObject): KubeObject[] {
  const perSvc = cached(servicePodsCache, ctx, () => new WeakMap<KubeObject, readonly KubeObject[]>());
  let hit = perSvc.get(svc);
  if (!hit) {
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    hit = !selector || Object.keys(selector).length === 0 ? [] : podsSelected(ctx, svc.metadata.namespace ?? '', selector).filter((p) => isLivePod(p));
    if (Object.isFrozen(svc)) perSvc.set(svc, hit);
  }
  return hit.slice();
}

export function isLivePod(p: KubeObject): boolean {
  const phase = p.status?.phase as string | undefined;
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * A WorkloadEntry's labels as Istio sees them: spec.labels merged with metadata.labels, metadata
 * taking precedence (serviceentry/conversion.go ConvertWorkloadEntry: "we will merge labels from
 * metadata with spec, with precedence to the metadata").
 */
export function workloadEntryLabels(we: KubeObject): Record<string, string> {
  return {...(((we.spec ?? {}) as WorkloadEntrySpec).labels ?? {}), ...(we.metadata.labels ?? {})};
}

/** WorkloadEntries in the Service's namespace that its selector selects. */
export function workloadEntriesOfService(ctx: ContextSnapshot, svc: KubeObject): KubeObject[] {
  const selector = svc.spec?.selector as Record<string, string> | undefined;
  if (!selector || Object.keys(selector).length === 0) return [];
  return ctx.index.byNamespace('WorkloadEntry', svc.metadata.namespace ?? '').filter((we) => selectsLabels(selector, workloadEntryLabels(we)));
}

/** WorkloadEntries a ServiceEntry's workloadSelector selects (same namespace). */
export function workloadEntriesOfServiceEntry(ctx: ContextSnapshot, se: KubeObject): KubeObject[] {
  const sel = ((se.spec ?? {}) as ServiceEntrySpec).workloadSelector?.labels;
  if (!sel) return [];
  return ctx.index.byNamespace('WorkloadEntry', se.metadata.namespace ?? '').filter((we) => selectsLabels(sel, workloadEntryLabels(we)));
}

export function isIp(s: string | undefined): boolean {
  if (!s) return false;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((o) => Number(o) <= 255);
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s);
}

/** Namespace enrolled in ambient (istio.io/dataplane-mode=ambient), pod-level override honoured. */
export function isAmbientNamespace(ctx: ContextSnapshot, ns: string): boolean {
  return ctx.index.namespace(ns)?.metadata.labels?.[LABEL.dataplaneMode] === 'ambient';
}

export function isAmbientPod(ctx: ContextSnapshot, pod: KubeObject): boolean {
  const mode = pod.metadata.labels?.[LABEL.dataplaneMode];
  if (mode === 'none') return false;
  if (mode === 'ambient') return true;
  return isAmbientNamespace(ctx, pod.metadata.namespace ?? '') && !hasSidecar(pod);
}

/** An ambient Service: its namespace (or the Service itself) is enrolled in ambient. */
export function isAmbientService(ctx: ContextSnapshot, svc: KubeObject): boolean {
  return svc.metadata.labels?.[LABEL.dataplaneMode] === 'ambient' || isAmbientNamespace(ctx, svc.metadata.namespace ?? '');
}

const sidecarCache = new WeakMap<KubeObject, boolean>();

/** The pod has an istio-proxy container (or native-sidecar init container). Cached per (frozen, snapshot) pod: every check asks. */
export function hasSidecar(pod: KubeObject): boolean {
  let hit = sidecarCache.get(pod);
  if (hit === undefined) {
    const named = (list: unknown): boolean => Array.isArray(list) && list.some((c) => (c as {name?: unknown} | null)?.name === 'istio-proxy');
    hit = named(pod.spec?.containers) || named(pod.spec?.initContainers);
    if (Object.isFrozen(pod)) sidecarCache.set(pod, hit);
  }
  return hit;
}

/** Sidecar injection enabled for a namespace (istio-injection=enabled or istio.io/rev). */
export function namespaceInjected(ctx: ContextSnapshot, ns: string): boolean {
  const l = ctx.index.namespace(ns)?.metadata.labels ?? {};
  if (l[LABEL.injection] === 'disabled') return false;
  return l[LABEL.injection] === 'enabled' || !!l[LABEL.rev];
}

export interface WaypointBinding {
  readonly name: string;
  readonly namespace: string;
  /** Where the binding came from. */
  readonly via: 'service' | 'namespace';
}

/**
 * The waypoint a Service is bound to: Service label istio.io/use-waypoint, else the namespace's;
 * istio.io/use-waypoint-namespace names another namespace; the value `none` opts out.
 */
export function waypointOf(ctx: ContextSnapshot, svc: KubeObject): WaypointBinding | undefined {
  const ns = svc.metadata.namespace ?? '';
  const sl = svc.metadata.labels ?? {};
  const nsl = ctx.index.namespace(ns)?.metadata.labels ?? {};
  let via: 'service' | 'namespace';
  let name: string | undefined;
  let wpNs: string | undefined;
  if (sl[LABEL.useWaypoint] !== undefined) {
    via = 'service';
    name = sl[LABEL.useWaypoint];
    wpNs = sl[LABEL.useWaypointNamespace];
  } else if (nsl[LABEL.useWaypoint] !== undefined) {
    via = 'namespace';
    name = nsl[LABEL.useWaypoint];
    wpNs = nsl[LABEL.useWaypointNamespace];
  } else return undefined;
  if (!name || name === 'none') return undefined;
  return {name, namespace: wpNs || ns, via};
}

/** Tetrate Service Bridge manages this cluster (ControlPlane CR, or xcp.tetrate.io marks). */
const tetrateCache = new WeakMap<ContextSnapshot, boolean>();

export function isTetrate(ctx: ContextSnapshot): boolean {
  let hit = tetrateCache.get(ctx);
  if (hit === undefined) tetrateCache.set(ctx, (hit = tetrateMarked(ctx)));
  return hit;
}

function tetrateMarked(ctx: ContextSnapshot): boolean {
  if (ctx.objects.ControlPlane.length > 0) return true;
  const marked = (o: KubeObject): boolean =>
    Object.keys(o.metadata.labels ?? {}).some((k) => k.startsWith('xcp.tetrate.io/')) ||
    Object.keys(o.metadata.annotations ?? {}).some((k) => k.startsWith('xcp.tetrate.io/'));
  return ctx.objects.WorkloadEntry.some(marked) || ctx.objects.ServiceEntry.some(marked) || ctx.objects.DestinationRule.some(marked);
}

export interface IstioVersion {
  readonly major: number;
  readonly minor: number;
  readonly raw: string;
}

/** The Istio version from the istiod Deployment's image tag, when it can be read. */
export function istioVersion(ctx: ContextSnapshot): IstioVersion | undefined {
  const deps = ctx.index.byNamespace('Deployment', ctx.istioNamespace).filter((d) => d.metadata.name === 'istiod' || d.metadata.name.startsWith('istiod-'));
  for (const d of deps) {
    for (const c of (d.spec?.template?.spec?.containers ?? []) as {image?: string}[]) {
      const tag = c.image?.split('@')[0]?.split(':').pop();
      const m = tag?.match(/^v?(\d+)\.(\d+)/);
      if (m) return {major: Number(m[1]), minor: Number(m[2]), raw: tag!};
    }
  }
  return undefined;
}

/** The cluster ID istiod uses: its CLUSTER_ID env, else undefined. */
export function clusterId(ctx: ContextSnapshot): string | undefined {
  for (const d of ctx.index.byNamespace('Deployment', ctx.istioNamespace)) {
    if (!(d.metadata.name === 'istiod' || d.metadata.name.startsWith('istiod-'))) continue;
    for (const c of (d.spec?.template?.spec?.containers ?? []) as {env?: {name: string; value?: string}[]}[]) {
      const v = c.env?.find((e) => e.name === 'CLUSTER_ID')?.value;
      if (v) return v;
    }
  }
  return undefined;
}

export interface ClusterIdInfo {
  readonly id: string;
  /** istiod: CLUSTER_ID of istiod; proxy: ISTIO_META_CLUSTER_ID/CLUSTER_ID of a proxy or ztunnel pod; context-name: assumed. */
  readonly source: 'istiod' | 'proxy' | 'context-name';
}

const clusterIdCache = new WeakMap<ContextSnapshot, ClusterIdInfo>();

function proxyClusterId(ctx: ContextSnapshot): string | undefined {
  const fromPod = (p: KubeObject): string | undefined => {
    for (const c of (p.spec?.containers ?? []) as {name?: string; env?: {name: string; value?: string}[]}[]) {
      for (const e of c.env ?? []) {
        if ((e.name === MULTICLUSTER.proxyClusterIdEnv || e.name === MULTICLUSTER.clusterIdEnv) && e.value) return e.value;
      }
    }
    return undefined;
  };
  // ztunnel and gateways in the Istio namespace first, then any injected pod.
  for (const p of ctx.index.byNamespace('Pod', ctx.istioNamespace)) {
    const v = fromPod(p);
    if (v) return v;
  }
  for (const p of ctx.objects.Pod) {
    if (!hasSidecar(p)) continue;
    const v = fromPod(p);
    if (v) return v;
  }
  return undefined;
}

/**
 * The Istio cluster ID of a context (the one place it is decided): istiod's CLUSTER_ID, else the
 * one Istio injected into a proxy or ztunnel of the cluster (remote clusters run no istiod), else
 * the context name (an assumption, reported as such). Cached: the snapshot is frozen.
 */
export function clusterIdentity(ctx: ContextSnapshot): ClusterIdInfo {
  return cached(clusterIdCache, ctx, (): ClusterIdInfo => {
    const fromIstiod = clusterId(ctx);
    if (fromIstiod) return {id: fromIstiod, source: 'istiod'};
    const fromProxy = proxyClusterId(ctx);
    if (fromProxy) return {id: fromProxy, source: 'proxy'};
    return {id: ctx.name, source: 'context-name'};
  });
}

/** The network of a context: topology.istio.io/network on the Istio namespace. */
export function contextNetwork(ctx: ContextSnapshot): string | undefined {
  return ctx.index.namespace(ctx.istioNamespace)?.metadata.labels?.[LABEL.network];
}

/**
 * Client pods of a service (PRODUCT.md §5 "client locality"): live pods in the service's own
 * namespace (its own pods included: they may call it too) and in the `--client-namespace`
 * namespaces, plus `--from` pods. Callers that need meshed clients filter on hasSidecar.
 */
export function clientPods(snapshot: Snapshot, ctx: ContextSnapshot, svc: KubeObject): KubeObject[] {
  const nss = new Set([svc.metadata.namespace ?? '', ...snapshot.clientNamespaces]);
  const out: KubeObject[] = [];
  for (const ns of nss) for (const p of ctx.index.byNamespace('Pod', ns)) if (isLivePod(p)) out.push(p);
  for (const f of snapshot.fromPods) {
    if (f.context && f.context !== ctx.name) continue;
    const p = ctx.index.get('Pod', f.namespace, f.name);
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}

/** Pods of a waypoint (Gateway) in a context: label gateway.networking.k8s.io/gateway-name. */
export function waypointPods(ctx: ContextSnapshot, name: string, namespace: string): KubeObject[] {
  if (typeof name !== 'string') return ctx.index.byNamespace('Pod', namespace).filter((p) => p.metadata.labels?.[LABEL.gatewayName] === name && isLivePod(p));
  return podsLabelled(ctx, namespace, LABEL.gatewayName, name).filter((p) => isLivePod(p));
}
