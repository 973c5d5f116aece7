import type {Finding, KubeObject} from '../model/types.js';
import {ISTIO, MULTICLUSTER} from '../istio/constants.js';
import {isAmbientService} from '../istio/workloads.js';
import {
  crossClusterFailoverConfigured,
  eastWestGateways,
  eastWestInstallCommands,
  hasIstio,
  isAmbientContext,
  keyOf,
  multiNetworkInfo,
  type CrossClusterReason,
} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO409',
  name: 'eastwest-gateway-missing',
  severity: 'error',
  title: 'Multi-network mesh, but a cluster has no east-west gateway',
  why:
    'Across networks, pods cannot reach each other directly: a proxy sends traffic for another network\'s endpoints to that network\'s ' +
    'east-west gateway (sidecar: a Gateway with a 15443 AUTO_PASSTHROUGH server; ambient: a Gateway of class istio-east-west). ' +
    'A cluster without one is unreachable from the other networks: istiod drops its endpoints for remote clients, so failover to it never happens.',
  remediation: 'Deploy the east-west gateway in the cluster (samples/multicluster/gen-eastwest-gateway.sh, and expose-services.yaml for sidecars).',
  requires: ['Service', 'Namespace'],
  references: [
    'https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/',
    'https://istio.io/latest/docs/ambient/install/multicluster/multi-primary_multi-network/',
    'pilot/pkg/xds/endpoints/ep_filters.go (endpoints of other networks go through their gateway, or are dropped)',
  ],
  examples: {
    bad: `# cluster1 (network1) and cluster2 (network2), helloworld global; cluster2 has no east-west gateway`,
    good: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross-network-gateway, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    tls: {mode: AUTO_PASSTHROUGH}
    hosts: ["*.local"]`,
  },
};

export const fo409 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  const info = multiNetworkInfo(snapshot);
  if (!info.multiNetwork) return out;
  // namespace/name → why cross-cluster failover is configured (in any context of the run).
  const configured = new Map<string, {context: string; reasons: CrossClusterReason[]}[]>();
  for (const ctx of snapshot.contexts) {
    for (const svc of ctx.objects.Service) {
      const reasons = crossClusterFailoverConfigured(snapshot, ctx, svc);
      if (reasons.length) (configured.get(keyOf(svc)) ?? configured.set(keyOf(svc), []).get(keyOf(svc))!).push({context: ctx.name, reasons});
    }
  }
  if (configured.size === 0) return out;
  for (const ctx of snapshot.contexts) {
    if (!hasIstio(ctx) || eastWestGateways(ctx).length > 0) continue;
    const own = info.contextNetworks.get(ctx.name);
    const others = [...info.networks].filter((n) => n !== own).sort();
    if (others.length === 0) continue; // every network named in the run is this cluster's own
    // Instances peers would fail over to: configured here, or configured elsewhere and exported from
    // here (sidecar registries export every service; ambient exports only what is global here).
    const hosted: KubeObject[] = ctx.objects.Service.filter((s) => {
      const where = configured.get(keyOf(s));
      if (!where) return false;
      return where.some((w) => w.context === ctx.name) || !isAmbientService(ctx, s);
    });
    if (hosted.length === 0) continue; // no instance here that another network would fail over to
    const ambient = isAmbientContext(ctx);
    const object = ambient
      ? {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: ctx.istioNamespace, name: MULTICLUSTER.sampleEastWestService}
      : {apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespace: ctx.istioNamespace, name: MULTICLUSTER.sampleCrossNetworkGateway};
    const names = hosted.map(keyOf);
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
    out.push(
      finding(meta, {
        context: ctx,
        object,
        message:
          `The mesh is multi-network (${info.reasons[0]}${info.reasons.length > 1 ? `; ${info.reasons.length - 1} more reason(s) in details` : ''}), but ${ctx.name}` +
          `${own ? ` (network ${own})` : ''} has no east-west gateway (${ambient ? `Gateway of class ${ISTIO.eastWestGatewayClass}` : `Gateway with a ${ISTIO.eastWestPort} ${MULTICLUSTER.autoPassthrough} server`}): ` +
          `clients on ${others.join(', ')} cannot reach its instances of ${shown}, which are set up for cross-cluster failover, so failover to ${ctx.name} never happens.`,
        remediation: {
          summary: `Deploy the ${ambient ? 'ambient ' : ''}east-west gateway in ${ctx.name} (run from an Istio release directory), then wait for its Service to get an external address.`,
          commands: eastWestInstallCommands(ctx, ambient),
        },
        details: {context: ctx.name, network: own, otherNetworks: others, services: names, multiNetworkReasons: info.reasons, mode: ambient ? 'ambient' : 'sidecar'},
      }),
    );
  }
  return out;
});
