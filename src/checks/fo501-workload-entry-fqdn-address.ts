import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {refOf} from '../model/types.js';
import {SERVICE_ENTRY} from '../istio/constants.js';
import {selectsLabels} from '../istio/selectors.js';
import type {WorkloadEntrySpec} from '../istio/types.js';
import {isTetrate, servicePorts} from '../istio/workloads.js';
import {kubectl, patchCommand, resourceName} from '../remedy/kubectl.js';
import {isHostnameAddress, resolutionOf, seSpec, servicePortProtocol, toYaml, workloadEntryLabels} from './lib/service-entries.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO501',
  name: 'workload-entry-fqdn-address',
  severity: 'error',
  title: 'A WorkloadEntry with a hostname address is selected where Istio needs an IP',
  why:
    'Istio builds EDS endpoints from IP addresses only: a WorkloadEntry whose address is a DNS name is marked ' +
    '"DNS ServiceEntry only", so a Kubernetes Service that selects it ignores it and a STATIC ServiceEntry skips it. ' +
    'The remote instance it stands for (often an east-west gateway) never becomes an endpoint, so there is nothing to ' +
    'fail over to. Only a ServiceEntry with resolution DNS lets Envoy resolve the name.',
  remediation:
    'Give the WorkloadEntry an IP address, or let Envoy resolve the name through a ServiceEntry with resolution: DNS. ' +
    'Under Tetrate Service Bridge, enable ENABLE_DNS_RESOLUTION_AT_EDGE on the ControlPlane so that XCP edge writes IPs.',
  requires: ['WorkloadEntry', 'Service', 'ServiceEntry'],
  references: [
    'pilot/pkg/serviceregistry/serviceentry/conversion.go convertWorkloadEntryToWorkloadInstance (DNSServiceEntryOnly)',
    'pilot/pkg/serviceregistry/serviceentry/controller.go workloadEntryHandler ("skip selecting workload instance")',
    'pilot/pkg/xds/endpoints/endpoint_builder.go (non-IP addresses dropped from EDS)',
    'https://docs.tetrate.io/service-bridge/operations/features/edge-dns-resolution',
  ],
  examples: {
    bad:
      'apiVersion: v1\n' +
      'kind: Service\n' +
      'metadata: {name: details, namespace: bookinfo}\n' +
      'spec:\n' +
      '  selector: {app: details}\n' +
      '  ports: [{name: http, port: 9080}]\n' +
      '---\n' +
      'apiVersion: networking.istio.io/v1\n' +
      'kind: WorkloadEntry\n' +
      'metadata:\n' +
      '  name: k-details-2563fd2d\n' +
      '  namespace: bookinfo\n' +
      '  labels: {app: details}\n' +
      'spec:\n' +
      '  address: ab02acc8e39f2407-1914098926.ca-central-1.elb.amazonaws.com.\n' +
      '  ports: {http: 15443}\n',
    good:
      'apiVersion: v1\n' +
      'kind: Service\n' +
      'metadata: {name: details, namespace: bookinfo}\n' +
      'spec:\n' +
      '  selector: {app: details}\n' +
      '  ports: [{name: http, port: 9080}]\n' +
      '---\n' +
      'apiVersion: networking.istio.io/v1\n' +
      'kind: WorkloadEntry\n' +
      'metadata:\n' +
      '  name: k-details-2563fd2d\n' +
      '  namespace: bookinfo\n' +
      '  labels: {app: details}\n' +
      'spec:\n' +
      '  address: 12.34.56.78\n' +
      '  ports: {http: 15443}\n',
  },
};

