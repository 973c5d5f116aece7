/**
 * Helpers of FO202, FO204, FO301, FO407 and FO506: which nodes hold pods whose locality Istio
 * reads (the FO201 scope, extended to ServiceEntries), how Istio splits a locality string, whether
 * a namespace is in the mesh, and the Tetrate Service Bridge objects a bundle may carry.
 * Pure functions over the Snapshot; whole-kind passes are cached per context (WeakMap).
 */
import type {ContextSnapshot, Snapshot} from '../../model/snapshot.js';
import type {KubeObject} from '../../model/types.js';
import {LABEL} from '../../istio/constants.js';
import {podHasLocalityLabel} from '../../istio/locality.js';
import {effectivePolicy, failoverApplied, hasFailoverIntent, localitySetting} from '../../istio/policy.js';
import type {ServiceEntrySpec} from '../../istio/types.js';
import {clientPods, hasSidecar, isAmbientPod, isAmbientService, isLivePod, podsOfService, waypointOf, waypointPods} from '../../istio/workloads.js';
import {localityLbOf, nsName} from './ambient.js';
import {destinationRuleOfHost, isSidecarClient, selectedWorkloads, seHosts, sePorts} from './service-entries.js';
import {cached} from '../../model/cache.js';

// ---------------------------------------------------------------------------------------------
// Facts (one place each, with where they come from).

export const LOCALITY_FORMAT = {
  /** pkg/serviceregistry/util/label SplitLocalityLabel: region/zone/subzone; later segments are dropped. */
  maxSegments: 3,
  /** The separator of a locality string. */
  separator: '/',
  /** pkg/model/proxy.go SanitizeLocalityLabel: a label value has no '/', so '.' is read as '/' when no '/' is present. */
  labelSeparator: '.',
  names: ['region', 'zone', 'subzone'] as readonly string[],
} as const;

export const TETRATE = {
  /** TSB management-plane API group (tctl objects). */
  apiGroup: 'api.tsb.tetrate.io',
  /** A Workspace's namespaceSelector.names entries are `<cluster>/<namespace>`, `*` a wildcard. */
  wildcard: '*',
  /** TSB ControlPlane CR: the cluster's name in the management plane. */
  controlPlaneClusterNamePath: ['spec', 'managementPlane', 'clusterName'] as readonly string[],
} as const;

/** Namespaces FO301 never reports (besides the Istio namespace of each context). */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system'];


// ---------------------------------------------------------------------------------------------
// FO202: nodes whose locality Istio reads for a locality-balanced service.

/** How Istio reads a pod's locality: 'ambient' (node GA labels only) or 'sidecar' (GA, beta fallback, pod label). */
export type Reading = 'ambient' | 'sidecar';
export type ScopeRole = 'endpoint' | 'client' | 'waypoint';

export interface ScopedNode {
  readonly node: KubeObject;
  /** `ns/name` → pod, with how its locality is read. */
  readonly pods: Map<string, {readonly pod: KubeObject; readonly reading: Reading}>;
  readonly roles: Set<ScopeRole>;
  /** `Service ns/name` / `ServiceEntry ns/name` with locality LB in effect that put the node in scope (made when read). */
  readonly via: ReadonlySet<string>;
  /** Read the ambient way on behalf of a Service: FO201's domain (it reports missing GA labels there). */
  ambientViaService: boolean;
  /** Read the ambient way on behalf of a ServiceEntry only (FO201 looks at Services only). */
  ambientViaServiceEntry: boolean;
  sidecar: boolean;
  intent: boolean;
}

const scopeCache = new WeakMap<Snapshot, WeakMap<ContextSnapshot, Map<string, ScopedNode>>>();

/**
 * The nodes that host endpoints, clients or waypoints of a Service or ServiceEntry with locality
 * load balancing in effect, with how Istio reads each pod's locality there. Services follow FO201
 * exactly (lib/ambient.ts localityLbOf; sidecar clients; ambient through the waypoint or ztunnel).
 * ServiceEntries: some host × port's effective policy applies failover (outlier detection, or
 * forced) or `distribute`; their endpoints are the pods the workloadSelector selects, their clients
 * those of PRODUCT.md's *client locality* (sidecars), or the waypoint when the entry is ambient and
 * bound to one. A pod read the sidecar way with its own topology.istio.io/locality label does not
 * take its locality from the node and is left out; so are pods on nodes that were not read.
 */
