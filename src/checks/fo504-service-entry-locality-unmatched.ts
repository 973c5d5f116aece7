import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {refOf} from '../model/types.js';
import {ENVOY} from '../istio/constants.js';
import {formatLocality} from '../istio/locality.js';
import type {LocalityLbSetting} from '../istio/types.js';
import {kubectl, patchCommand, patchRemediation} from '../remedy/kubectl.js';
import {
  applyMergePatch,
  clientRegions,
  describeLocalityLb,
  destinationRulePortPatch,
  effectiveEndpoints,
  localityViews,
  regionKey,
  resolutionOf,
  seHosts,
  seSpec,
  toYaml,
  type ClientRegions,
  type SeEndpoint,
  type SeLocalityView,
} from './lib/service-entries.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {compareText} from '../model/collate.js';
import {EXTERNAL_DB, externalDbExample} from './lib/examples.js';

/** The node of the example: region us-east1 (the entry's `us-east-1` matches no node). */
const NODE = 'apiVersion: v1\nkind: Node\nmetadata:\n  name: gke-1\n  labels: {topology.kubernetes.io/region: us-east1, topology.kubernetes.io/zone: us-east1-b}\n---\n';

const meta: CheckMeta = {
  code: 'FO504',
  name: 'service-entry-locality-unmatched',
  severity: 'warning',
  title: 'No ServiceEntry endpoint is in the clients\' region, and no failover rule orders them',
  why:
    'Istio ranks endpoints by comparing their region with the client proxy\'s region as exact strings. When no endpoint is in ' +
    'the client\'s region and no `failover` rule from that region names an endpoint region, every endpoint gets the same ' +
    'priority: traffic is spread round robin across all regions and nothing fails over. A region spelled differently ' +
    '(us-east-1 for us-east1) counts as another region.',
  remediation:
    'Spell the endpoints\' locality with the region names of the client nodes, or add a `failover` rule from the client region ' +
    'to the endpoint region that should take its traffic.',
  requires: ['ServiceEntry', 'WorkloadEntry', 'DestinationRule', 'ConfigMap', 'Pod', 'Node', 'Namespace'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityFailover',
    'pilot/pkg/serviceregistry/kube/controller/controller.go getPodLocality',
    'https://istio.io/latest/blog/2021/external-locality-failover/',
  ],
  examples: {
    bad: externalDbExample({before: NODE, meshExternal: true, ports: EXTERNAL_DB.httpPort, endpoints: EXTERNAL_DB.endpoints('us-east-1'), trafficPolicy: [EXTERNAL_DB.outlierDetection]}),
    good: externalDbExample({before: NODE, meshExternal: true, ports: EXTERNAL_DB.httpPort, endpoints: EXTERNAL_DB.endpoints(), trafficPolicy: [EXTERNAL_DB.outlierDetection]}),
  },
};

interface Unmatched {
  readonly region: string;
  /** An endpoint region that is this region spelled differently. */
  readonly spelledAs?: string;
}

/** The endpoint region to suggest as a failover target: the one with most endpoints (ties: alphabetical). */
function busiestRegion(eps: readonly SeEndpoint[]): string | undefined {
  const count = new Map<string, number>();
  for (const e of eps) if (e.locality.region) count.set(e.locality.region, (count.get(e.locality.region) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))[0]?.[0];
}

/** Failover rules with `from: region` pointing at `to` (the first rule with that `from` is the one Istio uses: replace its `to`). */
function withFailover(setting: LocalityLbSetting | undefined, regions: readonly string[], to: string): {from: string; to: string}[] {
  const rules = (setting?.failover ?? []).map((r) => ({from: r.from ?? '', to: r.to ?? ''}));
  for (const from of regions) {
    const i = rules.findIndex((r) => r.from === from);
    if (i >= 0) rules[i] = {from, to};
    else rules.push({from, to});
  }
  return rules;
}

function spellingRemediation(ctx: ContextSnapshot, se: KubeObject, eps: readonly SeEndpoint[], unmatched: readonly Unmatched[]): Remediation {
  const rename = new Map(unmatched.filter((u) => u.spelledAs).map((u) => [u.spelledAs!, u.region]));
  const fix = (e: SeEndpoint): string => formatLocality({...e.locality, region: rename.get(e.locality.region) ?? e.locality.region});
  const summary = `Spell the endpoints' region as the client nodes do (${[...rename].map(([from, to]) => `${from} → ${to}`).join(', ')}): Istio compares regions as exact strings.`;
  const inline = eps.filter((e) => e.source === 'inline' && rename.has(e.locality.region));
  const weCmds = eps
    .filter((e) => e.source === 'workload-entry' && e.object && rename.has(e.locality.region))
    .map((e) => patchCommand(ctx.name, refOf(e.object!), {type: 'merge', body: {spec: {locality: fix(e)}}}));
  if (inline.length > 0) {
    const byIndex = new Map(inline.map((e) => [e.index, e]));
    const endpoints = (seSpec(se).endpoints ?? []).map((e, i) => (byIndex.has(i) ? {...e, locality: fix(byIndex.get(i)!)} : e));
    const r = patchRemediation(summary, ctx.name, refOf(se), {spec: {endpoints}});
    return {...r, commands: [...r.commands, ...weCmds]};
  }
  return {summary, commands: weCmds};
}