/** The ControlPlane snippet of the TSB east-west failover guide (seed 003), for the CR found in the cluster. */
function tetrateSnippet(name: string, namespace: string): string {
  return [
    'apiVersion: install.tetrate.io/v1alpha1',
    'kind: ControlPlane',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  components:',
    '    xcp:',
    '      ...',
    '      kubeSpec:',
    '        overlays:',
    '          - apiVersion: install.xcp.tetrate.io/v1alpha1',
    '            kind: EdgeXcp',
    '            name: edge-xcp',
    '            patches:',
    '              ...',
    '              - path: spec.components.edgeServer.kubeSpec.deployment.env[-1]',
    '                value:',
    `                  name: ${SERVICE_ENTRY.tetrateEdgeDnsEnv}`,
    '                  value: "true"',
    '  ...',
    '',
  ].join('\n');
}

function tetrateRemediation(ctx: ContextSnapshot): {remediation: Remediation; alreadySet: boolean} {
  const cp = ctx.objects.ControlPlane[0];
  const name = cp?.metadata.name ?? SERVICE_ENTRY.tetrateControlPlaneName;
  const ns = cp?.metadata.namespace ?? ctx.istioNamespace;
  const alreadySet = !!cp && JSON.stringify(cp.spec ?? {}).includes(SERVICE_ENTRY.tetrateEdgeDnsEnv);
  const ref = {apiVersion: 'install.tetrate.io/v1alpha1', kind: 'ControlPlane', namespace: ns, name};
  return {
    alreadySet,
    remediation: {
      summary:
        `Enable ${SERVICE_ENTRY.tetrateEdgeDnsEnv}=true on the XCP edge: edit the ControlPlane ${ns}/${name} and add the EdgeXcp ` +
        'overlay patch of the snippet under spec.components.xcp.kubeSpec.overlays (keep your existing overlays and patches; a merge ' +
        'patch would replace those lists, so edit the object). XCP edge then writes the gateway\'s IP addresses into the ' +
        'WorkloadEntries; check the ADDRESS column afterwards.',
      commands: [kubectl(ctx.name, ns, 'edit', resourceName(ref), name), kubectl(ctx.name, undefined, 'get', 'workloadentries', '-A')],
      snippet: tetrateSnippet(name, ns),
    },
  };
}

