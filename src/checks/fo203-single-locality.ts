import {toYaml as stringify} from '../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject} from '../model/types.js';
import {ISTIO, LABEL} from '../istio/constants.js';
import {destinationRuleFor, serviceFqdn} from '../istio/hosts.js';
import {formatLocality, workloadEntryLocality} from '../istio/locality.js';
import {isGlobalService, meshConfig} from '../istio/mesh.js';
import {effectivePolicy, hasFailoverIntent, localityLbSettingsOf, localitySetting} from '../istio/policy.js';
import type {ServiceEntrySpec, WorkloadEntrySpec} from '../istio/types.js';
import {isIp, isTetrate, podsOfService, servicePorts, workloadEntriesOfService} from '../istio/workloads.js';
import {kubectl} from '../remedy/kubectl.js';
import {augmentLabels, clusterIdOf, podEndpointOf, serviceEntryEndpoints} from '../traffic/endpoints.js';
import type {ModelEndpoint} from '../traffic/types.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {destinationRuleOfService, drLocalityOrOutlierPolicy, failoverPriorityKeys, localityLbOf, nsName, remoteSecretClusters} from './lib/ambient.js';

const meta: CheckMeta = {
  code: 'FO203',
  name: 'single-locality',
  severity: 'warning',
  title: 'Failover is configured but every endpoint is in one locality and one cluster',
  why:
    'Locality failover moves traffic to endpoints of a lower priority tier: another zone, region, cluster or failoverPriority label value. ' +
    'When every endpoint shares one locality and one cluster (and every failoverPriority label value), Istio puts them all at priority 0 ' +
    'and there is no tier to fail over to: when they fail, requests fail.',
  remediation:
    'Run the service in more than one zone (topologySpreadConstraints on its Deployment) or in another cluster of the mesh; ' +
    'if one locality is intended, the failover settings do nothing and can be dropped.',
  requires: ['Service', 'Pod', 'Node', 'DestinationRule'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityFailover, applyFailoverPriorities',
    'https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/failover/',
  ],
  examples: {
    bad: '# DestinationRule sets failover, but all helloworld pods run on nodes of zone cn-north-4b/beijing\nlocalityLbSetting:\n  failover:\n  - from: cn-north-4\n    to: cn-south-1',
    good: '# pods spread over zones (and/or clusters)\ntopologySpreadConstraints:\n- maxSkew: 1\n  topologyKey: topology.kubernetes.io/zone\n  whenUnsatisfiable: ScheduleAnyway\n  labelSelector:\n    matchLabels: {app: helloworld}',
  },
};

interface Verdict {
  readonly locality: string;
  readonly cluster: string;
}

/**
 * All endpoints in one known locality, one cluster, and one value of every failoverPriority key:
 * nowhere to fail over to. An empty locality is not judged (FO201/FO503 report that).
 */
function singleLocality(endpoints: readonly ModelEndpoint[], priorityKeys: readonly string[]): Verdict | undefined {
  if (endpoints.length === 0) return undefined;
  const localities = new Set(endpoints.map((e) => formatLocality(e.locality)));
  // An endpoint on another network (a WorkloadEntry or east-west gateway standing in for remote
  // instances) is another cluster even when the model files it under the client's cluster ID.
  const clusters = new Set(endpoints.map((e) => `${e.cluster}\u0000${e.network ?? ''}`));
  if (localities.size !== 1 || clusters.size !== 1) return undefined;
  const locality = [...localities][0]!;
  if (!locality) return undefined;
  for (const key of priorityKeys) {
    if (new Set(endpoints.map((e) => e.labels[key] ?? '')).size > 1) return undefined;
  }
  return {locality, cluster: endpoints[0]!.cluster};
}

/**
 * Every endpoint of a Service as the traffic model (src/traffic/endpoints.ts serviceEndpoints)
 * builds it — pods of same-name same-namespace Services in every context (unready ones included:
 * they are still somewhere to fail over to once ready), IP WorkloadEntries the Service selects —
 * without the multi-network collapse, which only matters when networks differ, and then the
 * endpoints are in several clusters anyway. Pods come from an index (podsOfService), not a scan
 * of the namespace per Service.
 */