export function localityScope(snapshot: Snapshot, ctx: ContextSnapshot): ReadonlyMap<string, ScopedNode> {
  let perSnap = scopeCache.get(snapshot);
  if (!perSnap) scopeCache.set(snapshot, (perSnap = new WeakMap()));
  return cached(perSnap, ctx, () => buildScope(snapshot, ctx));
}

/**
 * The client pods of a namespace, for every service in it with locality LB in effect: the services
 * are listed once on the group, not on each of its nodes (a namespace of 500 services over 2,000
 * nodes would otherwise cost a million set insertions for a name FO202 prints on a few nodes).
 */
interface ClientGroup {
  readonly vias: string[];
  readonly nodes: Set<Scoped>;
  intent: boolean;
  ambientViaService: boolean;
  ambientViaServiceEntry: boolean;
}

class Scoped implements ScopedNode {
  readonly pods = new Map<string, {readonly pod: KubeObject; readonly reading: Reading}>();
  readonly roles = new Set<ScopeRole>();
  readonly direct = new Set<string>();
  readonly groups = new Set<ClientGroup>();
  ambientViaService = false;
  ambientViaServiceEntry = false;
  sidecar = false;
  intent = false;
  constructor(readonly node: KubeObject) {}
  get via(): ReadonlySet<string> {
    const out = new Set(this.direct);
    for (const g of this.groups) for (const v of g.vias) out.add(v);
    return out;
  }
}

/** Every service or entry that put some node of the scope in scope. */
export function scopeVias(scope: ReadonlyMap<string, ScopedNode>): Set<string> {
  const out = new Set<string>();
  const groups = new Set<ClientGroup>();
  for (const s of scope.values()) {
    if (!(s instanceof Scoped)) {
      for (const v of s.via) out.add(v);
      continue;
    }
    for (const v of s.direct) out.add(v);
    for (const g of s.groups) groups.add(g);
  }
  for (const g of groups) for (const v of g.vias) out.add(v);
  return out;
}

