/**
 * Shared iteration for the DestinationRule policy checks (FO1xx): every Service / ServiceEntry
 * host with its ports, the DestinationRule(s) that apply to it (per client namespace), and the
 * effective policy of each port and subset — with the path, inside the DestinationRule's spec,
 * that each part came from, so that a remediation can patch exactly the right place.
 *
 * Semantics (istio 1.30, research/istio-envoy-internals.md §1):
 * - DestinationRule lookup: client namespace, then the service's namespace, then the root
 *   namespace (src/istio/hosts.ts). Same-host rules are merged: the oldest rule with a
 *   trafficPolicy gives it (pilot/pkg/model/destination_rule.go mergeDestinationRule).
 * - Port and subset policy: util.MergeSubsetTrafficPolicy — the top-level portLevelSettings entry
 *   for the port REPLACES the top-level policy, then the subset's policy (itself replaced by the
 *   subset's own matching portLevelSettings entry) overrides field by field; a subset port entry
 *   overrides all four fields, absent ones included.
 *
 * Pure; results are cached per context (WeakMap), never stored in the snapshot.
 */
import type {ContextSnapshot, Snapshot} from '../../model/snapshot.js';
import type {KubeObject} from '../../model/types.js';
import {ANNOTATION, ISTIO, LABEL} from '../../istio/constants.js';
import {destinationRuleHost, destinationRulesFor, hostMatches, serviceFqdn} from '../../istio/hosts.js';
import {parseLocality, sanitizeLocalityLabel, workloadEntryLocality} from '../../istio/locality.js';
import {meshConfig} from '../../istio/mesh.js';
import {localitySetting, type LocalitySettingResolution} from '../../istio/policy.js';
import {selectsLabels} from '../../istio/selectors.js';
import type {
  DestinationRuleSpec,
  LocalityLbSetting,
  OutlierDetection,
  ServiceEntrySpec,
  TrafficPolicy,
  WorkloadEntrySpec,
} from '../../istio/types.js';
import {
  clientPods,
  clusterIdentity,
  isLivePod,
  podsMatchingSelector,
  contextNetwork,
  hasSidecar,
  isAmbientService,
  isTetrate,
  servicePorts,
  waypointOf,
  waypointPods,
  type WaypointBinding,
} from '../../istio/workloads.js';
import {clientProxyForPod, clusterIdOf, serviceEndpoints, serviceEntryEndpoints} from '../../traffic/endpoints.js';
import {parsePriorityLabels} from '../../traffic/priorities.js';
import type {ClientProxy, ModelEndpoint} from '../../traffic/types.js';

/** A list field as read from a cluster or a file: anything but an array (a typo, null) reads as empty. */
export function arr<T>(v: readonly T[] | null | undefined): readonly T[] {
  return Array.isArray(v) ? v : [];
}

// ---------------------------------------------------------------------------------------------
// Targets: the hosts a DestinationRule can apply to.

export interface TargetPort {
  readonly number: number;
  readonly name?: string;
  readonly protocol?: string;
  readonly appProtocol?: string;
  readonly targetPort?: number | string;
}

export interface HostTarget {
  readonly ctx: ContextSnapshot;
  readonly kind: 'Service' | 'ServiceEntry';
  /** The Service or ServiceEntry. */
  readonly object: KubeObject;
  /** The FQDN Istio matches DestinationRule hosts against. */
  readonly host: string;
  readonly namespace: string;
  readonly ports: readonly TargetPort[];
  /** Ambient (namespace or object enrolled): DestinationRules apply only through a waypoint. */
  readonly ambient: boolean;
  readonly waypoint?: WaypointBinding;
  /**
   * Some proxy applies DestinationRules to this host. False for an ambient host bound to no
   * waypoint: ztunnel ignores DestinationRules (FO302 reports that).
   */
  readonly policyApplies: boolean;
}

const targetsCache = new WeakMap<ContextSnapshot, HostTarget[]>();

/**
 * Every load-balanced host of a context: Kubernetes Services (not headless — Istio gives them an
 * ORIGINAL_DST cluster — and not ExternalName) and the non-wildcard hosts of ServiceEntries whose
 * resolution load-balances (STATIC, DNS, DNS_ROUND_ROBIN; NONE is passthrough).
 */
export function hostTargets(ctx: ContextSnapshot): readonly HostTarget[] {
  const hit = targetsCache.get(ctx);
  if (hit) return hit;
  const out: HostTarget[] = [];
  for (const svc of ctx.objects.Service) {
    const type = svc.spec?.type as string | undefined;
    if (type === 'ExternalName' || svc.spec?.clusterIP === 'None') continue;
    const ports = servicePorts(svc).map((p) => ({
      number: p.port,
      ...(p.name !== undefined ? {name: p.name} : {}),
      ...(p.protocol !== undefined ? {protocol: p.protocol} : {}),
      ...(p.appProtocol !== undefined ? {appProtocol: p.appProtocol} : {}),
      ...(p.targetPort !== undefined ? {targetPort: p.targetPort} : {}),
    }));
    out.push(makeTarget(ctx, 'Service', svc, serviceFqdn(svc), ports));
  }
  for (const se of ctx.objects.ServiceEntry) {
    const spec = (se.spec ?? {}) as ServiceEntrySpec;
    const resolution = spec.resolution ?? 'NONE';
    if (resolution === 'NONE') continue;
    const ports = arr(spec.ports)
      .filter((p) => typeof p.number === 'number')
      .map((p) => ({
        number: p.number,
        ...(p.name !== undefined ? {name: p.name} : {}),
        ...(p.protocol !== undefined ? {protocol: p.protocol} : {}),
        ...(p.targetPort !== undefined ? {targetPort: p.targetPort} : {}),
      }));
    for (const host of arr(spec.hosts)) {
      if (!host || host.includes('*')) continue;
      out.push(makeTarget(ctx, 'ServiceEntry', se, host, ports));
    }
  }
  targetsCache.set(ctx, out);
  return out;
}