function endpointsOf(snapshot: Snapshot, ctx: ContextSnapshot, svc: KubeObject): ModelEndpoint[] {
  const out: ModelEndpoint[] = [];
  const ns = svc.metadata.namespace ?? '';
  for (const c of snapshot.contexts.includes(ctx) ? snapshot.contexts : [ctx, ...snapshot.contexts]) {
    const s = c === ctx ? svc : c.index.get('Service', ns, svc.metadata.name);
    if (!s) continue;
    for (const pod of podsOfService(c, s)) {
      const p = podEndpointOf(c, pod, ns);
      out.push({
        address: p.address,
        locality: p.locality,
        labels: p.labels,
        cluster: p.cluster,
        ...(p.network ? {network: p.network} : {}),
        weight: 1,
        source: p.source,
      });
    }
  }
  const cluster = clusterIdOf(ctx);
  for (const we of workloadEntriesOfService(ctx, svc)) {
    const spec = (we.spec ?? {}) as WorkloadEntrySpec;
    if (!isIp(spec.address)) continue; // EDS drops hostnames (FO501)
    const locality = workloadEntryLocality(we);
    const network = spec.network || undefined;
    out.push({
      address: spec.address!,
      locality,
      labels: augmentLabels({...(we.metadata.labels ?? {}), ...(spec.labels ?? {})}, {cluster, locality, network}),
      cluster,
      ...(network ? {network} : {}),
      weight: 1,
      source: {kind: 'WorkloadEntry', context: ctx.name, namespace: ns, name: we.metadata.name},
    });
  }
  return out;
}

/** A context shows that it is part of a multicluster mesh. */
function hasEastWestGateway(ctx: ContextSnapshot): boolean {
  return (
    ctx.objects.Service.some((s) => servicePorts(s).some((p) => p.port === ISTIO.eastWestPort)) ||
    ctx.objects.Gateway.some((g) => g.spec?.gatewayClassName === ISTIO.eastWestGatewayClass)
  );
}

/**
 * Peers of this context hold endpoints the run did not read: a remote secret names a cluster that
 * is not among the contexts, or the context shows it is in a multicluster mesh (cross-cluster
 * failover configured for the service, remote secrets, an east-west gateway, unreadable secrets)
 * and it is the only context read.
 */
function peersMayBeUnread(snapshot: Snapshot, ctx: ContextSnapshot, crossCluster: boolean): boolean {
  const run = new Set(snapshot.contexts.flatMap((c) => [c.name, clusterIdOf(c)]));
  const remotes = remoteSecretClusters(ctx);
  if (remotes.some((r) => !run.has(r))) return true;
  const multicluster = crossCluster || remotes.length > 0 || hasEastWestGateway(ctx) || ctx.unread.has('Secret');
  return multicluster && snapshot.contexts.length === 1;
}

function failoverKeysFor(ctx: ContextSnapshot, dr: KubeObject | undefined, svc?: KubeObject): string[] {
  const keys = new Set(failoverPriorityKeys(dr, meshConfig(ctx).localityLbSetting?.failoverPriority));
  // trafficDistribution synthesizes a failoverPriority when no DestinationRule localityLbSetting applies.
  const res = localitySetting(ctx, effectivePolicy(dr).policy, svc);
  for (const k of res.setting?.failoverPriority ?? []) keys.add(k.split('=')[0]!);
  return [...keys];
}

function spreadSnippet(svc: KubeObject): string {
  const selector = (svc.spec?.selector ?? {}) as Record<string, string>;
  const body = {
    topologySpreadConstraints: [
      {maxSkew: 1, topologyKey: LABEL.zone, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: {matchLabels: selector}},
    ],
  };
  return `# spec.template.spec of each Deployment behind ${nsName(svc)}\n${stringify(body)}`;
}

