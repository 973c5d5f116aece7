import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject} from '../model/types.js';
import {globalLabel, isGlobalService} from '../istio/mesh.js';
import {isAmbientService, waypointOf} from '../istio/workloads.js';
import {labelRemediation} from '../remedy/kubectl.js';
import {globalLabelSuffices, keyOf} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO402',
  name: 'waypoint-global-label-missing',
  severity: 'error',
  title: 'The waypoint of a global service is not global',
  why:
    'A global ambient service is reached in the other clusters through its waypoint, and the waypoint Service is imported across clusters only ' +
    'when it is global itself. The Istio docs require istio.io/global=true on the waypoint Service in every cluster, with identical waypoint ' +
    'names; without it, remote clusters see a service whose waypoint they do not know ("unknown waypoint … not found") and the cross-cluster ' +
    'failover the waypoint enforces does not happen.',
  remediation: 'Label the waypoint Service istio.io/global=true (the label your serviceScopeConfigs select) in every cluster.',
  requires: ['Service', 'Namespace', 'ConfigMap'],
  references: [
    'https://istio.io/latest/docs/ambient/install/multicluster/failover/ (label the waypoint Service global in each cluster)',
    'istio/istio#57779, istio/istio#60985',
  ],
  examples: {
    bad: `kind: Service
metadata: {name: helloworld, namespace: sample, labels: {istio.io/global: "true", istio.io/use-waypoint: waypoint}}
---
kind: Service
metadata: {name: waypoint, namespace: sample}`,
    good: `kind: Service
metadata: {name: waypoint, namespace: sample, labels: {istio.io/global: "true"}}`,
  },
};

export const fo402 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  // Services global (by their own labels) in at least one context of the run.
  const globalSomewhere = new Map<string, string[]>();
  for (const ctx of snapshot.contexts) {
    for (const svc of ctx.objects.Service) {
      if (isGlobalService(ctx, svc)) (globalSomewhere.get(keyOf(svc)) ?? globalSomewhere.set(keyOf(svc), []).get(keyOf(svc))!).push(ctx.name);
    }
  }
  if (globalSomewhere.size === 0) return out;
  for (const ctx of snapshot.contexts) {
    const byWaypoint = new Map<KubeObject, KubeObject[]>();
    for (const svc of ctx.objects.Service) {
      if (!globalSomewhere.has(keyOf(svc)) || !isAmbientService(ctx, svc)) continue;
      const b = waypointOf(ctx, svc);
      if (!b) continue;
      const wp = ctx.index.get('Service', b.namespace, b.name);
      if (!wp || wp === svc || isGlobalService(ctx, wp)) continue; // a missing waypoint is FO303's
      (byWaypoint.get(wp) ?? byWaypoint.set(wp, []).get(wp)!).push(svc);
    }
    for (const [wp, services] of byWaypoint) out.push(report(ctx, wp, services, globalSomewhere));
  }
  return out;
});

function report(ctx: ContextSnapshot, wp: KubeObject, services: KubeObject[], globalSomewhere: Map<string, string[]>): Finding {
  const {key, value} = globalLabel(ctx);
  const names = services.map(keyOf);
  const ref = {apiVersion: 'v1', kind: 'Service', namespace: wp.metadata.namespace!, name: wp.metadata.name};
  const base = labelRemediation(`Label the waypoint Service ${keyOf(wp)} ${key}=${value} in ${ctx.name} (and in every other cluster, with the same waypoint name).`, ctx.name, ref, {[key]: value});
  const remediation = globalLabelSuffices(ctx, wp)
    ? base
    : {...base, summary: `${base.summary} The mesh serviceScopeConfigs of ${ctx.name} also select by namespace: label namespace ${wp.metadata.namespace} to match their namespaceSelector too.`};
  const where = [...new Set(services.flatMap((s) => globalSomewhere.get(keyOf(s)) ?? []))];
  return finding(meta, {
    context: ctx,
    object: wp,
    message:
      `Waypoint Service ${keyOf(wp)} in ${ctx.name} is not global, but it serves global service(s) ${names.join(', ')} (global in ${where.join(', ')}): ` +
      `other clusters do not import this waypoint, so cross-cluster traffic and failover for these services break.`,
    remediation,
    details: {waypoint: keyOf(wp), services: names, globalIn: where, label: {key, value}},
  });
}