function makeTarget(ctx: ContextSnapshot, kind: 'Service' | 'ServiceEntry', object: KubeObject, host: string, ports: TargetPort[]): HostTarget {
  const ambient = isAmbientService(ctx, object);
  const waypoint = ambient ? waypointOf(ctx, object) : undefined;
  return {
    ctx,
    kind,
    object,
    host,
    namespace: object.metadata.namespace ?? '',
    ports,
    ambient,
    ...(waypoint ? {waypoint} : {}),
    policyApplies: !ambient || !!waypoint,
  };
}

// ---------------------------------------------------------------------------------------------
// Which DestinationRule applies, per client namespace.

export interface PolicyView {
  readonly target: HostTarget;
  /** The DestinationRule whose trafficPolicy applies (oldest same-host rule with a trafficPolicy). */
  readonly dr?: KubeObject;
  /** Every same-host rule Istio merges for this lookup, oldest first. */
  readonly merged: readonly KubeObject[];
  /** Client namespaces whose proxies use this view. */
  readonly clientNamespaces: readonly string[];
}

/** The root namespace DestinationRules are looked up in last (meshConfig.rootNamespace). */
export function rootNamespace(ctx: ContextSnapshot): string {
  return meshConfig(ctx).rootNamespace || ctx.istioNamespace;
}

interface DrHostIndex {
  readonly exact: Map<string, Set<string>>;
  readonly wildcard: {pattern: string; ns: string}[];
}
const drHostIndexCache = new WeakMap<ContextSnapshot, DrHostIndex>();

function drHostIndex(ctx: ContextSnapshot): DrHostIndex {
  const hit = drHostIndexCache.get(ctx);
  if (hit) return hit;
  const idx: DrHostIndex = {exact: new Map(), wildcard: []};
  for (const dr of ctx.objects.DestinationRule) {
    const host = destinationRuleHost(dr);
    const ns = dr.metadata.namespace ?? '';
    if (host.startsWith('*')) idx.wildcard.push({pattern: host, ns});
    else {
      let s = idx.exact.get(host);
      if (!s) idx.exact.set(host, (s = new Set()));
      s.add(ns);
    }
  }
  drHostIndexCache.set(ctx, idx);
  return idx;
}

/** Same-host merge (mergeDestinationRule): the oldest rule that has a trafficPolicy gives it. */
export function policyRule(merged: readonly KubeObject[]): KubeObject | undefined {
  return merged.find((dr) => (dr.spec as DestinationRuleSpec | undefined)?.trafficPolicy != null) ?? merged[0];
}

/**
 * The views of a host: one per distinct DestinationRule that some client sees. Clients are
 * looked up from the host's namespace, the `--client-namespace` namespaces and every namespace
 * that holds a DestinationRule for the host (a rule in a client namespace applies to the clients
 * there). An ambient host bound to a waypoint is seen by the waypoint only.
 */
export function policyViews(snapshot: Snapshot, target: HostTarget): PolicyView[] {
  const ctx = target.ctx;
  const rootNs = rootNamespace(ctx);
  const clientNss = new Set<string>();
  if (target.ambient && target.waypoint) clientNss.add(target.waypoint.namespace);
  else {
    clientNss.add(target.namespace);
    for (const ns of snapshot.clientNamespaces) clientNss.add(ns);
    const idx = drHostIndex(ctx);
    for (const ns of idx.exact.get(target.host) ?? []) clientNss.add(ns);
    for (const w of idx.wildcard) if (hostMatches(w.pattern, target.host)) clientNss.add(w.ns);
  }
  const byKey = new Map<string, {merged: KubeObject[]; dr?: KubeObject; nss: string[]}>();
  for (const clientNs of [...clientNss].sort()) {
    // A proxy in the root namespace looks in the service's namespace first (push_context.go
    // destinationRule: "istio-system tends to become the root config namespace").
    const lookupNs = clientNs === rootNs ? target.namespace : clientNs;
    const merged = destinationRulesFor(ctx, target.host, {clientNs: lookupNs, serviceNs: target.namespace, rootNs});
    const dr = policyRule(merged);
    const key = dr ? `${dr.metadata.namespace}/${dr.metadata.name}` : '';
    let v = byKey.get(key);
    if (!v) byKey.set(key, (v = {merged, ...(dr ? {dr} : {}), nss: []}));
    v.nss.push(clientNs);
  }
  return [...byKey.values()].map((v) => ({target, ...(v.dr ? {dr: v.dr} : {}), merged: v.merged, clientNamespaces: v.nss}));
}

export interface ContextAnalysis {
  readonly targets: readonly HostTarget[];
  readonly views: readonly PolicyView[];
  /** Views whose policy DestinationRule is this one (keyed by namespace/name). */
  readonly viewsByRule: ReadonlyMap<string, readonly PolicyView[]>;
  /** DestinationRules whose host matches a target of the context (whether or not they apply). */
  readonly rulesMatchingATarget: ReadonlySet<string>;
}