function failoverRemediation(ctx: ContextSnapshot, se: KubeObject, view: SeLocalityView, regions: readonly string[], to: string): Remediation {
  const setting = view.state.resolution.setting;
  const rules = withFailover(setting, regions, to);
  const summary =
    `Add a failover rule from ${regions.join(', ')} to ${to} (the endpoint region with most endpoints; pick the nearest one if another is closer), ` +
    'so that the clients prefer it and fail over in order.';
  const dr = view.dr;
  if (dr && view.state.resolution.source === 'destination-rule') {
    if ((setting?.distribute?.length ?? 0) > 0 || (setting?.failoverPriority?.length ?? 0) > 0) {
      return {
        summary: `${summary} The rule's localityLbSetting uses distribute/failoverPriority, which failover cannot be combined with here: edit it by hand.`,
        commands: [kubectl(ctx.name, dr.metadata.namespace, 'edit', 'destinationrule', dr.metadata.name)],
      };
    }
    const {body} = destinationRulePortPatch(dr, view.port.number, {loadBalancer: {localityLbSetting: {failover: rules}}});
    return {summary, commands: [patchCommand(ctx.name, refOf(dr), {type: 'merge', body})]};
  }
  const newRule = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: {name: se.metadata.name, namespace: se.metadata.namespace},
    spec: {
      host: view.host,
      trafficPolicy: {
        loadBalancer: {localityLbSetting: applyMergePatch(setting ?? {}, {enabled: true, failover: rules})},
        // Failover needs outlier detection: Envoy's default threshold, to tune.
        outlierDetection: view.state.policy.outlierDetection ?? {consecutive5xxErrors: ENVOY.consecutive5xx},
      },
    },
  };
  return {
    summary: `${summary} No DestinationRule applies to ${view.host} yet: create one (pipe the snippet into the command), with outlierDetection for failover to happen.`,
    commands: [kubectl(ctx.name, se.metadata.namespace, 'apply', '-f', '-')],
    snippet: toYaml(newRule),
  };
}

/** Both fixes when some regions are misspelled and others need a failover rule; the patch stays the flagged object's. */
function combine(a: Remediation | undefined, b: Remediation | undefined): Remediation {
  if (!a) return b!;
  if (!b) return a;
  return {
    summary: `${a.summary} ${b.summary}`,
    commands: [...a.commands, ...b.commands],
    ...(a.patch ? {patch: a.patch} : {}),
    ...(b.snippet ? {snippet: b.snippet} : a.snippet ? {snippet: a.snippet} : {}),
  };
}

export const fo504 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const regionsByNs = new Map<string, ClientRegions>();
    for (const se of ctx.objects.ServiceEntry) {
      const resolution = resolutionOf(se);
      if (resolution === 'NONE' || resolution === 'DNS_ROUND_ROBIN') continue;
      const host = seHosts(se)[0];
      if (!host) continue;
      // distribute has its own semantics (FO108); without locality LB in effect nothing is preferred anyway.
      const views = localityViews(ctx, se).filter((v) => v.state.inEffect && !(v.state.resolution.setting?.distribute?.length));
      if (views.length === 0) continue;
      const eps = effectiveEndpoints(ctx, se, host);
      const epRegions = new Set(eps.map((e) => e.locality.region));
      // With a single endpoint region there is nothing to prefer between.
      if (epRegions.size < 2) continue;
      const ns = se.metadata.namespace ?? '';
      let clients = regionsByNs.get(ns);
      if (!clients) regionsByNs.set(ns, (clients = clientRegions(snapshot, ctx, se)));
      const unmatched: Unmatched[] = [];
      for (const region of clients.regions) {
        if (epRegions.has(region)) continue;
        const spelledAs = [...epRegions].find((r) => r && regionKey(r) === regionKey(region));
        if (spelledAs) {
          unmatched.push({region, spelledAs});
          continue;
        }
        const ordered = views.every((v) => {
          const rule = (v.state.resolution.setting?.failover ?? []).find((f) => f.from === region);
          return !!rule?.to && epRegions.has(rule.to);
        });
        if (!ordered) unmatched.push({region});
      }
      if (unmatched.length === 0) continue;
      const endpointRegions = [...epRegions].map((r) => r || '(none)').sort();
      const source = clients.from === 'clients' ? 'nodes of the client pods' : 'every node of the cluster (no client pod known)';
      const parts = unmatched.map((u) =>
        u.spelledAs
          ? `clients in ${u.region} have no endpoint in their region: ${u.spelledAs} looks like ${u.region} spelled differently, and Istio compares regions as exact strings`
          : `clients in ${u.region} have no endpoint in their region and no failover rule from ${u.region} to an endpoint region`,
      );
      const spelled = unmatched.filter((u) => u.spelledAs);
      const plain = unmatched.filter((u) => !u.spelledAs).map((u) => u.region);
      const to = busiestRegion(eps)!; // epRegions has a non-empty region: it has two values
      const remediation = combine(
        spelled.length > 0 ? spellingRemediation(ctx, se, eps, spelled) : undefined,
        plain.length > 0 ? failoverRemediation(ctx, se, views[0]!, plain, to) : undefined,
      );
      out.push(
        finding(meta, {
          context: ctx,
          object: se,
          message:
            `ServiceEntry ${se.metadata.namespace}/${se.metadata.name} (${describeLocalityLb(views[0]!)}; client regions from ${source}): ` +
            `${parts.join('; ')}. Endpoint regions: ${endpointRegions.join(', ')}. ` +
            (plain.length > 0 ? 'Every endpoint gets the same priority for these clients: traffic goes round robin across all regions.' : 'These endpoints are never local to the clients.'),
          remediation,
          details: {
            clientRegions: clients.regions,
            clientRegionsFrom: clients.from,
            endpointRegions,
            unmatched: unmatched.map((u) => ({region: u.region, ...(u.spelledAs ? {spelledAs: u.spelledAs} : {})})),
          },
        }),
      );
    }
  }
  return out;
});
