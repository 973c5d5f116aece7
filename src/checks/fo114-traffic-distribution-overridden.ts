import {toYaml as stringify} from '../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {ANNOTATION} from '../istio/constants.js';
import {localitySetting, serviceTrafficDistribution} from '../istio/policy.js';
import {kubectl, patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  analyzeContext,
  clusterLabel,
  clusterPolicies,
  listText,
  pathText,
  ruleKey,
  setAtPath,
  specClone,
  specPatchBody,
  type ClusterPolicy,
  type HostTarget,
  type SpecPath,
} from './lib/policy-targets.js';
import {capped, drSpec, refOfDr, sameJson} from './lib/policy-extra.js';
import {applyHeredoc} from './lib/multicluster.js';

const meta: CheckMeta = {
  code: 'FO114',
  name: 'traffic-distribution-overridden',
  severity: 'warning',
  title: 'A DestinationRule localityLbSetting overrides the Service\'s trafficDistribution',
  why:
    'Istio takes the locality setting from the DestinationRule first; only without one does the Service\'s ' +
    'trafficDistribution (or the networking.istio.io/traffic-distribution annotation on it or its namespace) apply, as ' +
    'failoverPriority [network, region, zone] that is forced even without outlier detection. A rule that sets ' +
    'localityLbSetting replaces that — and without outlierDetection on the port, Istio then assigns no priorities at all.',
  remediation:
    'Remove the localityLbSetting from the DestinationRule so that trafficDistribution applies, or, if the rule\'s ' +
    'setting is the one you want, drop trafficDistribution and make sure the port has outlierDetection.',
  requires: ['DestinationRule', 'Service', 'Namespace'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go GetLocalityLbSetting (DestinationRule > Service trafficDistribution > mesh)',
    'pilot/pkg/model/service.go GetTrafficDistribution, SupportsUnhealthyEndpoints',
    'pilot/pkg/xds/endpoints/endpoint_builder.go (forceFailover for trafficDistribution)',
    'https://istio.io/latest/docs/reference/config/annotations/#NetworkingTrafficDistribution',
  ],
  examples: {
    bad:
      'kind: Service\nspec:\n  trafficDistribution: PreferClose\n---\nkind: DestinationRule\nspec:\n  trafficPolicy:\n    loadBalancer:\n' +
      '      localityLbSetting:\n        enabled: true   # replaces PreferClose; no outlierDetection: no priorities at all',
    good: 'kind: Service\nspec:\n  trafficDistribution: PreferClose\n---\nkind: DestinationRule\nspec:\n  trafficPolicy:\n    connectionPool: {tcp: {maxConnections: 100}}',
  },
};

interface Override {
  readonly target: HostTarget;
  readonly td: string;
  readonly cluster: ClusterPolicy;
  readonly effect: string;
}

/** What the rule's setting does instead of the trafficDistribution, for one cluster; undefined when it ends up the same. */
function effectOf(c: ClusterPolicy, synthesized: readonly string[]): string | undefined {
  const s = c.locality.setting;
  if (!s) return 'turns locality load balancing off (enabled: false): no preference at all';
  if ((s.distribute?.length ?? 0) > 0) return 'replaces it with fixed distribute weights';
  const od = c.policy.outlierDetection != null;
  if (!od) return 'replaces it, and with no outlierDetection on this port Istio assigns no priorities at all: no locality preference, no failover';
  const fp = s.failoverPriority ?? [];
  if (!(s.failover?.length) && sameJson(fp, synthesized)) return undefined;
  if (fp.length) return `replaces it with failoverPriority [${fp.join(', ')}]${s.failover?.length ? ' and failover rules' : ''}`;
  if (s.failover?.length) return 'replaces it with region failover rules (no network preference)';
  return 'replaces it with the default region/zone/subzone tiers (no network preference)';
}

export const fo114 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    const byRule = new Map<string, {dr: KubeObject; overrides: Override[]}>();
    for (const view of an.views) {
      const t = view.target;
      // Ambient without a waypoint: ztunnel reads trafficDistribution and ignores DestinationRules.
      if (t.kind !== 'Service' || !t.policyApplies || !view.dr) continue;
      const base = localitySetting(ctx, undefined, t.object);
      if (base.source !== 'service-traffic-distribution') continue; // no trafficDistribution Istio acts on
      const td = serviceTrafficDistribution(ctx, t.object) ?? '';
      const synthesized = base.setting?.failoverPriority ?? [];
      for (const c of clusterPolicies(view)) {
        if (c.locality.source !== 'destination-rule') continue;
        const effect = effectOf(c, synthesized);
        if (!effect) continue;
        let r = byRule.get(ruleKey(view.dr));
        if (!r) byRule.set(ruleKey(view.dr), (r = {dr: view.dr, overrides: []}));
        if (!r.overrides.some((o) => o.target.host === t.host && o.cluster.port === c.port && o.cluster.subset === c.subset)) r.overrides.push({target: t, td, cluster: c, effect});
      }
    }
    for (const {dr, overrides} of byRule.values()) out.push(report(ctx, dr, overrides));
  }
  return out;
});

