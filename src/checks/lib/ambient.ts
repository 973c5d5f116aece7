/**
 * Helpers shared by the FO2xx/FO3xx checks (node topology, single locality, waypoints).
 * Pure functions over one ContextSnapshot; results that need a pass over a whole kind are
 * cached per context (WeakMap), so a check never scans pods × services.
 */
import type {ContextSnapshot} from '../../model/snapshot.js';
import type {KubeObject} from '../../model/types.js';
import {ANNOTATION, ISTIO, LABEL, WAYPOINT} from '../../istio/constants.js';
import {localitySetting, effectivePolicy, failoverApplied, serviceTrafficDistribution, hasFailoverIntent, localityLbSettingsOf} from '../../istio/policy.js';
import {destinationRuleFor, serviceFqdn} from '../../istio/hosts.js';
import {isAmbientService, servicePorts, waypointOf, type WaypointBinding} from '../../istio/workloads.js';
import type {DestinationRuleSpec, TrafficPolicy} from '../../istio/types.js';
import {command} from '../../remedy/shell.js';

// ---------------------------------------------------------------------------------------------
// DestinationRule policy as the FO2xx/FO3xx checks need it.

/** The DestinationRule whose trafficPolicy applies to a Service, looked up from the Service's namespace. */
export function destinationRuleOfService(ctx: ContextSnapshot, svc: KubeObject): KubeObject | undefined {
  let perCtx = drCache.get(ctx);
  if (!perCtx) drCache.set(ctx, (perCtx = new Map()));
  if (perCtx.has(svc)) return perCtx.get(svc);
  const ns = svc.metadata.namespace;
  const dr = destinationRuleFor(ctx, serviceFqdn(svc), ns ? {clientNs: ns, serviceNs: ns} : {});
  perCtx.set(svc, dr);
  return dr;
}
const drCache = new WeakMap<ContextSnapshot, Map<KubeObject, KubeObject | undefined>>();

/**
 * What a DestinationRule asks of the load balancer that ztunnel would ignore: outlier detection
 * (any level) or a locality setting that is not `enabled: false` (any level).
 */
export function drLocalityOrOutlierPolicy(dr: KubeObject | undefined): {outlier: string[]; locality: string[]} {
  if (!dr) return {outlier: [], locality: []};
  const outlier: string[] = [];
  const spec = (dr.spec ?? {}) as DestinationRuleSpec;
  const visit = (tp: TrafficPolicy | undefined, where: string): void => {
    if (!tp) return;
    if (tp.outlierDetection) outlier.push(`${where}.outlierDetection`);
    (tp.portLevelSettings ?? []).forEach((p, i) => {
      if (p.outlierDetection) outlier.push(`${where}.portLevelSettings[${i}].outlierDetection`);
    });
  };
  visit(spec.trafficPolicy, 'spec.trafficPolicy');
  (spec.subsets ?? []).forEach((s, i) => visit(s.trafficPolicy, `spec.subsets[${i}].trafficPolicy`));
  const locality = localityLbSettingsOf(dr).filter((l) => l.setting.enabled !== false).map((l) => l.where);
  return {outlier, locality};
}

/** The label keys of every failoverPriority a DestinationRule or the mesh sets (overrides `key=value` cut to the key). */
export function failoverPriorityKeys(dr: KubeObject | undefined, meshFailoverPriority: readonly string[] | undefined): string[] {
  const keys = new Set<string>();
  for (const {setting} of localityLbSettingsOf(dr)) for (const k of setting.failoverPriority ?? []) keys.add(k.split('=')[0]!);
  for (const k of meshFailoverPriority ?? []) keys.add(k.split('=')[0]!);
  return [...keys];
}

/** How a service's traffic is load-balanced: by the client's sidecar, by its waypoint, or by ztunnel. */
export type LbPath = 'sidecar' | 'waypoint' | 'ztunnel';

export interface LocalityLbEvaluation {
  readonly path: LbPath;
  readonly dr?: KubeObject;
  /** The waypoint the Service is bound to (ambient), whether or not it exists. */
  readonly waypoint?: WaypointBinding;
  /** Locality LB is in effect on at least one port (priorities or distribute weights applied). */
  readonly inEffect: boolean;
  /** Failover intent (PRODUCT.md §5). */
  readonly intent: boolean;
  /** What puts locality LB in effect, for the message. */
  readonly because?: string;
}