const analysisCache = new WeakMap<ContextSnapshot, Map<string, ContextAnalysis>>();

export function ruleKey(dr: KubeObject): string {
  return `${dr.metadata.namespace ?? ''}/${dr.metadata.name}`;
}

/** Targets and views of a context, computed once per context and client-namespace list. */
export function analyzeContext(snapshot: Snapshot, ctx: ContextSnapshot): ContextAnalysis {
  const key = snapshot.clientNamespaces.join('\u0000');
  let perCtx = analysisCache.get(ctx);
  if (!perCtx) analysisCache.set(ctx, (perCtx = new Map()));
  const hit = perCtx.get(key);
  if (hit) return hit;
  const targets = hostTargets(ctx);
  const views: PolicyView[] = [];
  const viewsByRule = new Map<string, PolicyView[]>();
  const rulesMatchingATarget = new Set<string>();
  for (const t of targets) {
    for (const v of policyViews(snapshot, t)) {
      views.push(v);
      for (const m of v.merged) rulesMatchingATarget.add(ruleKey(m));
      if (v.dr) {
        const k = ruleKey(v.dr);
        let arr = viewsByRule.get(k);
        if (!arr) viewsByRule.set(k, (arr = []));
        arr.push(v);
      }
    }
  }
  // Rules that match a target but lost to a more specific or closer rule still "match".
  const hosts = new Set(targets.map((t) => t.host));
  for (const dr of ctx.objects.DestinationRule) {
    const h = destinationRuleHost(dr);
    if (h.startsWith('*') ? [...hosts].some((x) => hostMatches(h, x)) : hosts.has(h)) rulesMatchingATarget.add(ruleKey(dr));
  }
  const out: ContextAnalysis = {targets, views, viewsByRule, rulesMatchingATarget};
  perCtx.set(key, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Effective policy of one port (and subset), with where each part came from.

/** A path inside a DestinationRule's spec, e.g. ['trafficPolicy', 'portLevelSettings', 0, 'outlierDetection']. */
export type SpecPath = readonly (string | number)[];

export type PolicyField = 'connectionPool' | 'loadBalancer' | 'outlierDetection' | 'tls';
export const POLICY_FIELDS: readonly PolicyField[] = ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls'];

export interface PortPolicy {
  readonly port: number;
  readonly subset?: string;
  /** The effective policy (connectionPool, loadBalancer, outlierDetection, tls). */
  readonly policy: TrafficPolicy;
  /** Where each present field came from. */
  readonly origin: Readonly<Partial<Record<PolicyField, SpecPath>>>;
  /** The policy level whose fields apply to this port (the place to add a missing field). */
  readonly slot: SpecPath;
  /** A portLevelSettings entry (top-level or subset) matched the port. */
  readonly portLevel: boolean;
}

type Fields = Partial<Record<PolicyField, unknown>>;

function matchEntry(tp: TrafficPolicy | undefined, port: number): number {
  return arr(tp?.portLevelSettings).findIndex((e) => e?.port?.number === port);
}

/**
 * util.MergeSubsetTrafficPolicy for one port (and optionally one subset of this rule), with
 * origins. Without a rule the policy is empty and the slot is the top-level trafficPolicy.
 */
export function resolvePortPolicy(dr: KubeObject | undefined, port: number, subset?: string): PortPolicy {
  const spec = (dr?.spec ?? {}) as DestinationRuleSpec;
  const top = spec.trafficPolicy ?? undefined;
  const fields: Fields = {};
  const origin: Partial<Record<PolicyField, SpecPath>> = {};
  let slot: SpecPath = ['trafficPolicy'];
  let portLevel = false;
  if (top) {
    const i = matchEntry(top, port);
    const base: SpecPath = i >= 0 ? ['trafficPolicy', 'portLevelSettings', i] : ['trafficPolicy'];
    const src = (i >= 0 ? top.portLevelSettings![i] : top) as Fields;
    if (i >= 0) portLevel = true;
    slot = base;
    for (const f of POLICY_FIELDS) {
      if (src[f] != null) {
        fields[f] = src[f];
        origin[f] = [...base, f];
      }
    }
  }
  if (subset !== undefined) {
    const j = arr(spec.subsets).findIndex((s) => s?.name === subset);
    const sp = j >= 0 ? spec.subsets![j]!.trafficPolicy ?? undefined : undefined;
    if (sp) {
      const i = matchEntry(sp, port);
      const hasPortLevel = i >= 0;
      const base: SpecPath = hasPortLevel ? ['subsets', j, 'trafficPolicy', 'portLevelSettings', i] : ['subsets', j, 'trafficPolicy'];
      const src = (hasPortLevel ? sp.portLevelSettings![i] : sp) as Fields;
      // Without a top-level policy, a field added at the top level is inherited by the subset
      // too (unless its own port entry overrides it): the top level stays the slot.
      if (hasPortLevel) {
        portLevel = true;
        slot = base;
      }
      for (const f of POLICY_FIELDS) {
        if (src[f] != null || hasPortLevel || !top) {
          if (src[f] != null) {
            fields[f] = src[f];
            origin[f] = [...base, f];
          } else {
            delete fields[f];
            delete origin[f];
          }
        }
      }
    }
  }
  return {port, ...(subset !== undefined ? {subset} : {}), policy: fields as TrafficPolicy, origin, slot, portLevel};
}

/** The subsets of a rule (names present). */
export function subsetsOf(dr: KubeObject | undefined): {name: string; labels: Record<string, string>; index: number; trafficPolicy?: TrafficPolicy}[] {
  const spec = (dr?.spec ?? {}) as DestinationRuleSpec;
  return arr(spec.subsets)
    .map((s, index) => ({name: s?.name ?? '', labels: s?.labels ?? {}, index, ...(s?.trafficPolicy ? {trafficPolicy: s.trafficPolicy} : {})}))
    .filter((s) => s.name !== '');
}

export interface ClusterPolicy extends PortPolicy {
  readonly targetPort: TargetPort;
  /** The localityLbSetting Istio uses for this cluster, and where it came from. */
  readonly locality: LocalitySettingResolution;
  /** Spec path of the DestinationRule localityLbSetting in effect, when it comes from the rule. */
  readonly localityPath?: SpecPath;
  readonly subsetLabels?: Record<string, string>;
}

/**
 * The Envoy clusters of a view: each port, without subset and for every subset of the policy rule.
 * The subset-less cluster is left out when some subset sets its own outlierDetection while the
 * top-level policy has none for that port: traffic is evidently routed to the subsets.
 */
export function clusterPolicies(view: PolicyView): ClusterPolicy[] {
  const t = view.target;
  const svc = t.kind === 'Service' ? t.object : undefined;
  const subsets = subsetsOf(view.dr);
  const out: ClusterPolicy[] = [];
  for (const tp of t.ports) {
    const perSubset = subsets.map((s) => ({s, pp: resolvePortPolicy(view.dr, tp.number, s.name)}));
    const base = resolvePortPolicy(view.dr, tp.number);
    const subsetOwnOd = perSubset.some(({pp}) => pp.origin.outlierDetection?.[0] === 'subsets');
    const list: {pp: PortPolicy; labels?: Record<string, string>}[] = [];
    if (!(subsetOwnOd && !base.policy.outlierDetection)) list.push({pp: base});
    for (const {s, pp} of perSubset) list.push({pp, labels: s.labels});
    for (const {pp, labels} of list) {
      const locality = localitySetting(t.ctx, pp.policy, svc);
      const lbOrigin = pp.origin.loadBalancer;
      const localityPath = locality.source === 'destination-rule' && lbOrigin ? [...lbOrigin, 'localityLbSetting'] : undefined;
      out.push({...pp, targetPort: tp, locality, ...(localityPath ? {localityPath} : {}), ...(labels ? {subsetLabels: labels} : {})});
    }
  }
  return out;
}

/** `port 80` or `port 80 (subset v1)`. */
export function clusterLabel(c: {port: number; subset?: string}): string {
  return c.subset !== undefined ? `port ${c.port} (subset ${c.subset})` : `port ${c.port}`;
}

/** Locality failover (priorities) is applied: a setting, no distribute, and outlier detection or forced. */
export function failoverIsApplied(c: ClusterPolicy): boolean {
  const s = c.locality.setting;
  if (!s || (s.distribute?.length ?? 0) > 0) return false;
  return c.locality.force || c.policy.outlierDetection != null;
}

/**
 * Nothing in this outlierDetection can eject a host: consecutive5xxErrors explicitly 0 (Istio
 * sets enforcing 0), consecutiveGatewayErrors unset or 0 (Envoy enforces gateway failures only
 * when Istio sets them above 0), no split mode (local-origin failures). Istio always disables
 * success-rate ejection and ignores the deprecated consecutiveErrors.
 */
export function ejectsNothing(od: OutlierDetection): boolean {
  const fiveXx = od.consecutive5xxErrors;
  const gateway = od.consecutiveGatewayErrors;
  return fiveXx != null && Number(fiveXx) === 0 && (gateway == null || Number(gateway) === 0) && od.splitExternalLocalOriginErrors !== true;
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

const endpointsCache = new WeakMap<Snapshot, WeakMap<HostTarget, Map<string, readonly ModelEndpoint[]>>>();

/**
 * The endpoints of a target as proxies of its context see them (subset-filtered). Several checks
 * ask for the same target, port and subset: the answer is computed once per snapshot (each call
 * gets its own array; the endpoints themselves are shared and read-only).
 */
export function targetEndpoints(snapshot: Snapshot, t: HostTarget, opts: {port?: number; subsetLabels?: Record<string, string>} = {}): ModelEndpoint[] {
  let perTarget = endpointsCache.get(snapshot);
  if (!perTarget) endpointsCache.set(snapshot, (perTarget = new WeakMap()));
  let perKey = perTarget.get(t);
  if (!perKey) perTarget.set(t, (perKey = new Map()));
  // "No port" means each Service's (or the entry's) first port; when that is the same port number
  // everywhere, it is the same question as asking for that port: share the answer.
  const port = opts.port ?? samePortEverywhere(snapshot, t);
  const o = port === undefined ? opts : {...opts, port};
  const key = JSON.stringify([o.port ?? null, o.subsetLabels ?? null]);
  let hit = perKey.get(key);
  if (!hit) perKey.set(key, (hit = computeTargetEndpoints(snapshot, t, o)));
  return hit.slice();
}

/**
 * The number of the first port of the target, when it is the first port of every same-name
 * Service the endpoints come from (serviceEndpoints looks the port up in each context's Service:
 * its first port without a port, else the first with that number, which is then the same one).
 */
function samePortEverywhere(snapshot: Snapshot, t: HostTarget): number | undefined {
  if (t.kind === 'ServiceEntry') {
    const first = arr(((t.object.spec ?? {}) as ServiceEntrySpec).ports)[0];
    return typeof first?.number === 'number' ? first.number : undefined;
  }
  const p0 = servicePorts(t.object)[0]?.port;
  if (p0 === undefined) return undefined;
  const {name, namespace} = t.object.metadata;
  for (const c of snapshot.contexts) {
    const s = c === t.ctx ? t.object : c.index.get('Service', namespace ?? '', name);
    if (s && servicePorts(s)[0]?.port !== p0) return undefined;
  }
  return p0;
}

function computeTargetEndpoints(snapshot: Snapshot, t: HostTarget, opts: {port?: number; subsetLabels?: Record<string, string>}): ModelEndpoint[] {
  const subset = opts.subsetLabels && Object.keys(opts.subsetLabels).length > 0 ? opts.subsetLabels : undefined;
  if (t.kind === 'Service') {
    return serviceEndpoints(snapshot, t.ctx, t.object, {...(opts.port !== undefined ? {port: opts.port} : {}), ...(subset ? {subsetLabels: subset} : {})});
  }
  const eps = serviceEntryEndpoints(t.ctx, t.object, opts.port !== undefined ? {port: opts.port} : {});
  return subset ? eps.filter((e) => selectsLabels(subset, e.labels)) : eps;
}

/** Distinct (cluster, locality) places the endpoints are in. */
export function endpointPlaces(eps: readonly ModelEndpoint[]): Set<string> {
  return new Set(eps.map((e) => `${e.cluster}\u0000${e.locality.region}/${e.locality.zone}/${e.locality.subZone}`));
}

// ---------------------------------------------------------------------------------------------
// Client proxies (PRODUCT.md §5 "client locality").

export interface ClientView {
  readonly proxy: ClientProxy;
  /** Where this proxy view comes from: sidecar client pods, waypoint pods, or an endpoint's locality. */
  readonly kind: 'sidecar' | 'waypoint' | 'plausible';
  /** Example pod names (or the endpoint) behind this view. */
  readonly examples: readonly string[];
  readonly count: number;
}

const proxyCache = new WeakMap<KubeObject, ClientProxy>();

function proxyOf(ctx: ContextSnapshot, pod: KubeObject): ClientProxy {
  let p = proxyCache.get(pod);
  if (!p) proxyCache.set(pod, (p = clientProxyForPod(ctx, pod)));
  return p;
}

/** The labels that can change a priority for this setting: failoverPriority keys (plus the derived ones). */
export function priorityKeys(setting: LocalityLbSetting | undefined): string[] {
  return parsePriorityLabels(arr(setting?.failoverPriority)).map((l) => l.key);
}

function proxyKey(p: ClientProxy, keys: readonly string[]): string {
  return JSON.stringify([p.locality.region, p.locality.zone, p.locality.subZone, p.cluster, p.network ?? '', keys.map((k) => p.labels[k] ?? ''), Object.keys(p.labels).length === 0]);
}

/**
 * The client pods of one namespace's services (clientPods: the namespace, `--client-namespace`,
 * `--from`), grouped once by proxy key (per key list), over all of them and over those with a
 * sidecar. A target then only subtracts its own pods: no per-service pass over the namespace.
 */
interface PodGrouping {
  /** Groups in the order of their first pod. */
  readonly groups: readonly {readonly pods: readonly KubeObject[]}[];
  readonly groupOf: ReadonlyMap<KubeObject, number>;
}

interface ClientPool {
  readonly candidates: readonly KubeObject[];
  readonly position: ReadonlyMap<KubeObject, number>;
  /** Namespaces whose live pods are candidates; other candidates came from `--from`. */
  readonly namespaces: readonly string[];
  readonly extras: readonly KubeObject[];
  readonly sidecars: number;
  readonly groupings: Map<string, {all: PodGrouping; sidecar: PodGrouping}>;
}

const poolCache = new WeakMap<Snapshot, WeakMap<ContextSnapshot, Map<string, ClientPool>>>();

function clientPool(snapshot: Snapshot, ctx: ContextSnapshot, object: KubeObject): ClientPool {
  let perCtx = poolCache.get(snapshot);
  if (!perCtx) poolCache.set(snapshot, (perCtx = new WeakMap()));
  let perNs = perCtx.get(ctx);
  if (!perNs) perCtx.set(ctx, (perNs = new Map()));
  const ns = object.metadata.namespace ?? '';
  const hit = perNs.get(ns);
  if (hit) return hit;
  const candidates = clientPods(snapshot, ctx, object);
  const namespaces = [...new Set([ns, ...snapshot.clientNamespaces])];
  const nsSet = new Set(namespaces);
  const position = new Map<KubeObject, number>();
  candidates.forEach((p, i) => position.set(p, i));
  const pool: ClientPool = {
    candidates,
    position,
    namespaces,
    // --from pods outside these namespaces, or not live (clientPods adds them as they are).
    extras: candidates.filter((p) => !nsSet.has(p.metadata.namespace ?? '') || !isLivePod(p)),
    sidecars: candidates.filter(hasSidecar).length,
    groupings: new Map(),
  };
  perNs.set(ns, pool);
  return pool;
}

function groupPods(ctx: ContextSnapshot, pods: readonly KubeObject[], keys: readonly string[]): PodGrouping {
  const byKey = new Map<string, number>();
  const groups: {pods: KubeObject[]}[] = [];
  const groupOf = new Map<KubeObject, number>();
  for (const pod of pods) {
    const k = proxyKey(proxyOf(ctx, pod), keys);
    let g = byKey.get(k);
    if (g === undefined) {
      byKey.set(k, (g = groups.length));
      groups.push({pods: []});
    }
    groups[g]!.pods.push(pod);
    groupOf.set(pod, g);
  }
  return {groups, groupOf};
}

/**
 * clientViews for sidecar clients: the client pods without the service's own pods (unless they
 * are all there is), those with a sidecar when any has one, merged by proxy key in the order of
 * their first pod. Same answer as filtering and grouping the pods for every target.
 */
function sidecarClientViews(snapshot: Snapshot, t: HostTarget, keys: readonly string[]): {proxy: ClientProxy; kind: ClientView['kind']; examples: string[]; count: number}[] {
  const ctx = t.ctx;
  const pool = clientPool(snapshot, ctx, t.object);
  if (pool.candidates.length === 0) return [];
  // The service's own pods among the candidates (they count only when nothing else is found).
  const selector = t.kind === 'Service' ? (t.object.spec?.selector as Record<string, string> | undefined) : undefined;
  const own = new Set<KubeObject>();
  if (selector && Object.keys(selector).length > 0) {
    for (const ns of pool.namespaces) for (const p of podsMatchingSelector(ctx, ns, selector)) if (pool.position.has(p)) own.add(p);
    for (const p of pool.extras) if (selectsLabels(selector, p.metadata.labels)) own.add(p);
  }
  const excludeOwn = own.size > 0 && own.size < pool.candidates.length;
  let sidecars = pool.sidecars;
  if (excludeOwn) for (const p of own) if (hasSidecar(p)) sidecars--;
  const useSidecar = sidecars > 0;
  const gk = JSON.stringify(keys);
  let g = pool.groupings.get(gk);
  if (!g) pool.groupings.set(gk, (g = {all: groupPods(ctx, pool.candidates, keys), sidecar: groupPods(ctx, pool.candidates.filter(hasSidecar), keys)}));
  const grouping = useSidecar ? g.sidecar : g.all;
  const ownIn = new Map<number, number>();
  if (excludeOwn) {
    for (const p of own) {
      const gi = grouping.groupOf.get(p);
      if (gi !== undefined) ownIn.set(gi, (ownIn.get(gi) ?? 0) + 1);
    }
  }
  const out: {first: number; view: {proxy: ClientProxy; kind: ClientView['kind']; examples: string[]; count: number}}[] = [];
  grouping.groups.forEach((group, gi) => {
    const count = group.pods.length - (ownIn.get(gi) ?? 0);
    if (count === 0) return;
    const examples: string[] = [];
    let first: KubeObject | undefined;
    for (const pod of group.pods) {
      if (excludeOwn && own.has(pod)) continue;
      first ??= pod;
      examples.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
      if (examples.length === 3) break;
    }
    out.push({first: pool.position.get(first!)!, view: {proxy: proxyOf(ctx, first!), kind: 'sidecar', examples, count}});
  });
  return out.sort((a, b) => a.first - b.first).map((x) => x.view);
}

/**
 * The distinct client proxies whose view of `t` matters: for an ambient host with a waypoint,
 * the waypoint's pods; otherwise the client pods (the host's namespace, `--client-namespace`
 * namespaces, `--from` pods; the service's own pods only when there is no other), those with a
 * sidecar when any has one. When none is known, each
 * locality of the context's own endpoints stands for a plausible client there. Proxies that
 * would get the same priorities (same locality, cluster, network and `keys` labels) are merged.
 */
export function clientViews(snapshot: Snapshot, t: HostTarget, endpoints: readonly ModelEndpoint[], keys: readonly string[] = []): ClientView[] {
  const ctx = t.ctx;
  const views = new Map<string, {proxy: ClientProxy; kind: ClientView['kind']; examples: string[]; count: number}>();
  if (t.ambient && t.waypoint) {
    for (const pod of waypointPods(ctx, t.waypoint.name, t.waypoint.namespace)) {
      const proxy = proxyOf(ctx, pod);
      const k = proxyKey(proxy, keys);
      let v = views.get(k);
      if (!v) views.set(k, (v = {proxy, kind: 'waypoint', examples: [], count: 0}));
      v.count++;
      if (v.examples.length < 3) v.examples.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
    }
  } else {
    for (const v of sidecarClientViews(snapshot, t, keys)) views.set(String(views.size), v);
  }
  if (views.size === 0) {
    const own = clusterIdOf(ctx);
    for (const e of endpoints) {
      if (e.source.kind === 'EastWestGateway' || e.cluster !== own) continue;
      const proxy: ClientProxy = {locality: e.locality, labels: e.labels, cluster: e.cluster, ...(e.network ? {network: e.network} : {})};
      const k = proxyKey(proxy, keys);
      let v = views.get(k);
      if (!v) views.set(k, (v = {proxy, kind: 'plausible', examples: [], count: 0}));
      v.count++;
      if (v.examples.length < 3) v.examples.push(`${e.source.kind} ${e.source.namespace ? `${e.source.namespace}/` : ''}${e.source.name}`);
    }
  }
  return [...views.values()];
}

/** `us-east/us-east-1a (cluster1)` for messages. */
export function proxyText(v: ClientView): string {
  const l = v.proxy.locality;
  const loc = [l.region, l.zone, l.subZone].filter((x) => x).join('/') || 'no locality';
  if (v.kind === 'plausible') return `a client in ${loc} (${v.proxy.cluster}; no client pod found, one is assumed next to the endpoints there)`;
  return `${v.kind === 'waypoint' ? 'waypoint' : 'client'} ${v.examples[0] ?? ''} in ${loc} (${v.proxy.cluster})`;
}

// ---------------------------------------------------------------------------------------------
// Failover intent.

/** Every localityLbSetting of a rule that is not `enabled: false`, with its spec path. */
export function activeLocalitySettings(dr: KubeObject | undefined): {setting: LocalityLbSetting; path: SpecPath}[] {
  return localitySettingsWithPaths(dr).filter((s) => s.setting.enabled !== false);
}

/** Every localityLbSetting of a rule, with its spec path (top level, port level, subsets). */
export function localitySettingsWithPaths(dr: KubeObject | undefined): {setting: LocalityLbSetting; path: SpecPath}[] {
  const spec = (dr?.spec ?? {}) as DestinationRuleSpec;
  const out: {setting: LocalityLbSetting; path: SpecPath}[] = [];
  const visit = (tp: TrafficPolicy | undefined, base: SpecPath): void => {
    if (!tp) return;
    const l = tp.loadBalancer?.localityLbSetting;
    if (l) out.push({setting: l, path: [...base, 'loadBalancer', 'localityLbSetting']});
    arr(tp.portLevelSettings).forEach((p, i) => {
      const pl = p?.loadBalancer?.localityLbSetting;
      if (pl) out.push({setting: pl, path: [...base, 'portLevelSettings', i, 'loadBalancer', 'localityLbSetting']});
    });
  };
  visit(spec.trafficPolicy ?? undefined, ['trafficPolicy']);
  arr(spec.subsets).forEach((s, i) => visit(s?.trafficPolicy ?? undefined, ['subsets', i, 'trafficPolicy']));
  return out;
}

/** The mesh config sets failover or failoverPriority (and does not disable locality LB). */
export function meshFailoverIntent(ctx: ContextSnapshot): boolean {
  const m = meshConfig(ctx).localityLbSetting;
  return !!m && m.enabled !== false && ((m.failover?.length ?? 0) > 0 || (m.failoverPriority?.length ?? 0) > 0);
}

/**
 * Failover intent for one cluster of a rule: a localityLbSetting (not `enabled: false`) at the
 * top level, in the top-level entry for this port, or in this cluster's subset (or its entry for
 * this port). A setting that only another subset or another port asks for is not this cluster's.
 */
export function clusterFailoverIntent(dr: KubeObject | undefined, c: {port: number; subset?: string}): boolean {
  const spec = (dr?.spec ?? {}) as DestinationRuleSpec;
  const entryPort = (tp: TrafficPolicy | undefined, i: number): number | undefined => tp?.portLevelSettings?.[i]?.port?.number;
  return activeLocalitySettings(dr).some(({path}) => {
    if (path[0] === 'trafficPolicy') return path[1] !== 'portLevelSettings' || entryPort(spec.trafficPolicy ?? undefined, path[2] as number) === c.port;
    const sub = spec.subsets?.[path[1] as number];
    if (c.subset === undefined || sub?.name !== c.subset) return false;
    return path[3] !== 'portLevelSettings' || entryPort(sub.trafficPolicy ?? undefined, path[4] as number) === c.port;
  });
}

/** The rule sets a localityLbSetting (any level) that is not `enabled: false`. */
export function ruleFailoverIntent(dr: KubeObject | undefined): boolean {
  return activeLocalitySettings(dr).length > 0;
}

// ---------------------------------------------------------------------------------------------
// Regions known in the run.

export interface KnownRegions {
  /** Region → where it was seen (first few sources). */
  readonly regions: ReadonlyMap<string, string[]>;
  /** Contexts whose nodes, ServiceEntries or WorkloadEntries could not be read. */
  readonly incomplete: readonly string[];
}

const regionsCache = new WeakMap<readonly ContextSnapshot[], KnownRegions>();

/**
 * Regions that nodes (GA or beta labels), pods' locality labels, ServiceEntry endpoints and
 * WorkloadEntries carry in the contexts read.
 */
export function knownRegions(snapshot: Snapshot): KnownRegions {
  const hit = regionsCache.get(snapshot.contexts);
  if (hit) return hit;
  const regions = new Map<string, string[]>();
  const add = (r: string, where: string): void => {
    if (!r) return;
    let arr = regions.get(r);
    if (!arr) regions.set(r, (arr = []));
    if (arr.length < 3) arr.push(where);
  };
  const incomplete: string[] = [];
  for (const ctx of snapshot.contexts) {
    if (['Node', 'ServiceEntry', 'WorkloadEntry', 'Pod'].some((k) => ctx.unread.has(k as never))) incomplete.push(ctx.name);
    for (const node of ctx.objects.Node) {
      const l = node.metadata.labels ?? {};
      add(l[LABEL.region] ?? '', `node ${node.metadata.name} @${ctx.name}`);
      add(l[LABEL.betaRegion] ?? '', `node ${node.metadata.name} @${ctx.name}`);
    }
    for (const pod of ctx.objects.Pod) {
      const v = pod.metadata.labels?.[LABEL.locality] ?? pod.metadata.labels?.[LABEL.legacyLocality];
      if (v) add(parseLocality(sanitizeLocalityLabel(v)).region, `pod ${pod.metadata.namespace}/${pod.metadata.name} @${ctx.name}`);
    }
    for (const se of ctx.objects.ServiceEntry) {
      for (const e of arr(((se.spec ?? {}) as ServiceEntrySpec).endpoints)) {
        const v = e?.locality ?? e?.labels?.[LABEL.locality] ?? e?.labels?.[LABEL.legacyLocality];
        if (v) add(parseLocality(e.locality ? v : sanitizeLocalityLabel(v)).region, `ServiceEntry ${se.metadata.namespace}/${se.metadata.name} @${ctx.name}`);
      }
    }
    for (const we of ctx.objects.WorkloadEntry) add(workloadEntryLocality(we).region, `WorkloadEntry ${we.metadata.namespace}/${we.metadata.name} @${ctx.name}`);
  }
  const out = {regions, incomplete};
  regionsCache.set(snapshot.contexts, out);
  return out;
}

/**
 * Evidence that clients or endpoints of this context's mesh run in clusters this run did not
 * read: remote secrets naming clusters outside the run, a WorkloadEntry on a network no context
 * of the run is on, or an east-west gateway / Tetrate control plane while the run read only this
 * context. Each entry is a short reason.
 */
export function unreadPeers(snapshot: Snapshot, ctx: ContextSnapshot): string[] {
  const reasons: string[] = [];
  const known = new Set<string>();
  for (const c of snapshot.contexts) {
    known.add(c.name);
    known.add(clusterIdentity(c).id);
  }
  for (const s of ctx.objects.Secret) {
    if (s.metadata.labels?.[LABEL.multiCluster] !== 'true') continue;
    const cluster = s.metadata.annotations?.[ANNOTATION.remoteSecretCluster] ?? s.metadata.name.replace(/^istio-remote-secret-/, '');
    if (cluster && !known.has(cluster)) reasons.push(`remote secret ${s.metadata.name} names cluster ${cluster}, not read in this run`);
  }
  const networks = new Set(snapshot.contexts.map((c) => contextNetwork(c)).filter((n): n is string => !!n));
  for (const we of ctx.objects.WorkloadEntry) {
    const n = ((we.spec ?? {}) as WorkloadEntrySpec).network;
    if (n && !networks.has(n)) {
      reasons.push(`WorkloadEntry ${we.metadata.namespace}/${we.metadata.name} is on network ${n}, which no context of this run is on`);
      break;
    }
  }
  if (snapshot.contexts.length === 1) {
    const ewgw =
      ctx.objects.Service.some((s) => s.metadata.namespace === ctx.istioNamespace && servicePorts(s).some((p) => p.port === ISTIO.eastWestPort)) ||
      ctx.objects.Gateway.some((g) => g.spec?.gatewayClassName === ISTIO.eastWestGatewayClass);
    if (ewgw) reasons.push('this context has an east-west gateway, but it is the only context read');
    if (isTetrate(ctx)) reasons.push('Tetrate manages this cluster, but it is the only context read');
  }
  return reasons;
}

// ---------------------------------------------------------------------------------------------
// Remediation helpers: minimal merge patches of a DestinationRule's spec.

type Json = null | boolean | number | string | Json[] | {[k: string]: Json};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * RFC 7386 merge patch turning `from` into `to`: objects recurse, removed keys become null,
 * arrays (which a merge patch cannot address by index) are replaced whole.
 */
export function mergePatchDiff(from: unknown, to: unknown): Json | undefined {
  if (deepEqual(from, to)) return undefined;
  if (!isPlainObject(from) || !isPlainObject(to)) return (to === undefined ? null : (to as Json));
  const out: Record<string, Json> = {};
  for (const k of Object.keys(to)) {
    const d = mergePatchDiff(from[k], to[k]);
    if (d !== undefined) out[k] = d;
  }
  for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
  return out;
}

/** A mutable deep copy of a rule's spec (the snapshot is frozen). */
export function specClone(dr: KubeObject): Record<string, unknown> {
  return structuredClone((dr.spec ?? {}) as Record<string, unknown>);
}

/** Set a value at a spec path, creating objects on the way; `undefined` deletes the key. */
export function setAtPath(root: Record<string, unknown>, path: SpecPath, value: unknown): void {
  let cur: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    let next = cur[k];
    if (next == null || typeof next !== 'object') {
      next = typeof path[i + 1] === 'number' ? [] : {};
      cur[k] = next;
    }
    cur = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
    else delete cur[last];
  } else cur[last] = value;
}

export function getAtPath(root: unknown, path: SpecPath): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur == null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** The merge patch body `{spec: …}` from a rule to its edited spec; undefined when nothing changed. */
export function specPatchBody(dr: KubeObject, edited: Record<string, unknown>): {spec: Json} | undefined {
  const d = mergePatchDiff(dr.spec ?? {}, edited);
  return d === undefined ? undefined : {spec: d};
}

/** `a, b and c`. */
export function listText(items: readonly string[], max = 6): string {
  const shown = items.slice(0, max);
  const more = items.length - shown.length;
  const body = shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : body;
}

/** Human text of a spec path: `spec.trafficPolicy.portLevelSettings[0]`. */
export function pathText(path: SpecPath): string {
  return 'spec' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

/** Levenshtein distance (case-insensitive). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const prev = Array.from({length: t.length + 1}, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (s[i - 1] === t[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[t.length]!;
}