function buildScope(snapshot: Snapshot, ctx: ContextSnapshot): Map<string, ScopedNode> {
  const out = new Map<string, Scoped>();
  const add = (pod: KubeObject, reading: Reading | undefined, role: ScopeRole, via: string | ClientGroup, fromEntry: boolean, intent: boolean): Scoped | undefined => {
    if (!reading) return undefined;
    const node = ctx.index.node(pod.spec?.nodeName as string | undefined);
    if (!node) return undefined;
    if (reading === 'sidecar' && podHasLocalityLabel(pod)) return undefined;
    let s = out.get(node.metadata.name);
    if (!s) out.set(node.metadata.name, (s = new Scoped(node)));
    const key = nsName(pod);
    const prev = s.pods.get(key);
    if (!prev || (prev.reading === 'sidecar' && reading === 'ambient')) s.pods.set(key, {pod, reading});
    s.roles.add(role);
    if (typeof via === 'string') s.direct.add(via);
    else s.groups.add(via);
    if (reading === 'ambient') {
      if (fromEntry) s.ambientViaServiceEntry = true;
      else s.ambientViaService = true;
    } else s.sidecar = true;
    s.intent ||= intent;
    return s;
  };
  const sidecarClient = (pod: KubeObject): Reading | undefined => (isSidecarClient(ctx, pod) ? 'sidecar' : undefined);
  const ambientClient = (pod: KubeObject): Reading | undefined => (isAmbientPod(ctx, pod) ? 'ambient' : undefined);
  // The client pods of a namespace are the same for every service in it: add them once per way of
  // reading, then only name the service on the group (no pods × services or nodes × services loop).
  const clientGroups = new Map<string, ClientGroup>();
  const addClients = (obj: KubeObject, how: 'sidecar' | 'ztunnel', via: string, fromEntry: boolean, intent: boolean): void => {
    const key = `${obj.metadata.namespace ?? ''}\u0000${how}`;
    let g = clientGroups.get(key);
    if (!g) {
      const reading = how === 'ztunnel' ? ambientClient : sidecarClient;
      g = {vias: [via], nodes: new Set(), intent, ambientViaService: how === 'ztunnel' && !fromEntry, ambientViaServiceEntry: how === 'ztunnel' && fromEntry};
      for (const pod of clientPods(snapshot, ctx, obj)) {
        const s = add(pod, reading(pod), 'client', g, fromEntry, intent);
        if (s) g.nodes.add(s);
      }
      clientGroups.set(key, g);
      return;
    }
    g.vias.push(via);
    // A flag changes at most once per group: only then are its nodes visited.
    if (intent && !g.intent) {
      g.intent = true;
      for (const s of g.nodes) s.intent = true;
    }
    if (how === 'ztunnel' && fromEntry && !g.ambientViaServiceEntry) {
      g.ambientViaServiceEntry = true;
      for (const s of g.nodes) s.ambientViaServiceEntry = true;
    }
    if (how === 'ztunnel' && !fromEntry && !g.ambientViaService) {
      g.ambientViaService = true;
      for (const s of g.nodes) s.ambientViaService = true;
    }
  };

  for (const svc of ctx.objects.Service) {
    const ev = localityLbOf(ctx, svc);
    if (!ev.inEffect) continue;
    const via = `Service ${nsName(svc)}`;
    for (const pod of podsOfService(ctx, svc)) add(pod, ev.path !== 'sidecar' && isAmbientPod(ctx, pod) ? 'ambient' : 'sidecar', 'endpoint', via, false, ev.intent);
    if (ev.path === 'waypoint' && ev.waypoint) {
      for (const pod of waypointPods(ctx, ev.waypoint.name, ev.waypoint.namespace)) add(pod, 'sidecar', 'waypoint', via, false, ev.intent);
      continue;
    }
    addClients(svc, ev.path === 'ztunnel' ? 'ztunnel' : 'sidecar', via, false, ev.intent);
  }

  for (const se of ctx.objects.ServiceEntry) {
    const ev = serviceEntryLocalityLb(ctx, se);
    if (!ev.inEffect) continue;
    const via = `ServiceEntry ${nsName(se)}`;
    for (const pod of selectedWorkloads(ctx, se).pods) add(pod, ev.waypoint && isAmbientPod(ctx, pod) ? 'ambient' : 'sidecar', 'endpoint', via, true, ev.intent);
    if (ev.waypoint) {
      for (const pod of waypointPods(ctx, ev.waypoint.name, ev.waypoint.namespace)) add(pod, 'sidecar', 'waypoint', via, true, ev.intent);
      continue;
    }
    addClients(se, 'sidecar', via, true, ev.intent);
  }
  return out;
}

/**
 * Locality LB for a ServiceEntry: some host × port's effective policy (the DestinationRule of the
 * host, from the entry's namespace) applies failover (outlier detection, or forced by the
 * traffic-distribution annotation) or `distribute`. An ambient entry not bound to a waypoint is
 * served by ztunnel, which ignores DestinationRules: not in effect.
 */
export function serviceEntryLocalityLb(ctx: ContextSnapshot, se: KubeObject): {inEffect: boolean; intent: boolean; waypoint?: {name: string; namespace: string}} {
  const ambient = isAmbientService(ctx, se);
  const waypoint = ambient ? waypointOf(ctx, se) : undefined;
  let intent = false;
  let inEffect = false;
  for (const host of seHosts(se)) {
    const dr = destinationRuleOfHost(ctx, se, host);
    intent ||= hasFailoverIntent(ctx, dr);
    if (ambient && !waypoint) continue;
    const ports = sePorts(se).map((p) => p.number as number | undefined);
    for (const port of ports.length ? ports : [undefined]) {
      const eff = effectivePolicy(dr, port);
      const res = localitySetting(ctx, eff.policy, se);
      if (!res.setting) continue;
      if ((res.setting.distribute?.length ?? 0) > 0 || failoverApplied(res, eff.policy)) inEffect = true;
    }
  }
  return {inEffect, intent, ...(waypoint ? {waypoint: {name: waypoint.name, namespace: waypoint.namespace}} : {})};
}

