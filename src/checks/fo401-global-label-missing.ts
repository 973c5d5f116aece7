import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject} from '../model/types.js';
import {ISTIO} from '../istio/constants.js';
import {globalLabel} from '../istio/mesh.js';
import {isAmbientService} from '../istio/workloads.js';
import {labelRemediation} from '../remedy/kubectl.js';
import {crossClusterFailoverPriority, destinationRuleOfService, globalLabelSuffices, globalState, keyOf} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO401',
  name: 'global-label-missing',
  severity: 'error',
  title: 'Ambient service is global in some clusters only, or asks for cross-cluster failover without being global',
  why:
    'In ambient multicluster, istiod imports a Service from another cluster only when it is global: it matches the mesh serviceScopeConfigs ' +
    '(the ambient profile selects istio.io/global=true), read from the local cluster only. A service global in one cluster but not in another ' +
    'is exported one way only, and a DestinationRule whose failoverPriority ranks by topology.istio.io/cluster or network has no remote endpoints ' +
    'to fail over to while the service is global nowhere: traffic stays local and fails with the local instances.',
  remediation: 'Label the Service istio.io/global=true (the label your serviceScopeConfigs select) in every cluster that runs it.',
  requires: ['Service', 'Namespace', 'ConfigMap'],
  references: [
    'pilot/pkg/serviceregistry/ambient/services.go (remote services imported only when GLOBAL)',
    'manifests/helm-profiles/ambient.yaml (serviceScopeConfigs: istio.io/global In ["true"])',
    'https://istio.io/latest/docs/ambient/install/multicluster/ (service scope is read from the local cluster only; a global waypoint makes its services global)',
  ],
  examples: {
    bad: `# cluster1
kind: Service
metadata: {name: helloworld, namespace: sample, labels: {istio.io/global: "true"}}
# cluster2
kind: Service
metadata: {name: helloworld, namespace: sample}`,
    good: `# cluster1 and cluster2
kind: Service
metadata: {name: helloworld, namespace: sample, labels: {istio.io/global: "true"}}`,
  },
};

function isWaypointService(ctx: ContextSnapshot, svc: KubeObject): boolean {
  return ctx.index.get('Gateway', svc.metadata.namespace, svc.metadata.name)?.spec?.gatewayClassName === ISTIO.waypointGatewayClass;
}

function labelFix(ctx: ContextSnapshot, svc: KubeObject, why: string) {
  const {key, value} = globalLabel(ctx);
  const base = labelRemediation(`Label Service ${keyOf(svc)} ${key}=${value} in ${ctx.name} ${why}.`, ctx.name, {apiVersion: 'v1', kind: 'Service', namespace: svc.metadata.namespace!, name: svc.metadata.name}, {[key]: value});
  if (globalLabelSuffices(ctx, svc)) return base;
  return {
    ...base,
    summary: `${base.summary} The mesh serviceScopeConfigs of ${ctx.name} also select by namespace: label namespace ${svc.metadata.namespace} so that it matches their namespaceSelector, or the label alone will not make the service global.`,
  };
}

export const fo401 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  // Group the Services of every context by namespace/name (Istio's sameness across clusters).
  const groups = new Map<string, {ctx: ContextSnapshot; svc: KubeObject}[]>();
  for (const ctx of snapshot.contexts) {
    for (const svc of ctx.objects.Service) {
      const k = keyOf(svc);
      (groups.get(k) ?? groups.set(k, []).get(k)!).push({ctx, svc});
    }
  }
  for (const [key, members] of groups) {
    // A waypoint's own Service is FO402's subject (waypoint-global-label-missing), not this check's.
    if (members.some((m) => isWaypointService(m.ctx, m.svc))) continue;
    const states = members.map((m) => ({...m, state: globalState(m.ctx, m.svc), ambient: isAmbientService(m.ctx, m.svc)}));
    if (!states.some((s) => s.ambient)) continue; // global is an ambient notion: sidecar registries import every service
    const globalIn = states.filter((s) => s.state.global);
    if (globalIn.length > 0) {
      // (a) global in some contexts, not in others that run the same Service.
      for (const s of states) {
        if (s.state.global) continue;
        const where = globalIn.map((g) => g.ctx.name);
        out.push(
          finding(meta, {
            context: s.ctx,
            object: s.svc,
            message: `Service ${key} is global in ${where.join(', ')} but not in ${s.ctx.name}: ${s.ctx.name}'s instances are not exported to the other clusters (Istio expects the label on the Service in every cluster), so failover to ${s.ctx.name} does not happen.`,
            remediation: labelFix(s.ctx, s.svc, `as in ${where.join(', ')}`),
            details: {service: key, globalIn: where, notGlobalIn: s.ctx.name, label: globalLabel(s.ctx)},
          }),
        );
      }
      continue;
    }
    // (b) global nowhere, yet a DestinationRule ranks endpoints by cluster or network (ambient).
    const asking = states
      .filter((s) => s.ambient)
      .map((s) => {
        const dr = destinationRuleOfService(s.ctx, s.svc);
        return {...s, dr, keys: crossClusterFailoverPriority(dr)};
      })
      .filter((s) => s.keys.length > 0);
    if (asking.length === 0) continue;
    const drNames = asking.map((a) => `${a.ctx.name}: DestinationRule ${keyOf(a.dr!)}`);
    for (const s of states.filter((x) => x.ambient)) {
      out.push(
        finding(meta, {
          context: s.ctx,
          object: s.svc,
          message:
            `Service ${key} is global in no context read, but its DestinationRule ranks endpoints by ${[...new Set(asking.flatMap((a) => a.keys.map((k) => k.key)))].join(', ')} ` +
            `(${drNames.join('; ')}): without ${globalLabel(s.ctx).key}=${globalLabel(s.ctx).value} no remote endpoint is imported, so there is no other cluster to fail over to.`,
          remediation: labelFix(s.ctx, s.svc, 'so that it is imported and exported across clusters (do the same in every cluster that runs it)'),
          details: {service: key, destinationRules: drNames, contexts: states.map((x) => x.ctx.name), label: globalLabel(s.ctx)},
        }),
      );
    }
  }
  return out;
});
