import type {Finding} from '../model/types.js';
import {kubectl} from '../remedy/kubectl.js';
import {applyHeredoc, crossClusterFailoverConfigured, keyOf, peerServices, portableService, toYaml} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO403',
  name: 'service-missing-in-peer',
  severity: 'warning',
  title: 'A service set up for cross-cluster failover has no counterpart in any other cluster',
  why:
    'Istio (and Tetrate) treat Services as one service across clusters only when they have the same name AND the same namespace. ' +
    'A service configured for cross-cluster failover whose name and namespace exist in no other cluster has nothing to fail over to: ' +
    'when its local instances fail, requests fail. A same-name Service in another namespace does not count.',
  remediation: 'Deploy the Service (and its workloads) in the same namespace of at least one other cluster.',
  requires: ['Service'],
  references: [
    'https://istio.io/latest/docs/ops/configuration/traffic-management/multicluster/ (namespace sameness)',
    'TSB docs "Multi-cluster traffic failover with EastWest Gateways" (same name and namespace)',
  ],
  examples: {
    bad: `# cluster1: Service bookinfo/details (global); cluster2: Service bookinfo-prod/details only`,
    good: `# cluster1 and cluster2: Service bookinfo/details`,
  },
};

export const fo403 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  if (snapshot.contexts.length < 2) return out; // with one context read we cannot know what the others run
  for (const ctx of snapshot.contexts) {
    for (const svc of ctx.objects.Service) {
      const reasons = crossClusterFailoverConfigured(snapshot, ctx, svc);
      if (reasons.length === 0) continue;
      const {same, otherNamespace} = peerServices(snapshot, ctx, svc);
      if (same.length > 0) continue;
      const peers = snapshot.contexts.filter((c) => c !== ctx);
      const elsewhere = otherNamespace.map((p) => `${p.ctx.name}: ${keyOf(p.svc)}`);
      const manifest = toYaml([portableService(svc)]);
      const ns = svc.metadata.namespace!;
      const commands = peers.flatMap((p) => [
        ...(p.index.namespace(ns) ? [] : [kubectl(p.name, undefined, 'create', 'namespace', ns)]),
        applyHeredoc(p.name, manifest),
      ]);
      out.push(
        finding(meta, {
          context: ctx,
          object: svc,
          message:
            `Service ${keyOf(svc)} is set up for cross-cluster failover (${reasons.map((r) => r.detail).join('; ')}), but no other context read ` +
            `(${peers.map((p) => p.name).join(', ')}) has a Service ${svc.metadata.name} in namespace ${ns}: there is nothing to fail over to.` +
            (elsewhere.length
              ? ` A Service named ${svc.metadata.name} exists in another namespace (${elsewhere.join(', ')}), but only the same name in the same namespace counts as the same service.`
              : ''),
          remediation: {
            summary: `Deploy Service ${keyOf(svc)} and the workloads it selects in ${peers.map((p) => p.name).join(' or ')} (same name, same namespace); the Service alone gives no endpoints.`,
            commands,
            snippet: manifest,
          },
          details: {service: keyOf(svc), reasons: reasons.map((r) => r.kind), peersChecked: peers.map((p) => p.name), sameNameOtherNamespace: elsewhere},
        }),
      );
    }
  }
  return out;
});