export const fo203 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  const contextsRead = snapshot.contexts.map((c) => c.name);
  for (const ctx of snapshot.contexts) {
    const serviceHosts = new Set<string>();
    for (const svc of ctx.objects.Service) {
      serviceHosts.add(serviceFqdn(svc));
      const dr = destinationRuleOfService(ctx, svc);
      // A DestinationRule localityLbSetting (not `enabled: false`, which turns locality LB off) is
      // explicit intent: always judged. Intent from the mesh config alone covers every service: only
      // judge those where failover is actually applied (outlier detection or trafficDistribution),
      // or single-replica utilities all over the mesh would warn.
      const drIntent = drLocalityOrOutlierPolicy(dr).locality.length > 0;
      if (!drIntent && !(hasFailoverIntent(ctx, dr) && localityLbOf(ctx, svc).inEffect)) continue;
      const ns = svc.metadata.namespace ?? '';
      const fqdn = serviceFqdn(svc);
      const endpoints = endpointsOf(snapshot, ctx, svc);
      // ServiceEntries with the Service's host stand in for remote instances: their endpoints count too.
      for (const se of ctx.objects.ServiceEntry) {
        if (((se.spec ?? {}) as ServiceEntrySpec).hosts?.includes(fqdn)) endpoints.push(...serviceEntryEndpoints(ctx, se));
      }
      const keys = failoverKeysFor(ctx, dr, svc);
      const verdict = singleLocality(endpoints, keys);
      if (!verdict) continue;
      const crossCluster = keys.includes(LABEL.cluster) || keys.includes(LABEL.network) || isGlobalService(ctx, svc) || isTetrate(ctx);
      if (peersMayBeUnread(snapshot, ctx, crossCluster)) continue; // do not claim "nowhere" for clusters not read
      const bySource = countBy(endpoints.map((e) => e.source.kind));
      const selector = Object.entries((svc.spec?.selector ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
      findings.push(
        finding(meta, {
          context: ctx,
          object: svc,
          message:
            `${nsName(svc)} has failover configured${drIntent && dr ? ` (DestinationRule ${nsName(dr)})` : ' (mesh config localityLbSetting)'}, but all ${endpoints.length} of its endpoints ` +
            `in the ${contextsRead.length === 1 ? 'context' : 'contexts'} read (${contextsRead.join(', ')}) are in locality ${verdict.locality} of cluster ${verdict.cluster}` +
            `${keys.length ? ` and share every failoverPriority label value` : ''}: there is nowhere to fail over to.`,
          remediation: {
            summary:
              `Spread ${nsName(svc)} over more than one zone (topologySpreadConstraints below) or run it in another cluster of the mesh; ` +
              'if a single locality is intended, the failover settings do nothing.',
            commands: [
              ...(selector ? [kubectl(ctx.name, ns, 'get', 'pods', '-l', selector, '-o', 'wide')] : []),
              kubectl(ctx.name, undefined, 'get', 'nodes', '-L', `${LABEL.region},${LABEL.zone},${LABEL.subzone}`),
            ],
            snippet: spreadSnippet(svc),
          },
          details: {
            endpoints: endpoints.length,
            bySource,
            locality: verdict.locality,
            cluster: verdict.cluster,
            failoverPriorityKeys: keys,
            contextsRead,
            ...(dr ? {destinationRule: nsName(dr)} : {}),
          },
        }),
      );
    }

    // ServiceEntries (external services) with failover intent and explicit endpoint localities.
    for (const se of ctx.objects.ServiceEntry) {
      const spec = (se.spec ?? {}) as ServiceEntrySpec;
      const hosts = (spec.hosts ?? []).filter((h) => !h.startsWith('*') && !serviceHosts.has(h));
      if (hosts.length === 0) continue;
      const ns = se.metadata.namespace;
      const drs = hosts.map((h) => destinationRuleFor(ctx, h, ns ? {clientNs: ns, serviceNs: ns} : {})).filter((d): d is KubeObject => !!d);
      const dr = drs.find((d) => drLocalityOrOutlierPolicy(d).locality.length > 0) ?? drs[0];
      const drIntent = drLocalityOrOutlierPolicy(dr).locality.length > 0;
      // Mesh-only intent: judged only where outlier detection applies it (see above).
      if (!drIntent && !(hasFailoverIntent(ctx, dr) && drLocalityOrOutlierPolicy(dr).outlier.length > 0 && !localityLbSettingsOf(dr).length)) continue;
      const endpoints = serviceEntryEndpoints(ctx, se);
      const keys = failoverKeysFor(ctx, dr);
      const verdict = singleLocality(endpoints, keys);
      if (!verdict) continue;
      if (peersMayBeUnread(snapshot, ctx, keys.includes(LABEL.cluster) || keys.includes(LABEL.network))) continue;
      findings.push(
        finding(meta, {
          context: ctx,
          object: se,
          message:
            `ServiceEntry ${nsName(se)} (${hosts.join(', ')}) has failover configured${drIntent && dr ? ` (DestinationRule ${nsName(dr)})` : ' (mesh config localityLbSetting)'}, ` +
            `but all ${endpoints.length} of its endpoints are in locality ${verdict.locality}: there is nowhere to fail over to.`,
          remediation: {
            summary: `Add endpoints in another locality to ServiceEntry ${nsName(se)} (each with its own locality), or drop the failover settings.`,
            commands: [kubectl(ctx.name, ns, 'get', 'serviceentry', se.metadata.name, '-o', 'yaml')],
            snippet: stringify({spec: {endpoints: [...(spec.endpoints ?? []), {address: '<ADDRESS-IN-ANOTHER-REGION>', locality: '<REGION>/<ZONE>'}]}}),
          },
          details: {endpoints: endpoints.length, locality: verdict.locality, cluster: verdict.cluster, failoverPriorityKeys: keys, ...(dr ? {destinationRule: nsName(dr)} : {})},
        }),
      );
    }
  }
  return findings;
});

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