/** The topology keys (region, zone) a node carries only as failure-domain.beta.kubernetes.io labels. */
export function betaOnlyKeys(node: KubeObject): {key: 'region' | 'zone'; beta: string; ga: string; value: string}[] {
  const l = node.metadata.labels ?? {};
  const out: {key: 'region' | 'zone'; beta: string; ga: string; value: string}[] = [];
  const betaRegion = l[LABEL.betaRegion];
  const betaZone = l[LABEL.betaZone];
  if (!l[LABEL.region] && betaRegion) out.push({key: 'region', beta: LABEL.betaRegion, ga: LABEL.region, value: betaRegion});
  if (!l[LABEL.zone] && betaZone) out.push({key: 'zone', beta: LABEL.betaZone, ga: LABEL.zone, value: betaZone});
  return out;
}

// ---------------------------------------------------------------------------------------------
// FO204: how Istio splits a locality string.

export interface LocalityParse {
  /** All segments Istio's split produces (before dropping). */
  readonly segments: readonly string[];
  /** Segments beyond the third, which Istio drops. */
  readonly dropped: readonly string[];
  /** What Istio ends up with: region/zone/subzone. */
  readonly used: readonly string[];
  /** Names of empty segments followed by a non-empty one (e.g. an empty zone in `a..b`). */
  readonly emptyBefore: readonly string[];
  /** '.' was read as '/' (a label value without '/'). */
  readonly dotsSplit: boolean;
}

/**
 * Istio's reading of a locality: a label value is sanitized first (dots become slashes when it has
 * no '/'), a WorkloadEntry's spec.locality is not; then the string is split on '/', and only the
 * first three segments are kept.
 */
export function parseLocalityString(value: string, from: 'label' | 'spec'): LocalityParse {
  const dotsSplit = from === 'label' && !value.includes(LOCALITY_FORMAT.separator) && value.includes(LOCALITY_FORMAT.labelSeparator);
  const sanitized = dotsSplit ? value.split(LOCALITY_FORMAT.labelSeparator).join(LOCALITY_FORMAT.separator) : value;
  const segments = sanitized.split(LOCALITY_FORMAT.separator);
  const used = segments.slice(0, LOCALITY_FORMAT.maxSegments);
  const dropped = segments.slice(LOCALITY_FORMAT.maxSegments);
  const emptyBefore: string[] = [];
  used.forEach((s, i) => {
    if (s === '' && used.slice(i + 1).some((x) => x !== '')) emptyBefore.push(LOCALITY_FORMAT.names[i]!);
  });
  return {segments, dropped, used, emptyBefore, dotsSplit};
}

/**
 * The longest dot-joined prefix of `value` (at least `minParts` dot-segments) that is a known
 * region, with the rest of the dot-segments: how a dotted value was meant.
 */
export function dottedKnownRegion(value: string, known: ReadonlySet<string>, minParts: number): {region: string; rest: string[]} | undefined {
  if (value.includes(LOCALITY_FORMAT.separator)) return undefined;
  const parts = value.split(LOCALITY_FORMAT.labelSeparator);
  for (let n = parts.length; n >= Math.max(1, minParts); n--) {
    const region = parts.slice(0, n).join(LOCALITY_FORMAT.labelSeparator);
    if (known.has(region)) return {region, rest: parts.slice(n)};
  }
  return undefined;
}

const regionsCache = new WeakMap<readonly ContextSnapshot[], Set<string>>();

/**
 * Regions the run knows from sources that cannot be mangled by a label split: node labels (GA and
 * beta), ServiceEntry endpoints' `locality` field, WorkloadEntries' spec.locality. Pod and
 * WorkloadEntry locality labels are left out: they are what FO204 judges.
 */
