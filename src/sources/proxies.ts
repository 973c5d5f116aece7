import {destinationRuleHost, serviceFqdn} from '../istio/hosts.js';
import {hasFailoverIntent} from '../istio/policy.js';
import {selectsLabels} from '../istio/selectors.js';
import {hasSidecar, isLivePod} from '../istio/workloads.js';
import {LABEL} from '../istio/constants.js';
import type {DestinationRuleSpec} from '../istio/types.js';
import type {ContextSnapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';

/** At most this many proxies per context are captured by default (a bundle must stay small). */
export const MAX_DEFAULT_PROXIES = 25;

function running(p: KubeObject): boolean {
  return isLivePod(p) && (p.status?.phase ?? 'Running') === 'Running';
}

/**
 * The proxies `collect` captures by default: each waypoint (one pod per waypoint Gateway), and one
 * sidecar client per namespace that has failover configuration (a DestinationRule with outlier
 * detection or a localityLbSetting) — the views `explain` and the live checks need.
 */
export function defaultProxies(ctx: ContextSnapshot): {namespace: string; name: string}[] {
  const out: {namespace: string; name: string}[] = [];
  const waypoints = new Set(ctx.objects.Gateway.filter((g) => g.spec?.gatewayClassName === 'istio-waypoint').map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
  const seen = new Set<string>();
  for (const p of ctx.objects.Pod) {
    const gw = p.metadata.labels?.[LABEL.gatewayName];
    const key = `${p.metadata.namespace}/${gw}`;
    if (gw && waypoints.has(key) && !seen.has(key) && running(p)) {
      seen.add(key);
      out.push({namespace: p.metadata.namespace!, name: p.metadata.name});
    }
  }
  const namespaces = new Set(
    ctx.objects.DestinationRule.filter((dr) => {
      const tp = ((dr.spec ?? {}) as DestinationRuleSpec).trafficPolicy;
      return hasFailoverIntent(ctx, dr) || !!tp?.outlierDetection || (tp?.portLevelSettings ?? []).some((p) => p.outlierDetection);
    }).map((dr) => dr.metadata.namespace!),
  );
  for (const ns of [...namespaces].sort()) {
    if (ns === ctx.istioNamespace) continue;
    // A client rather than a backend: skip pods the namespace's DestinationRule'd Services select.
    const hosts = new Set(ctx.index.byNamespace('DestinationRule', ns).map(destinationRuleHost));
    const backends = ctx.index
      .byNamespace('Service', ns)
      .filter((svc) => hosts.has(serviceFqdn(svc)))
      .map((svc) => svc.spec?.selector as Record<string, string> | undefined);
    const candidates = ctx.index.byNamespace('Pod', ns).filter((p) => running(p) && hasSidecar(p) && !p.metadata.labels?.[LABEL.gatewayName]);
    const client = candidates.find((p) => !backends.some((sel) => selectsLabels(sel, p.metadata.labels))) ?? candidates[0];
    if (client) out.push({namespace: ns, name: client.metadata.name});
  }
  return out.slice(0, MAX_DEFAULT_PROXIES);
}
