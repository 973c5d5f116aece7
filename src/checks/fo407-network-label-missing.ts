import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, ObjectRef, Remediation, Severity} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {serviceFqdn} from '../istio/hosts.js';
import {isTetrate, podsOfService} from '../istio/workloads.js';
import {labelRemediation, patchCommand} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  clusterNetworkOf,
  eastWestGateways,
  hasIstio,
  isAmbientContext,
  keyOf,
  meshNetworksOf,
  multiNetworkInfo,
  serviceExternalAddresses,
  type EastWestGateway,
} from './lib/multicluster.js';

const meta: CheckMeta = {
  code: 'FO407',
  name: 'network-label-missing',
  severity: 'warning',
  severityNote:
    'warning; info under Tetrate (its control plane assigns networks), and info for an Istio namespace whose network meshNetworks already gives (sidecar-only contexts)',
  title: 'Multi-network mesh: the Istio namespace or the east-west gateway lacks topology.istio.io/network',
  why:
    'In a multi-network mesh istiod learns the network of a cluster\'s workloads from the topology.istio.io/network label of the Istio ' +
    'namespace, and finds each network\'s east-west gateway by the same label on the gateway Service (ambient: on the istio-east-west Gateway). ' +
    'Without them remote endpoints are treated as directly reachable or are dropped, and traffic never reaches the other network through its gateway: no cross-network failover.',
  remediation:
    'Label the Istio namespace and the east-west gateway (Service, or Gateway in ambient) with the cluster\'s network name, and keep the same value ' +
    'in the gateway\'s install values (gen-eastwest-gateway.sh --network) so that an upgrade does not drop it.',
  requires: ['Namespace', 'Service', 'Pod', 'ConfigMap'],
  references: [
    'https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/',
    'https://istio.io/latest/docs/ambient/install/multicluster/',
    'pilot/pkg/serviceregistry/kube/controller/network.go (gateways from the topology.istio.io/network Service label)',
    'samples/multicluster/gen-eastwest-gateway.sh',
  ],
  examples: {
    bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system   # multi-network mesh, no network label',
    good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n  labels:\n    topology.istio.io/network: network1',
  },
};

const PLACEHOLDER = '<NETWORK>';

/** The network to suggest for a context, and where it comes from. */
function networkFor(ctx: ContextSnapshot, gws: readonly EastWestGateway[]): {network: string; source: string} {
  const own = clusterNetworkOf(ctx);
  if (own.network) {
    const src = own.source === 'namespace' ? 'the Istio namespace label' : own.source === 'meshNetworks' ? 'meshNetworks (fromRegistry of this cluster)' : 'the network label of the pods';
    return {network: own.network, source: src};
  }
  for (const g of gws) {
    for (const o of [...g.services, ...(g.gateway ? [g.gateway] : [])]) {
      const n = o.metadata.labels?.[LABEL.network];
      if (n) return {network: n, source: `the label of ${o.kind} ${keyOf(o)}`};
    }
  }
  return {network: PLACEHOLDER, source: 'unknown: replace <NETWORK> with this cluster\'s network name'};
}

/** meshNetworks (any context) names the Service as a network gateway (registryServiceName or its external address). */
function knownFromMeshNetworks(snapshot: Snapshot, ctx: ContextSnapshot, svc: KubeObject): boolean {
  const fqdn = serviceFqdn(svc);
  const addresses = new Set(serviceExternalAddresses(ctx, svc));
  return snapshot.contexts.some((c) => meshNetworksOf(c).gateways.some((g) => g.registryServiceName === fqdn || (!!g.address && addresses.has(g.address))));
}

/** The label the gateway needs, on which object: sidecar → its Services; ambient → the Gateway (or its Service). */
interface Missing {
  readonly object: KubeObject;
  readonly gw: EastWestGateway;
}