/** Where the trafficDistribution comes from, with its value. */
function tdSource(t: HostTarget, td: string): string {
  const spec = t.object.spec as {trafficDistribution?: string} | undefined;
  const name = `${t.object.metadata.namespace}/${t.object.metadata.name}`;
  if (spec?.trafficDistribution) return `${name}'s trafficDistribution: ${td}`;
  if (t.object.metadata.annotations?.[ANNOTATION.trafficDistribution]) return `${name}'s annotation ${ANNOTATION.trafficDistribution}=${td}`;
  return `the ${ANNOTATION.trafficDistribution}=${td} annotation of namespace ${t.namespace} (on ${name})`;
}

function report(ctx: ContextSnapshot, dr: KubeObject, overrides: readonly Override[]): Finding {
  const services = [...new Map(overrides.map((o) => [o.target.host, o])).values()];
  const lines = overrides.map((o) => `${o.target.host} ${clusterLabel(o.cluster)}${o.cluster.localityPath ? ` (${pathText(o.cluster.localityPath)})` : ''}: the rule ${o.effect}`);
  const message =
    `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name} sets localityLbSetting, which takes precedence over ` +
    `${listText(services.map((o) => tdSource(o.target, o.td)))}: ` +
    `${capped(lines)}.`;
  return finding(meta, {
    context: ctx,
    object: dr,
    message,
    remediation: remedy(ctx, dr, overrides),
    details: {
      overrides: overrides.map((o) => ({
        service: `${o.target.object.metadata.namespace}/${o.target.object.metadata.name}`,
        trafficDistribution: o.td,
        port: o.cluster.port,
        ...(o.cluster.subset !== undefined ? {subset: o.cluster.subset} : {}),
        ...(o.cluster.localityPath ? {path: pathText(o.cluster.localityPath)} : {}),
        outlierDetection: o.cluster.policy.outlierDetection != null,
        effect: o.effect,
      })),
    },
  });
}

function remedy(ctx: ContextSnapshot, dr: KubeObject, overrides: readonly Override[]): Remediation {
  const paths = [...new Set(overrides.map((o) => o.cluster.localityPath).filter((p): p is SpecPath => !!p).map((p) => JSON.stringify(p)))].map(
    (p) => JSON.parse(p) as (string | number)[],
  );
  const hostPattern = String(drSpec(dr).host ?? '');
  const wildcard = hostPattern.includes('*');
  const alt = 'If the rule\'s setting is the one you want instead, remove trafficDistribution from the Service and give the port outlierDetection.';
  if (!wildcard) {
    const edited = specClone(dr);
    for (const p of [...paths].sort((a, b) => b.length - a.length)) setAtPath(edited, p, undefined);
    const body = specPatchBody(dr, edited);
    if (body) {
      return patchRemediation(
        `Remove the localityLbSetting at ${listText(paths.map(pathText))} so that the Service's trafficDistribution applies (failover forced, no outlierDetection needed). ${alt}`,
        ctx.name,
        refOfDr(dr),
        body,
      );
    }
  }
  // A wildcard rule serves other hosts too: give each overridden Service its own rule, without localityLbSetting.
  const docs = [...new Map(overrides.map((o) => [o.target.host, o])).values()].map((o) => {
    const spec = specClone(dr);
    for (const p of [...paths].sort((a, b) => b.length - a.length)) setAtPath(spec, p, undefined);
    spec.host = o.target.host;
    // Never overwrite an existing rule of that name.
    const base = o.target.object.metadata.name;
    const name = ctx.index.get('DestinationRule', o.target.namespace, base) ? `${base}-traffic-distribution` : base;
    return {
      apiVersion: dr.apiVersion,
      kind: 'DestinationRule',
      metadata: {name, namespace: o.target.namespace},
      spec,
    };
  });
  const snippet = docs.map((d) => stringify(d)).join('---\n');
  return {
    summary:
      `DestinationRule ${dr.metadata.name} (host ${hostPattern}) also serves other hosts: give ${listText(docs.map((d) => d.spec.host as string))} a rule of its own, ` +
      `with the same policy minus localityLbSetting (a more specific host wins), so that trafficDistribution applies. ${alt}`,
    commands: [applyHeredoc(ctx.name, snippet), kubectl(ctx.name, dr.metadata.namespace, 'get', 'destinationrule', dr.metadata.name, '-o', 'yaml')],
    snippet,
  };
}
