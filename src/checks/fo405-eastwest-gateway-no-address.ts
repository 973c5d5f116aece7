import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {ISTIO, MULTICLUSTER} from '../istio/constants.js';
import {kubectl, patchRemediation, resourceName} from '../remedy/kubectl.js';
import {clusterIdOf, clusterNetworkOf, eastWestGateways, eastWestInstallCommands, gatewayAddresses, keyOf, type EastWestGateway} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO405',
  name: 'eastwest-gateway-no-address',
  severity: 'error',
  title: 'East-west gateway has no address reachable from other networks',
  why:
    'On a multi-network mesh, proxies reach a remote network\'s endpoints only through that network\'s east-west gateway, at the address istiod ' +
    'learns from the gateway Service\'s load balancer (or externalIPs, or a meshNetworks gateway address; ambient: the Gateway\'s status.addresses). ' +
    'Without one, istiod drops the remote endpoints (sidecar) or points at a cluster-internal address (ambient): cross-network failover has nowhere to go.',
  remediation: 'Give the east-west gateway Service an external address (type LoadBalancer with an assigned ingress, spec.externalIPs, or a meshNetworks gateway address).',
  requires: ['Service'],
  references: [
    'https://istio.io/latest/docs/ops/diagnostic-tools/multicluster/ (east-west gateway without external IP)',
    'pilot/pkg/serviceregistry/kube/controller/network.go (gateway addresses from the Service)',
    'pilot/pkg/config/kube/gateway/conditions.go reportGatewayStatus (internal addresses reported while no external one is assigned)',
    'pilot/pkg/model/network.go remoteK8sGatewayToNetworkGateways (ambient: status.addresses)',
  ],
  examples: {
    bad: `kind: Service
metadata: {name: istio-eastwestgateway, namespace: istio-system}
spec: {type: LoadBalancer}
status: {loadBalancer: {}}`,
    good: `status: {loadBalancer: {ingress: [{ip: 34.75.71.237}]}}`,
  },
};

function meshNetworksSnippet(ctx: ContextSnapshot): string {
  const network = clusterNetworkOf(ctx).network ?? 'NETWORK';
  return [
    `# istio ConfigMap (${ctx.istioNamespace}), key ${MULTICLUSTER.meshNetworksKey}, in every primary cluster:`,
    'networks:',
    `  ${network}:`,
    '    endpoints:',
    `    - fromRegistry: ${clusterIdOf(ctx).id}`,
    '    gateways:',
    '    - address: ADDRESS-REACHABLE-FROM-THE-OTHER-NETWORKS',
    `      port: ${ISTIO.eastWestPort}`,
    '',
  ].join('\n');
}

function sidecarRemediation(ctx: ContextSnapshot, svc: KubeObject): Remediation {
  const ref = {apiVersion: 'v1', kind: 'Service', namespace: svc.metadata.namespace!, name: svc.metadata.name};
  const type = (svc.spec?.type as string | undefined) ?? 'ClusterIP';
  if (type === 'ClusterIP') {
    const r = patchRemediation(
      `Service ${keyOf(svc)} is of type ClusterIP: make it a LoadBalancer (or set spec.externalIPs, or a meshNetworks gateway address), then wait for an EXTERNAL-IP.`,
      ctx.name,
      ref,
      {spec: {type: 'LoadBalancer'}},
    );
    return {...r, commands: [...r.commands, kubectl(ctx.name, ref.namespace, 'get', 'service', ref.name, '--watch')], snippet: meshNetworksSnippet(ctx)};
  }
  return {
    summary:
      `Service ${keyOf(svc)} (type ${type}) has no external address yet: see why the load balancer is pending (events below: quota, subnet, cloud controller), ` +
      `or set spec.externalIPs, or declare the gateway's address in meshNetworks (snippet)` +
      (type === 'NodePort' ? `; a NodePort gateway also needs the ${MULTICLUSTER.nodeSelectorAnnotation} annotation and nodes with an ExternalIP` : '') +
      '.',
    commands: [
      kubectl(ctx.name, ref.namespace, 'describe', 'service', ref.name),
      kubectl(ctx.name, ref.namespace, 'get', 'events', '--field-selector', `involvedObject.kind=Service,involvedObject.name=${ref.name}`),
    ],
    snippet: meshNetworksSnippet(ctx),
  };
}