/** ServiceEntry port protocols Istio accepts; anything else (an unnamed or oddly named port) is written as TCP. */
const SE_PROTOCOLS: readonly string[] = ['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'GRPC-WEB', 'TLS', 'TCP', 'MONGO', 'MYSQL', 'REDIS', 'UDP'];

function snippetProtocol(p: string | undefined): string {
  return p && SE_PROTOCOLS.includes(p) ? p : 'TCP';
}

function dnsServiceEntrySnippet(we: KubeObject, services: readonly KubeObject[], staticSes: readonly KubeObject[]): string {
  const se = staticSes[0];
  if (se) {
    // The selecting ServiceEntry itself, with resolution DNS: Envoy resolves the WorkloadEntry's name.
    const spec = {...seSpec(se), resolution: 'DNS'};
    return toYaml({apiVersion: se.apiVersion, kind: 'ServiceEntry', metadata: {name: se.metadata.name, namespace: se.metadata.namespace}, spec});
  }
  const svc = services[0]!;
  const ports = servicePorts(svc).map((p) => ({number: p.port, name: p.name ?? `port-${p.port}`, protocol: snippetProtocol(servicePortProtocol(p)), ...(typeof p.targetPort === 'number' ? {targetPort: p.targetPort} : {})}));
  return (
    '# A Kubernetes Service wins over a ServiceEntry of the same host in its namespace: give this one a host of its own\n' +
    '# and let the clients (or a VirtualService) use it.\n' +
    toYaml({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: {name: `${we.metadata.name}-dns`, namespace: we.metadata.namespace},
      spec: {
        hosts: ['<host the clients call>'],
        location: 'MESH_INTERNAL',
        resolution: 'DNS',
        ports,
        workloadSelector: {labels: svc.spec?.selector ?? {}},
      },
    })
  );
}

function plainRemediation(ctx: ContextSnapshot, we: KubeObject, address: string, services: readonly KubeObject[], staticSes: readonly KubeObject[]): Remediation {
  const weAddressCmd = patchCommand(ctx.name, refOf(we), {type: 'merge', body: {spec: {address: `<IP address of ${address}>`}}});
  if (staticSes.length > 0) {
    const seCmds = staticSes.map((se) => patchCommand(ctx.name, refOf(se), {type: 'merge', body: {spec: {resolution: 'DNS'}}}));
    return {
      summary:
        `Switch ServiceEntry ${staticSes.map((s) => s.metadata.name).join(', ')} to resolution: DNS so that Envoy resolves ${address} ` +
        '(IP addresses keep working under DNS)' +
        (services.length > 0 ? `; Service ${services.map((s) => s.metadata.name).join(', ')} still needs an IP address in the WorkloadEntry` : '') +
        '. Or set the WorkloadEntry\'s address to an IP the name resolves to (one WorkloadEntry per IP; it goes stale when the IPs change).',
      commands: services.length > 0 ? [...seCmds, weAddressCmd] : seCmds,
      snippet: dnsServiceEntrySnippet(we, services, staticSes),
    };
  }
  return {
    summary:
      `Set the WorkloadEntry's address to an IP that ${address} resolves to (one WorkloadEntry per IP; replace the placeholder, and ` +
      'revisit when a load balancer\'s IPs change), or reach the instance through a ServiceEntry with resolution: DNS (snippet) instead of the Service.',
    commands: [weAddressCmd],
    snippet: dnsServiceEntrySnippet(we, services, staticSes),
  };
}

export const fo501 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const tetrate = isTetrate(ctx);
    for (const we of ctx.objects.WorkloadEntry) {
      const address = ((we.spec ?? {}) as WorkloadEntrySpec).address;
      if (!isHostnameAddress(address)) continue;
      const ns = we.metadata.namespace ?? '';
      const labels = workloadEntryLabels(we);
      // Who needs an IP: Kubernetes Services (they ignore DNS-only entries) and STATIC ServiceEntries (they skip them).
      // A NONE ServiceEntry skips it too, but sidecars send its traffic to the original destination anyway.
      const services = ctx.index.byNamespace('Service', ns).filter((svc) => selectsLabels(svc.spec?.selector as Record<string, string> | undefined, labels));
      const staticSes = ctx.index.byNamespace('ServiceEntry', ns).filter(
        (se) => resolutionOf(se) === 'STATIC' && selectsLabels(seSpec(se).workloadSelector?.labels, labels),
      );
      if (services.length === 0 && staticSes.length === 0) continue;
      const selectors = [
        ...services.map((s) => `Service ${s.metadata.name}`),
        ...staticSes.map((s) => `STATIC ServiceEntry ${s.metadata.name}`),
      ];
      let message =
        `WorkloadEntry ${ns}/${we.metadata.name} has the hostname address ${address!}; ${selectors.join(', ')} select${selectors.length === 1 ? 's' : ''} it, ` +
        'and Istio drops WorkloadEntries with a hostname from their endpoints (only a DNS ServiceEntry resolves them): ' +
        'the instance it stands for gets no traffic and cannot take over on failover.';
      let remediation: Remediation;
      if (tetrate) {
        const t = tetrateRemediation(ctx);
        remediation = t.remediation;
        message += t.alreadySet
          ? ` The ControlPlane mentions ${SERVICE_ENTRY.tetrateEdgeDnsEnv}, yet XCP edge still writes hostnames: check that the overlay reaches the edge Deployment and that edge restarted.`
          : ` Under Tetrate, XCP edge writes the east-west gateway's hostname unless ${SERVICE_ENTRY.tetrateEdgeDnsEnv} is enabled on the ControlPlane.`;
      } else {
        remediation = plainRemediation(ctx, we, address!, services, staticSes);
      }
      out.push(
        finding(meta, {
          context: ctx,
          object: we,
          message,
          remediation,
          details: {
            address,
            services: services.map((s) => s.metadata.name),
            serviceEntries: staticSes.map((s) => s.metadata.name),
            tetrate,
          },
        }),
      );
    }
  }
  return out;
});
