import type {Finding, Remediation} from '../model/types.js';
import {refOf} from '../model/types.js';
import {kubectl, patchCommand, resourceName} from '../remedy/kubectl.js';
import {
  describeLocalityLb,
  effectiveEndpoints,
  endpointLabel,
  localityViews,
  resolutionOf,
  seHosts,
  seSpec,
  toYaml,
  type SeEndpoint,
} from './lib/service-entries.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import type {ContextSnapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import {EXTERNAL_DB, externalDbExample} from './lib/examples.js';

const meta: CheckMeta = {
  code: 'FO503',
  name: 'service-entry-endpoints-without-locality',
  severity: 'warning',
  title: 'ServiceEntry endpoints without a locality while locality load balancing is in effect',
  why:
    'A ServiceEntry endpoint gets its locality only from its `locality` field (or its WorkloadEntry\'s), never from a node. ' +
    'With locality load balancing in effect, an endpoint without one is in no client\'s region: it lands in the lowest tier for ' +
    'everyone, and when no endpoint has one all are equal, so there is no preference and no failover order; `distribute` drops ' +
    'such endpoints altogether.',
  remediation: 'Set `locality: <region>/<zone>` on every endpoint (or WorkloadEntry), using the region names of your nodes.',
  requires: ['ServiceEntry', 'WorkloadEntry', 'DestinationRule', 'ConfigMap'],
  references: [
    'pilot/pkg/serviceregistry/serviceentry/conversion.go convertEndpoint (locality)',
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityFailover',
    'https://istio.io/latest/blog/2021/external-locality-failover/',
  ],
  examples: {
    bad: externalDbExample({meshExternal: true, ports: EXTERNAL_DB.httpPort, endpoints: EXTERNAL_DB.endpointsNoLocality, trafficPolicy: [EXTERNAL_DB.outlierDetection]}),
    good: externalDbExample({meshExternal: true, ports: EXTERNAL_DB.httpPort, endpoints: EXTERNAL_DB.endpoints(), trafficPolicy: [EXTERNAL_DB.outlierDetection]}),
  },
};

const PLACEHOLDER = '<region>/<zone>';

function remediationFor(ctx: ContextSnapshot, se: KubeObject, missing: readonly SeEndpoint[]): Remediation {
  const commands: string[] = [];
  let snippet: string | undefined;
  const inline = missing.filter((e) => e.source === 'inline');
  if (inline.length > 0) {
    const idx = new Set(inline.map((e) => e.index));
    const endpoints = (seSpec(se).endpoints ?? []).map((e, i) => (idx.has(i) ? {...e, locality: PLACEHOLDER} : e));
    snippet = `# spec.endpoints of ServiceEntry ${se.metadata.namespace}/${se.metadata.name}: replace each ${PLACEHOLDER} with where that endpoint runs\n${toYaml({spec: {endpoints}})}`;
    commands.push(kubectl(ctx.name, se.metadata.namespace, 'edit', resourceName(refOf(se)), se.metadata.name));
  }
  for (const e of missing) {
    if (e.source === 'workload-entry' && e.object) commands.push(patchCommand(ctx.name, refOf(e.object), {type: 'merge', body: {spec: {locality: PLACEHOLDER}}}));
  }
  const pods = missing.filter((e) => e.source === 'pod').length;
  return {
    summary:
      `Give every endpoint a locality in the form region/zone, with the region names your nodes carry (replace ${PLACEHOLDER})` +
      (pods > 0 ? `; ${pods} selected pod(s) have none because their nodes lack topology labels (see FO201)` : '') +
      '.',
    commands,
    ...(snippet ? {snippet} : {}),
  };
}

export const fo503 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    for (const se of ctx.objects.ServiceEntry) {
      const resolution = resolutionOf(se);
      // NONE is passthrough (no load balancing); DNS_ROUND_ROBIN keeps one endpoint (FO502).
      if (resolution === 'NONE' || resolution === 'DNS_ROUND_ROBIN') continue;
      const host = seHosts(se)[0];
      if (!host) continue;
      const eps = effectiveEndpoints(ctx, se, host);
      if (eps.length < 2) continue;
      const missing = eps.filter((e) => !e.locality.region);
      if (missing.length === 0) continue;
      const views = localityViews(ctx, se).filter((v) => v.state.inEffect);
      if (views.length === 0) continue;
      const all = missing.length === eps.length;
      const effect = all
        ? 'none has a region, so all are equal for every client: no locality preference and no failover order'
        : 'they are in no client\'s region, so every client puts them in its lowest tier (and `distribute` drops them)';
      out.push(
        finding(meta, {
          context: ctx,
          object: se,
          message:
            `ServiceEntry ${se.metadata.namespace}/${se.metadata.name} has ${eps.length} endpoints, ${missing.length} without a locality ` +
            `(${missing.map(endpointLabel).join(', ')}), while locality load balancing is in effect (${describeLocalityLb(views[0]!)}): ${effect}.`,
          remediation: remediationFor(ctx, se, missing),
          details: {
            endpoints: eps.length,
            withoutLocality: missing.map(endpointLabel),
            ports: [...new Set(views.map((v) => v.port.number))],
            destinationRule: views[0]!.dr ? `${views[0]!.dr.metadata.namespace}/${views[0]!.dr.metadata.name}` : undefined,
          },
        }),
      );
    }
  }
  return out;
});