function missingOnGateway(snapshot: Snapshot, ctx: ContextSnapshot, gw: EastWestGateway): Missing[] {
  const has = (o: KubeObject | undefined): boolean => !!o?.metadata.labels?.[LABEL.network];
  switch (gw.kind) {
    case 'ambient': {
      const infra = (gw.gateway?.spec?.infrastructure?.labels ?? {}) as Record<string, string>;
      if (!gw.gateway || has(gw.gateway) || infra[LABEL.network] || gw.services.some(has)) return [];
      return [{object: gw.gateway, gw}];
    }
    case 'sidecar':
    case 'tetrate-service':
      return gw.services.filter((s) => !has(s) && !knownFromMeshNetworks(snapshot, ctx, s)).map((s) => ({object: s, gw}));
    default:
      return [];
  }
}

function refOfObj(o: KubeObject): ObjectRef {
  return o.metadata.namespace ? {apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name} : {apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name};
}

function gatewayRemediation(ctx: ContextSnapshot, m: Missing, network: {network: string; source: string}): Remediation {
  const labels = {[LABEL.network]: network.network};
  const placeholder = network.network === PLACEHOLDER;
  const tail = placeholder ? ' Replace <NETWORK> with the network of this cluster before running it.' : ` (network ${network.network}, from ${network.source}).`;
  if (m.gw.kind === 'ambient') {
    // Istio copies the Gateway's labels to the Service and Deployment it generates.
    const r = labelRemediation(`Label the east-west Gateway ${keyOf(m.object)} with its network;${tail}`, ctx.name, refOfObj(m.object), labels);
    return r;
  }
  const r = labelRemediation(
    `Label the east-west gateway Service ${keyOf(m.object)} with its network, and set the same value in the gateway's install values ` +
      `(gen-eastwest-gateway.sh --network) so that an upgrade keeps it;${tail}`,
    ctx.name,
    refOfObj(m.object),
    labels,
  );
  // Gateway pods without the label (and without a namespace label) would not know their own network either.
  const pods = podsOfService(ctx, m.object).filter((p) => !p.metadata.labels?.[LABEL.network]);
  const owners = new Set<string>();
  for (const p of pods) {
    const rs = p.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet');
    const hash = p.metadata.labels?.['pod-template-hash'];
    if (rs && hash && rs.name.endsWith(`-${hash}`)) owners.add(rs.name.slice(0, -hash.length - 1));
  }
  const extra = [...owners]
    .filter((d) => ctx.index.get('Deployment', m.object.metadata.namespace, d))
    .sort()
    .map((d) =>
      patchCommand(ctx.name, {apiVersion: 'apps/v1', kind: 'Deployment', namespace: m.object.metadata.namespace!, name: d}, {type: 'merge', body: {spec: {template: {metadata: {labels}}}}}),
    );
  return {...r, commands: [...r.commands, ...extra]};
}

