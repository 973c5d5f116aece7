import type {Finding} from '../model/types.js';
import {refOf} from '../model/types.js';
import {patchRemediation} from '../remedy/kubectl.js';
import {endpointLabel, resolutionOf, serviceEntryEndpoints} from './lib/service-entries.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO502',
  name: 'dns-round-robin-multi-endpoint',
  severity: 'error',
  title: 'A DNS_ROUND_ROBIN ServiceEntry has more than one endpoint',
  why:
    'resolution: DNS_ROUND_ROBIN becomes an Envoy LOGICAL_DNS cluster, which takes exactly one endpoint and uses only the ' +
    'first address its name resolves to. Istio\'s webhook rejects more than one inline endpoint; endpoints that come in through ' +
    'a workloadSelector, or objects that got in anyway, make Envoy reject the cluster. Either way there is one endpoint at most: ' +
    'no locality preference and no failover.',
  remediation: 'Use resolution: DNS (Envoy STRICT_DNS): every endpoint is kept with its own locality, and failover works.',
  // Selected WorkloadEntries and pods only add endpoints: without them the check can still judge inline ones.
  requires: ['ServiceEntry'],
  references: [
    'pkg/config/validation/validation.go ValidateServiceEntry ("there must only be 0 or 1 endpoint")',
    'pilot/pkg/networking/core/cluster.go convertResolution (DNS_ROUND_ROBIN → LOGICAL_DNS)',
    'https://github.com/istio/istio/issues/42184',
  ],
  examples: {
    bad:
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: external-svc-dns\n  namespace: default\nspec:\n  hosts: [mydb.com]\n' +
      '  resolution: DNS_ROUND_ROBIN\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  endpoints:\n' +
      '  - {address: dynamodb.us-east-1.amazonaws.com, locality: us-east1}\n  - {address: dynamodb.us-west-1.amazonaws.com, locality: us-west}',
    good:
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: external-svc-dns\n  namespace: default\nspec:\n  hosts: [mydb.com]\n' +
      '  resolution: DNS\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  endpoints:\n' +
      '  - {address: dynamodb.us-east-1.amazonaws.com, locality: us-east1}\n  - {address: dynamodb.us-west-1.amazonaws.com, locality: us-west}',
  },
};

export const fo502 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    for (const se of ctx.objects.ServiceEntry) {
      if (resolutionOf(se) !== 'DNS_ROUND_ROBIN') continue;
      const eps = serviceEntryEndpoints(ctx, se);
      if (eps.length <= 1) continue;
      const inline = eps.filter((e) => e.source === 'inline').length;
      const selected = eps.length - inline;
      const how =
        inline > 1
          ? 'Istio\'s webhook rejects more than one endpoint, and if it got in anyway Envoy rejects the LOGICAL_DNS cluster'
          : 'the webhook does not see endpoints selected by workloadSelector, but Envoy\'s LOGICAL_DNS cluster takes exactly one';
      out.push(
        finding(meta, {
          context: ctx,
          object: se,
          message:
            `ServiceEntry ${se.metadata.namespace}/${se.metadata.name} uses resolution: DNS_ROUND_ROBIN with ${eps.length} endpoints ` +
            `(${eps.map(endpointLabel).join(', ')}): ${how}, so one endpoint at most is used: no locality preference, no failover. Use resolution: DNS.`,
          remediation: patchRemediation(
            'Switch the ServiceEntry to resolution: DNS (Envoy STRICT_DNS keeps every endpoint with its locality).',
            ctx.name,
            refOf(se),
            {spec: {resolution: 'DNS'}},
          ),
          details: {endpoints: eps.length, inlineEndpoints: inline, selectedEndpoints: selected, addresses: eps.map((e) => e.address)},
        }),
      );
    }
  }
  return out;
});