export function reliableRegions(snapshot: Snapshot): ReadonlySet<string> {
  return cached(regionsCache, snapshot.contexts, () => {
    const out = new Set<string>();
    for (const ctx of snapshot.contexts) {
      for (const n of ctx.objects.Node) {
        const l = n.metadata.labels ?? {};
        for (const k of [LABEL.region, LABEL.betaRegion]) if (l[k]) out.add(l[k]!);
      }
      for (const se of ctx.objects.ServiceEntry) {
        for (const e of ((se.spec ?? {}) as ServiceEntrySpec).endpoints ?? []) {
          const r = typeof e?.locality === 'string' ? e.locality.split(LOCALITY_FORMAT.separator)[0] : undefined;
          if (r) out.add(r);
        }
      }
      for (const we of ctx.objects.WorkloadEntry) {
        const loc = (we.spec as {locality?: unknown} | undefined)?.locality;
        if (typeof loc === 'string' && loc.includes(LOCALITY_FORMAT.separator)) {
          const r = loc.split(LOCALITY_FORMAT.separator)[0];
          if (r) out.add(r);
        }
      }
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// FO301: is a namespace in the mesh?

export interface NamespaceMeshState {
  /** How it is in the mesh, undefined when it is not. */
  readonly meshedBy?: string;
  /** Live pods of the namespace. */
  readonly pods: readonly KubeObject[];
  /** istio-injection=disabled on the namespace. */
  readonly optedOut: boolean;
}

const meshStateCache = new WeakMap<ContextSnapshot, Map<string, NamespaceMeshState>>();

/**
 * A namespace is in the mesh when it is labelled for sidecar injection (istio-injection=enabled,
 * or istio.io/rev without istio-injection=disabled) or for ambient (istio.io/dataplane-mode=ambient),
 * or when one of its live pods is meshed on its own: it runs an istio-proxy container, carries
 * sidecar.istio.io/inject=true, or istio.io/dataplane-mode=ambient.
 */
export function namespaceMeshState(ctx: ContextSnapshot, ns: string): NamespaceMeshState {
  let perCtx = meshStateCache.get(ctx);
  if (!perCtx) meshStateCache.set(ctx, (perCtx = new Map()));
  const hit = perCtx.get(ns);
  if (hit) return hit;
  const l = ctx.index.namespace(ns)?.metadata.labels ?? {};
  const pods = ctx.index.byNamespace('Pod', ns).filter(isLivePod);
  const optedOut = l[LABEL.injection] === 'disabled';
  let meshedBy: string | undefined;
  if (l[LABEL.dataplaneMode] === 'ambient') meshedBy = `${LABEL.dataplaneMode}=ambient`;
  else if (l[LABEL.injection] === 'enabled') meshedBy = `${LABEL.injection}=enabled`;
  else if (l[LABEL.rev] && !optedOut) meshedBy = `${LABEL.rev}=${l[LABEL.rev]}`;
  else {
    const pod = pods.find(
      (p) =>
        hasSidecar(p) ||
        (p.metadata.labels?.[LABEL.sidecarInject] ?? p.metadata.annotations?.[LABEL.sidecarInject]) === 'true' ||
        p.metadata.labels?.[LABEL.dataplaneMode] === 'ambient',
    );
    if (pod) meshedBy = `pod ${pod.metadata.name} (${hasSidecar(pod) ? 'istio-proxy container' : pod.metadata.labels?.[LABEL.dataplaneMode] === 'ambient' ? `${LABEL.dataplaneMode}=ambient` : `${LABEL.sidecarInject}=true`})`;
  }
  const state: NamespaceMeshState = {...(meshedBy ? {meshedBy} : {}), pods, optedOut};
  perCtx.set(ns, state);
  return state;
}

// ---------------------------------------------------------------------------------------------
// FO506: Tetrate Service Bridge objects.

/** A TSB object's place in the management plane: organization/tenant/workspace from its metadata. */
export interface TsbPath {
  readonly organization?: string;
  readonly tenant?: string;
  readonly workspace?: string;
  readonly name: string;
}

export function tsbPath(o: KubeObject): TsbPath {
  const m = o.metadata as Record<string, unknown>;
  const s = (k: string): string | undefined => (typeof m[k] === 'string' && m[k] ? (m[k] as string) : undefined);
  const organization = s('organization');
  const tenant = s('tenant');
  const workspace = s('workspace');
  return {...(organization ? {organization} : {}), ...(tenant ? {tenant} : {}), ...(workspace ? {workspace} : {}), name: o.metadata.name};
}

export function tsbPathText(p: TsbPath): string {
  return [p.organization && `organizations/${p.organization}`, p.tenant && `tenants/${p.tenant}`, p.workspace && `workspaces/${p.workspace}`].filter(Boolean).join('/');
}

/** Two optional path fields agree when either is unset or both are equal. */
function agrees(a: string | undefined, b: string | undefined): boolean {
  return !a || !b || a === b;
}

/** The Workspace a WorkspaceSetting belongs to (metadata.workspace = the Workspace's name), among the run's objects. */
export function workspaceOf(setting: KubeObject, workspaces: readonly KubeObject[]): KubeObject | undefined {
  const p = tsbPath(setting);
  if (!p.workspace) return undefined;
  return workspaces.find((w) => {
    const q = tsbPath(w);
    return q.name === p.workspace && agrees(p.organization, q.organization) && agrees(p.tenant, q.tenant);
  });
}

/** A `*`-glob of one segment. */
function globMatch(pattern: string, value: string): boolean {
  if (pattern === TETRATE.wildcard) return true;
  if (!pattern.includes(TETRATE.wildcard)) return pattern === value;
  const re = new RegExp(`^${pattern.split(TETRATE.wildcard).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** The names a context may go by in TSB: its context name, its cluster ID, the ControlPlane's managementPlane.clusterName. */
export function tsbClusterNames(ctx: ContextSnapshot, clusterId: string): string[] {
  const names = new Set<string>([ctx.name, clusterId]);
  for (const cp of ctx.objects.ControlPlane) {
    let v: unknown = cp;
    for (const k of TETRATE.controlPlaneClusterNamePath) v = (v as Record<string, unknown> | undefined)?.[k];
    if (typeof v === 'string' && v) names.add(v);
  }
  return [...names];
}

/** `spec.namespaceSelector.names` of a Workspace, as [cluster, namespace] patterns. */
export function workspaceNamespacePatterns(ws: KubeObject): {cluster: string; namespace: string; raw: string}[] {
  const names = (ws.spec?.namespaceSelector?.names ?? []) as unknown[];
  const out: {cluster: string; namespace: string; raw: string}[] = [];
  for (const n of names) {
    if (typeof n !== 'string' || !n) continue;
    const i = n.indexOf('/');
    // A bare name is read as a namespace in any cluster.
    out.push(i < 0 ? {cluster: TETRATE.wildcard, namespace: n, raw: n} : {cluster: n.slice(0, i), namespace: n.slice(i + 1), raw: n});
  }
  return out;
}

/** Does a Workspace's namespace selector take namespace `ns` of a cluster known by `clusterNames`? */
export function workspaceSelects(patterns: readonly {cluster: string; namespace: string}[], clusterNames: readonly string[], ns: string): boolean {
  return patterns.some((p) => globMatch(p.namespace, ns) && clusterNames.some((c) => globMatch(p.cluster, c)));
}

export interface ExposedSelector {
  /** Path of the selector in the object, e.g. spec.defaultEastWestGatewaySettings[0].exposedServices[1]. */
  readonly where: string;
  readonly serviceLabels: Readonly<Record<string, string>>;
}

export interface EastWestSettings {
  /** Where the list was found: under spec (read by TSB) or beside it (ignored: an indentation slip). */
  readonly place: 'spec' | 'top-level';
  readonly where: string;
  readonly entries: readonly Record<string, unknown>[];
  readonly selectors: readonly ExposedSelector[];
}

function asList(v: unknown): Record<string, unknown>[] {
  if (Array.isArray(v)) return v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x));
  return v && typeof v === 'object' ? [v as Record<string, unknown>] : [];
}

/** The defaultEastWestGatewaySettings of a WorkspaceSetting, under spec and (misplaced) at the top level. */
export function eastWestSettings(setting: KubeObject): EastWestSettings[] {
  const out: EastWestSettings[] = [];
  const read = (raw: unknown, place: 'spec' | 'top-level'): void => {
    if (raw === undefined || raw === null) return;
    const where = place === 'spec' ? 'spec.defaultEastWestGatewaySettings' : 'defaultEastWestGatewaySettings';
    const entries = asList(raw);
    const selectors: ExposedSelector[] = [];
    entries.forEach((e, i) => {
      asList(e.exposedServices).forEach((s, j) => {
        const labels = s.serviceLabels;
        if (!labels || typeof labels !== 'object' || Array.isArray(labels)) return;
        const serviceLabels = Object.fromEntries(Object.entries(labels as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
        selectors.push({where: `${where}[${i}].exposedServices[${j}]`, serviceLabels});
      });
    });
    out.push({place, where, entries, selectors});
  };
  read(setting.spec?.defaultEastWestGatewaySettings, 'spec');
  read((setting as Record<string, unknown>).defaultEastWestGatewaySettings, 'top-level');
  return out;
}

/** `k=v,k2=v2` of a selector. */
export function selectorText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