export const fo407 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  const info = multiNetworkInfo(snapshot);
  const istioContexts = snapshot.contexts.filter(hasIstio);
  const gatewaysByCtx = new Map(istioContexts.map((c) => [c.name, eastWestGateways(c)]));
  // Partly labelled: some contexts are on a known network, others on none, and an east-west gateway exists.
  const unknownNet = istioContexts.filter((c) => !info.contextNetworks.get(c.name));
  const partly =
    !info.multiNetwork &&
    unknownNet.length > 0 &&
    istioContexts.some((c) => !!info.contextNetworks.get(c.name)) &&
    [...gatewaysByCtx.values()].some((g) => g.length > 0);
  if (!info.multiNetwork && !partly) return findings;
  const reasons = info.multiNetwork
    ? info.reasons
    : [
        `${istioContexts
          .filter((c) => info.contextNetworks.get(c.name))
          .map((c) => `${c.name} is on network ${info.contextNetworks.get(c.name)}`)
          .join(', ')} while ${unknownNet.map((c) => c.name).join(', ')} name${unknownNet.length > 1 ? '' : 's'} no network, and there is an east-west gateway`,
      ];

  for (const ctx of istioContexts) {
    const tetrate = isTetrate(ctx);
    const gws = gatewaysByCtx.get(ctx.name) ?? [];
    const network = networkFor(ctx, gws);
    const why = `The run is multi-network: ${reasons[0]}${reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : ''}.`;
    const placeholder = network.network === PLACEHOLDER;

    const ns = ctx.index.namespace(ctx.istioNamespace);
    if (ns && !ns.metadata.labels?.[LABEL.network]) {
      const own = clusterNetworkOf(ctx);
      const viaMeshNetworks = own.source === 'meshNetworks' && !isAmbientContext(ctx);
      const severity: Severity = tetrate || viaMeshNetworks ? 'info' : 'warning';
      const nsRef = refOfObj(ns);
      const remediation: Remediation = labelRemediation(
        `Label the Istio namespace ${ctx.istioNamespace} with this cluster's network` +
          (placeholder ? '; replace <NETWORK> with it before running the command' : ` (${network.network}, from ${network.source})`) +
          '. Proxies that started before the label may keep an empty network: restart them if cross-network traffic still does not flow.',
        ctx.name,
        nsRef,
        {[LABEL.network]: network.network},
      );
      findings.push(
        finding(meta, {
          context: ctx,
          object: ns,
          severity,
          message:
            `${why} Namespace ${ctx.istioNamespace} in ${ctx.name} has no ${LABEL.network} label, so istiod does not know this cluster's default network` +
            (own.network && own.source !== 'namespace' ? ` (only ${own.source === 'meshNetworks' ? 'meshNetworks' : 'the pods\' own labels'} say ${own.network})` : '') +
            (tetrate ? '; under Tetrate the control plane assigns networks, so this is informational.' : '.'),
          remediation,
          details: {
            context: ctx.name,
            namespace: ctx.istioNamespace,
            ...(placeholder ? {} : {suggestedNetwork: network.network}),
            networkSource: network.source,
            ...(own.network && own.source !== 'namespace' ? {knownFrom: own.source} : {}),
            tetrate,
            reasons,
          },
        }),
      );
    }

    for (const gw of gws) {
      for (const m of missingOnGateway(snapshot, ctx, gw)) {
        const what = gw.kind === 'ambient' ? `east-west Gateway ${keyOf(m.object)} (class istio-east-west)` : `east-west gateway Service ${keyOf(m.object)}`;
        const pods = gw.kind === 'ambient' ? [] : podsOfService(ctx, m.object);
        const podsWithout = pods.filter((p) => !p.metadata.labels?.[LABEL.network]).map((p) => p.metadata.name).sort();
        findings.push(
          finding(meta, {
            context: ctx,
            object: m.object,
            severity: tetrate ? 'info' : 'warning',
            message:
              `${why} The ${what} in ${ctx.name} has no ${LABEL.network} label` +
              (gw.kind === 'ambient' ? ' (neither on the Gateway, in its spec.infrastructure.labels, nor on its Service)' : ' and no meshNetworks entry names it') +
              ', so istiod does not know it as ' +
              `the gateway of ${gw.network ? `network ${gw.network}` : "this cluster's network"}: peers cannot send cross-network traffic through it` +
              (podsWithout.length ? `; ${podsWithout.length} of its ${pods.length} pod(s) lack the label too` : '') +
              (tetrate ? '. Under Tetrate the control plane assigns networks, so this is informational.' : '.'),
            remediation: gatewayRemediation(ctx, m, network),
            details: {
              context: ctx.name,
              gateway: keyOf(m.object),
              gatewayKind: gw.kind,
              ...(placeholder ? {} : {suggestedNetwork: network.network}),
              networkSource: network.source,
              podsWithoutLabel: podsWithout,
              tetrate,
              reasons,
            },
          }),
        );
      }
    }
  }
  return findings;
});
