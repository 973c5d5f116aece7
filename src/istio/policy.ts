import type {ContextSnapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {ANNOTATION, LABEL} from './constants.js';
import {meshConfig} from './mesh.js';
import type {DestinationRuleSpec, LocalityLbSetting, OutlierDetection, TrafficPolicy} from './types.js';

/** Where a part of the effective policy came from. */
export type PolicySource = 'destination-rule' | 'port-level' | 'subset' | 'service-traffic-distribution' | 'mesh-default' | 'none';

export interface EffectivePolicy {
  readonly policy: TrafficPolicy;
  /** The portLevelSettings entry that replaced the top-level policy, if any. */
  readonly portLevel: boolean;
  readonly outlierDetection?: OutlierDetection;
  readonly outlierSource: PolicySource;
}

/** Istio's mergeTrafficPolicy: a subset's policy overrides the top-level one field by field. */
export function mergeSubsetPolicy(top: TrafficPolicy | undefined, subset: TrafficPolicy | undefined): TrafficPolicy {
  if (!subset) return top ?? {};
  if (!top) return subset;
  const out: TrafficPolicy = {...top};
  for (const k of ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'] as const) {
    if (subset[k] !== undefined) (out as Record<string, unknown>)[k] = subset[k];
  }
  return out;
}

/**
 * util.GetPortLevelTrafficPolicy: a portLevelSettings entry whose port.number equals the Service
 * port REPLACES the top-level connectionPool, loadBalancer, outlierDetection and tls (nothing of
 * those four is inherited); tunnel and proxyProtocol stay.
 */
export function portLevelPolicy(policy: TrafficPolicy | undefined, port: number | undefined): {policy: TrafficPolicy; portLevel: boolean} {
  const p = policy ?? {};
  if (port === undefined) return {policy: p, portLevel: false};
  const entry = (p.portLevelSettings ?? []).find((e) => e.port?.number === port);
  if (!entry) return {policy: p, portLevel: false};
  const out: TrafficPolicy = {};
  if (entry.connectionPool !== undefined) out.connectionPool = entry.connectionPool;
  if (entry.loadBalancer !== undefined) out.loadBalancer = entry.loadBalancer;
  if (entry.outlierDetection !== undefined) out.outlierDetection = entry.outlierDetection;
  if (entry.tls !== undefined) out.tls = entry.tls;
  if (p.tunnel !== undefined) out.tunnel = p.tunnel;
  if (p.proxyProtocol !== undefined) out.proxyProtocol = p.proxyProtocol;
  return {policy: out, portLevel: true};
}

/**
 * The effective traffic policy of a DestinationRule for one Service port (and optionally a subset),
 * as Istio's MergeTrafficPolicy builds it: the top-level portLevelSettings entry for the port is
 * applied first (replacing the four fields), then the subset's fields override field by field, then
 * the subset's own portLevelSettings entry for the port replaces the four fields again.
 */
export function effectivePolicy(dr: KubeObject | undefined, port?: number, subset?: string): EffectivePolicy {
  if (!dr) return {policy: {}, portLevel: false, outlierSource: 'none'};
  const spec = (dr.spec ?? {}) as DestinationRuleSpec;
  const top = portLevelPolicy(spec.trafficPolicy, port);
  let policy = top.policy;
  let portLevel = top.portLevel;
  let odFrom: PolicySource = top.portLevel ? 'port-level' : 'destination-rule';
  const sp = subset ? spec.subsets?.find((x) => x.name === subset)?.trafficPolicy : undefined;
  if (sp) {
    const {portLevelSettings: _pls, ...withoutPorts} = sp;
    policy = mergeSubsetPolicy(policy, withoutPorts);
    if (sp.outlierDetection !== undefined) odFrom = 'subset';
    const sub = portLevelPolicy(sp, port);
    if (sub.portLevel) {
      const {tunnel, proxyProtocol} = policy;
      policy = {...sub.policy, ...(tunnel !== undefined ? {tunnel} : {}), ...(proxyProtocol !== undefined ? {proxyProtocol} : {})};
      portLevel = true;
      odFrom = 'port-level';
    }
  }
  const od = policy.outlierDetection ?? undefined;
  return {policy, portLevel, ...(od ? {outlierDetection: od} : {}), outlierSource: od ? odFrom : 'none'};
}

export type TrafficDistribution = 'PreferClose' | 'PreferSameZone' | 'PreferSameNode' | 'PreferNetwork' | string;

/** Service spec.trafficDistribution, or the networking.istio.io/traffic-distribution annotation on the Service or its Namespace. */
export function serviceTrafficDistribution(ctx: ContextSnapshot, svc: KubeObject | undefined): TrafficDistribution | undefined {
  if (!svc) return undefined;
  const spec = svc.spec as {trafficDistribution?: string} | undefined;
  if (spec?.trafficDistribution) return spec.trafficDistribution;
  const a = svc.metadata.annotations?.[ANNOTATION.trafficDistribution];
  if (a) return a;
  return ctx.index.namespace(svc.metadata.namespace ?? '')?.metadata.annotations?.[ANNOTATION.trafficDistribution];
}

export interface LocalitySettingResolution {
  /** The setting Istio uses, or undefined when locality LB is off (enabled: false). */
  readonly setting?: LocalityLbSetting;
  readonly source: PolicySource;
  /** The trafficDistribution path forces failover even without outlier detection. */
  readonly force: boolean;
}

/**
 * loadbalancer.GetLocalityLbSetting: the DestinationRule's localityLbSetting wins (enabled:false
 * turns locality LB off); else the Service's trafficDistribution synthesizes failoverPriority
 * (forced); else the mesh setting, whose default is {enabled: true}.
 */
export function localitySetting(ctx: ContextSnapshot, policy: TrafficPolicy | undefined, svc?: KubeObject): LocalitySettingResolution {
  const fromDr = policy?.loadBalancer?.localityLbSetting;
  if (fromDr) {
    if (fromDr.enabled === false) return {source: 'destination-rule', force: false};
    return {setting: fromDr, source: 'destination-rule', force: false};
  }
  // Istio compares the value case-insensitively (the annotation is commonly written lower-case).
  const td = serviceTrafficDistribution(ctx, svc)?.toLowerCase();
  if (td && ['preferclose', 'prefersamezone', 'prefersamenode'].includes(td)) {
    const failoverPriority: string[] = [LABEL.network, LABEL.region, LABEL.zone];
    if (td === 'prefersamenode') failoverPriority.push(LABEL.subzone, LABEL.hostname);
    return {setting: {failoverPriority}, source: 'service-traffic-distribution', force: true};
  }
  const mesh = meshConfig(ctx).localityLbSetting;
  if (mesh) {
    if (mesh.enabled === false) return {source: 'mesh-default', force: false};
    return {setting: mesh, source: 'mesh-default', force: false};
  }
  return {setting: {enabled: true}, source: 'mesh-default', force: false};
}

/** Failover intent (PRODUCT.md §5): a DR localityLbSetting at any level, or mesh failover/failoverPriority. */
export function hasFailoverIntent(ctx: ContextSnapshot, dr: KubeObject | undefined): boolean {
  const mesh = meshConfig(ctx).localityLbSetting;
  if (mesh && mesh.enabled !== false && ((mesh.failover?.length ?? 0) > 0 || (mesh.failoverPriority?.length ?? 0) > 0)) return true;
  // A setting that only says `enabled: false` turns locality LB off: that is not an intent to fail over.
  return localityLbSettingsOf(dr).some((s) => s.setting.enabled !== false);
}

/** Every localityLbSetting a DestinationRule sets: top level, port level and subsets. */
export function localityLbSettingsOf(dr: KubeObject | undefined): {setting: LocalityLbSetting; where: string}[] {
  if (!dr) return [];
  const spec = (dr.spec ?? {}) as DestinationRuleSpec;
  const out: {setting: LocalityLbSetting; where: string}[] = [];
  const visit = (tp: TrafficPolicy | undefined, where: string): void => {
    if (!tp) return;
    if (tp.loadBalancer?.localityLbSetting) out.push({setting: tp.loadBalancer.localityLbSetting, where: `${where}.loadBalancer.localityLbSetting`});
    (tp.portLevelSettings ?? []).forEach((p, i) => {
      if (p.loadBalancer?.localityLbSetting) out.push({setting: p.loadBalancer.localityLbSetting, where: `${where}.portLevelSettings[${i}].loadBalancer.localityLbSetting`});
    });
  };
  visit(spec.trafficPolicy, 'spec.trafficPolicy');
  (spec.subsets ?? []).forEach((s, i) => visit(s.trafficPolicy, `spec.subsets[${i}].trafficPolicy`));
  return out;
}

/**
 * Does Istio apply locality failover (priorities) for this policy? Only with outlier detection,
 * or when forced by trafficDistribution (endpoint_builder.go, cluster_traffic_policy.go).
 * `distribute` is applied regardless (weights, not priorities).
 */
export function failoverApplied(res: LocalitySettingResolution, policy: TrafficPolicy | undefined): boolean {
  if (!res.setting) return false;
  return res.force || !!policy?.outlierDetection;
}