const FORCING_DISTRIBUTIONS: readonly string[] = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];

/**
 * Is locality load balancing in effect for a Service? Sidecar and waypoint: some port's effective
 * policy resolves to a locality setting (policy.localitySetting) that is applied — failover with
 * outlier detection or forced by trafficDistribution (policy.failoverApplied), or `distribute`.
 * Ambient without a waypoint: ztunnel ignores DestinationRules; only the Service's
 * trafficDistribution gives it locality preference.
 */
export function localityLbOf(ctx: ContextSnapshot, svc: KubeObject): LocalityLbEvaluation {
  const dr = destinationRuleOfService(ctx, svc);
  // policy.hasFailoverIntent counts any localityLbSetting, `enabled: false` included: that one turns locality LB off.
  const intent = hasFailoverIntent(ctx, undefined) || drLocalityOrOutlierPolicy(dr).locality.length > 0;
  const ambient = isAmbientService(ctx, svc);
  const waypoint = ambient ? waypointOf(ctx, svc) : undefined;
  if (ambient && !waypoint) {
    const td = serviceTrafficDistribution(ctx, svc);
    const forced = !!td && FORCING_DISTRIBUTIONS.includes(td);
    return {path: 'ztunnel', ...(dr ? {dr} : {}), intent, inEffect: forced, ...(forced ? {because: `trafficDistribution ${td} (ztunnel)`} : {})};
  }
  const path: LbPath = ambient ? 'waypoint' : 'sidecar';
  const ports = servicePorts(svc);
  const portNumbers: (number | undefined)[] = ports.length ? ports.map((p) => p.port) : [undefined];
  for (const port of portNumbers) {
    const eff = effectivePolicy(dr, port);
    const res = localitySetting(ctx, eff.policy, svc);
    if (!res.setting) continue;
    if ((res.setting.distribute?.length ?? 0) > 0) {
      return {path, ...(dr ? {dr} : {}), ...(waypoint ? {waypoint} : {}), intent, inEffect: true, because: `localityLbSetting.distribute (${res.source})`};
    }
    if (failoverApplied(res, eff.policy)) {
      const because = res.force ? 'trafficDistribution on the Service' : `outlierDetection${port !== undefined ? ` on port ${port}` : ''}`;
      return {path, ...(dr ? {dr} : {}), ...(waypoint ? {waypoint} : {}), intent, inEffect: true, because};
    }
  }
  return {path, ...(dr ? {dr} : {}), ...(waypoint ? {waypoint} : {}), intent, inEffect: false};
}

// ---------------------------------------------------------------------------------------------
// Waypoints.

/** The Gateway (gateway.networking.k8s.io) a binding names, if it exists in the context. */
export function waypointGateway(ctx: ContextSnapshot, b: {name: string; namespace: string}): KubeObject | undefined {
  return ctx.index.get('Gateway', b.namespace, b.name);
}

/** istio.io/waypoint-for of a waypoint Gateway ('service' when absent). */
export function waypointFor(gw: KubeObject): string {
  return gw.metadata.labels?.[LABEL.waypointFor] || WAYPOINT.defaultFor;
}

export function isWaypointClass(gw: KubeObject): boolean {
  return gw.spec?.gatewayClassName === ISTIO.waypointGatewayClass;
}

/** Waypoints in a namespace that take Service traffic (class istio-waypoint, waypoint-for service|all). */
export function serviceWaypointsIn(ctx: ContextSnapshot, ns: string): KubeObject[] {
  return ctx.index.byNamespace('Gateway', ns).filter((g) => isWaypointClass(g) && WAYPOINT.forServiceTraffic.includes(waypointFor(g)));
}

/**
 * The name of the Deployment Istio's gateway controller creates for a Gateway, or undefined when
 * Istio does not deploy it (another controller's class, or an unmanaged Gateway with a Hostname
 * address). Waypoint class: the Gateway's name (disableNameSuffix); other Istio classes:
 * `<name>-<class>`; the gateway.istio.io/name-override annotation wins.
 */