function ambientRemediation(ctx: ContextSnapshot, gw: KubeObject, svc: KubeObject | undefined): Remediation {
  const ns = gw.metadata.namespace!;
  const gwRes = resourceName({apiVersion: gw.apiVersion, kind: 'Gateway'});
  return {
    summary:
      `Gateway ${keyOf(gw)} (class ${ISTIO.eastWestGatewayClass}) has no external address in status.addresses: ` +
      (svc ? `its Service ${keyOf(svc)} (type ${(svc.spec?.type as string | undefined) ?? 'ClusterIP'}) has no load balancer address yet; see why below.` : `Istio has not created its Service; see the Gateway's conditions below.`),
    commands: [
      kubectl(ctx.name, ns, 'describe', gwRes, gw.metadata.name),
      ...(svc ? [kubectl(ctx.name, ns, 'describe', 'service', svc.metadata.name)] : []),
      kubectl(ctx.name, ns, 'get', gwRes, gw.metadata.name, '--watch'),
    ],
  };
}

function check(snapshot: Parameters<typeof gatewayAddresses>[0], ctx: ContextSnapshot, gw: EastWestGateway): Finding | undefined {
  if (gw.kind === 'sidecar' && gw.services.length === 0) {
    const g = gw.gateway!;
    return finding(meta, {
      context: ctx,
      object: g,
      message:
        `Gateway ${keyOf(g)} exposes port ${ISTIO.eastWestPort} with ${MULTICLUSTER.autoPassthrough}, but no Service backs the pods its selector ` +
        `${JSON.stringify(g.spec?.selector ?? {})} selects: the east-west gateway has no address, so other networks cannot reach ${ctx.name}.`,
      remediation: {
        summary: `Deploy the east-west gateway (Deployment and LoadBalancer Service) that Gateway ${keyOf(g)} selects, e.g. with the Istio samples (run from an Istio release directory).`,
        commands: eastWestInstallCommands(ctx, false),
      },
      details: {gateway: keyOf(g), selector: g.spec?.selector ?? {}, services: []},
    });
  }
  if (gw.kind !== 'sidecar' && gw.kind !== 'ambient') return undefined;
  const addrs = gatewayAddresses(snapshot, ctx, gw);
  if (addrs.external.length > 0) return undefined;
  const svc = gw.services[0];
  const object = gw.kind === 'ambient' ? gw.gateway! : svc!;
  const what = gw.kind === 'ambient' ? `Gateway ${keyOf(gw.gateway!)} (class ${ISTIO.eastWestGatewayClass})` : `Service ${keyOf(svc!)} behind Gateway ${keyOf(gw.gateway!)}`;
  return finding(meta, {
    context: ctx,
    object,
    message:
      `The east-west gateway of ${ctx.name} (${what}) has no address reachable from other networks` +
      (addrs.internal.length ? ` (only cluster-internal ${addrs.internal.join(', ')})` : '') +
      `: no load balancer ingress, externalIPs or meshNetworks gateway address. Peers cannot send cross-network traffic to ${ctx.name}, so failover to it does not happen.`,
    remediation: gw.kind === 'ambient' ? ambientRemediation(ctx, gw.gateway!, svc) : sidecarRemediation(ctx, svc!),
    details: {
      kind: gw.kind,
      gateway: gw.gateway ? keyOf(gw.gateway) : undefined,
      services: gw.services.map(keyOf),
      serviceTypes: gw.services.map((s) => (s.spec?.type as string | undefined) ?? 'ClusterIP'),
      internalAddresses: addrs.internal,
      network: gw.network,
    },
  });
}

export const fo405 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const seen = new Set<string>();
    for (const gw of eastWestGateways(ctx)) {
      const f = check(snapshot, ctx, gw);
      const k = f && `${f.object.apiVersion}/${f.object.kind}/${f.object.namespace ?? ''}/${f.object.name}`;
      if (!f || seen.has(k!)) continue;
      seen.add(k!);
      out.push(f);
    }
  }
  return out;
});