export function waypointDeploymentName(gw: KubeObject): string | undefined {
  const cls = gw.spec?.gatewayClassName as string | undefined;
  const istioClasses: readonly string[] = [ISTIO.waypointGatewayClass, WAYPOINT.istioGatewayClass, ISTIO.eastWestGatewayClass];
  if (!cls || !istioClasses.includes(cls)) return undefined;
  const addresses = (gw.spec?.addresses ?? []) as {type?: string}[];
  if (addresses.some((a) => a.type === 'Hostname')) return undefined;
  const override = gw.metadata.annotations?.[WAYPOINT.nameOverrideAnnotation];
  if (override) return override;
  return cls === WAYPOINT.istioGatewayClass ? `${gw.metadata.name}-${cls}` : gw.metadata.name;
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** A status condition of an object, undefined when the object has no such condition. */
export function conditionOf(obj: KubeObject | undefined, type: string): Condition | undefined {
  const conds = obj?.status?.conditions as Condition[] | undefined;
  if (!Array.isArray(conds)) return undefined;
  return conds.find((c) => c && c.type === type);
}

/** An object carrying istio.io/use-waypoint (a Service or a Namespace) and the binding it asks for. */
export interface WaypointCarrier {
  readonly object: KubeObject;
  readonly via: 'service' | 'namespace';
  readonly binding: {readonly name: string; readonly namespace: string};
  /** Services whose binding comes from this object. */
  readonly services: readonly KubeObject[];
}

const carriersCache = new WeakMap<ContextSnapshot, WaypointCarrier[]>();

/**
 * Every Service and Namespace of a context whose istio.io/use-waypoint names a waypoint (not
 * empty, not `none`), with istio.io/use-waypoint-namespace honoured.
 */
export function waypointCarriers(ctx: ContextSnapshot): WaypointCarrier[] {
  const hit = carriersCache.get(ctx);
  if (hit) return hit;
  const out: WaypointCarrier[] = [];
  const bindingOf = (o: KubeObject, defaultNs: string): {name: string; namespace: string} | undefined => {
    const l = o.metadata.labels ?? {};
    const name = l[LABEL.useWaypoint];
    if (!name || name === WAYPOINT.optOut) return undefined;
    return {name, namespace: l[LABEL.useWaypointNamespace] || defaultNs};
  };
  for (const ns of ctx.objects.Namespace) {
    const b = bindingOf(ns, ns.metadata.name);
    if (!b) continue;
    // A namespace binding covers its Services except those with their own label and the waypoints themselves.
    const services = ctx.index
      .byNamespace('Service', ns.metadata.name)
      .filter((s) => s.metadata.labels?.[LABEL.useWaypoint] === undefined && s.metadata.labels?.[LABEL.gatewayName] === undefined);
    out.push({object: ns, via: 'namespace', binding: b, services});
  }
  for (const svc of ctx.objects.Service) {
    const b = bindingOf(svc, svc.metadata.namespace ?? '');
    if (b) out.push({object: svc, via: 'service', binding: b, services: [svc]});
  }
  carriersCache.set(ctx, out);
  return out;
}

/** `namespace/name` of an object, for details and messages. */
export function nsName(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

// ---------------------------------------------------------------------------------------------
// Multicluster: remote secrets (metadata only) name the peer clusters of a primary.

/** The clusters a context's remote secrets name (annotation networking.istio.io/cluster, else the secret name suffix). */
export function remoteSecretClusters(ctx: ContextSnapshot): string[] {
  const out = new Set<string>();
  for (const s of ctx.index.byNamespace('Secret', ctx.istioNamespace)) {
    if (s.metadata.labels?.[LABEL.multiCluster] !== 'true') continue;
    const ann = s.metadata.annotations?.[ANNOTATION.remoteSecretCluster];
    const prefix = 'istio-remote-secret-';
    const name = ann || (s.metadata.name.startsWith(prefix) ? s.metadata.name.slice(prefix.length) : s.metadata.name);
    if (name) out.add(name);
  }
  return [...out];
}

/** The candidate closest to `name` (edit distance), to suggest for a mistyped waypoint name. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD || (d === bestD && best !== undefined && c < best)) (best = c), (bestD = d);
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** `istioctl waypoint apply` for a context, quoted. */
export function waypointApplyCommand(context: string, namespace: string, name: string, forType: string = WAYPOINT.defaultFor): string {
  return command(['istioctl', '--context', context, 'waypoint', 'apply', '-n', namespace, '--name', name, '--for', forType, '--wait']);
}
