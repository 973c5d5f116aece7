import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {refOf} from '../model/types.js';
import {SERVICE_ENTRY} from '../istio/constants.js';
import {destinationRuleFor, serviceFqdn} from '../istio/hosts.js';
import {hasSidecar, podsOfService, servicePorts, type ServicePort} from '../istio/workloads.js';
import {kubectl, patchCommand, patchRemediation} from '../remedy/kubectl.js';
import {
  destinationRuleOfHost,
  effectiveEndpoints,
  endpointPortFor,
  gatewayServesHost,
  isHostnameAddress,
  isHttpProtocol,
  isTlsProtocol,
  normalizeHost,
  originatesTls,
  portTls,
  seHosts,
  sePortProtocol,
  sePorts,
  servicePortProtocol,
  tlsOriginatedFor,
  tlsPatchForPorts,
  toYaml,
} from './lib/service-entries.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {EXTERNAL_DB, externalDbExample} from './lib/examples.js';

const meta: CheckMeta = {
  code: 'FO505',
  name: 'tls-origination-mismatch',
  severity: 'error',
  title: 'Plain HTTP sent to a TLS port, or TLS originated on top of the client\'s TLS',
  why:
    'An HTTP port whose endpoints listen on 443 gets plain HTTP unless the DestinationRule originates TLS (tls.mode SIMPLE or ' +
    'MUTUAL): the endpoint answers with a TLS error or a 400, every request fails, and outlier detection ejects every endpoint ' +
    'in turn. The reverse, SIMPLE or MUTUAL on an HTTPS/TLS port whose client already speaks TLS, wraps TLS in TLS (double ' +
    'TLS). A portLevelSettings entry replaces the top-level tls for its port.',
  remediation:
    'For an HTTP port to 443, originate TLS (tls.mode: SIMPLE) in the DestinationRule for that port; for an HTTPS/TLS port, ' +
    'remove the DestinationRule tls, or declare the port HTTP and let the application send plain HTTP.',
  // IstioGateway: a Gateway serving the host excuses TLS origination on a TLS port (egress pattern).
  requires: ['ServiceEntry', 'Service', 'DestinationRule', 'IstioGateway'],
  references: [
    'https://istio.io/latest/docs/ops/common-problems/network-issues/#double-tls',
    'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/',
    'https://istio.io/latest/blog/2021/external-locality-failover/ (HTTP port 80, targetPort 443, tls SIMPLE)',
    'pilot/pkg/networking/util/util.go GetPortLevelTrafficPolicy',
  ],
  examples: {
    bad: externalDbExample({ports: EXTERNAL_DB.httpTo443, endpoints: EXTERNAL_DB.endpoints(), trafficPolicy: [EXTERNAL_DB.outlierDetection, '# no tls: plain HTTP goes to port 443']}),
    good: externalDbExample({
      ports: EXTERNAL_DB.httpTo443,
      endpoints: EXTERNAL_DB.endpoints(),
      trafficPolicy: [EXTERNAL_DB.outlierDetection, 'tls:', '  mode: SIMPLE', '  subjectAltNames: [dynamodb.us-east-1.amazonaws.com, dynamodb.us-west-1.amazonaws.com]'],
    }),
  },
};

const HTTPS = SERVICE_ENTRY.httpsPort;

/** Add (tls mode SIMPLE) or remove (null) the DestinationRule tls for some ports of a host. */
function drTlsRemediation(
  ctx: ContextSnapshot,
  opts: {dr: KubeObject | undefined; host: string; namespace: string; name: string; ports: number[]; allPorts: boolean; tls: Record<string, unknown> | null; summary: string},
): Remediation {
  const {dr} = opts;
  if (dr) {
    const body = tlsPatchForPorts(dr, opts.ports, opts.tls, opts.allPorts);
    // When a DestinationRule applies, the fix is in it, so it is the flagged object and carries the patch.
    return {summary: opts.summary, commands: [patchCommand(ctx.name, refOf(dr), {type: 'merge', body})], patch: {type: 'merge', body}};
  }
  const trafficPolicy = opts.allPorts ? {tls: opts.tls} : {portLevelSettings: opts.ports.map((number) => ({port: {number}, tls: opts.tls}))};
  return {
    summary: `${opts.summary} No DestinationRule applies to ${opts.host}: create one (pipe the snippet into the command).`,
    commands: [kubectl(ctx.name, opts.namespace, 'apply', '-f', '-')],
    snippet: toYaml({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: opts.name, namespace: opts.namespace}, spec: {host: opts.host, trafficPolicy}}),
  };
}

function drName(dr: KubeObject | undefined): string {
  return dr ? `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}` : 'no DestinationRule';
}

function checkServiceEntry(ctx: ContextSnapshot, se: KubeObject, out: Finding[]): void {
  const hosts = seHosts(se);
  const ports = sePorts(se);
  if (hosts.length === 0 || ports.length === 0) return;
  const ns = se.metadata.namespace ?? '';
  const eps = effectiveEndpoints(ctx, se, hosts[0]!);
  const named = [...new Set(eps.filter((e) => isHostnameAddress(e.address)).map((e) => normalizeHost(e.address)))];
  const hostSet = new Set(hosts.map(normalizeHost));
  const otherNames = named.filter((n) => !hostSet.has(n));
  const seen = new Set<string>();
  for (const host of hosts) {
    const dr = destinationRuleOfHost(ctx, se, host);
    // Hosts of one ServiceEntry that share a DestinationRule share its verdict: report once.
    const drKey = dr ? `${dr.metadata.namespace}/${dr.metadata.name}` : '';
    if (seen.has(drKey)) continue;
    seen.add(drKey);
    // Plain HTTP to a TLS port: HTTP-speaking ports whose endpoints listen on 443.
    const plain = ports.filter((p) => {
      if (!isHttpProtocol(sePortProtocol(p))) return false;
      const targets = eps.length > 0 ? eps.map((e) => endpointPortFor(e, p)) : [endpointPortFor({address: '', ports: {}}, p)];
      return targets.includes(HTTPS) && !tlsOriginatedFor(dr, p.number);
    });
    for (const p of plain) {
      const allPorts = plain.length === ports.length;
      const tls = {mode: 'SIMPLE', ...(otherNames.length > 0 ? {subjectAltNames: otherNames} : {})};
      out.push(
        finding(meta, {
          context: ctx,
          // The object to fix: the DestinationRule when one applies, else the ServiceEntry (a rule is to be created).
          object: dr ?? se,
          message:
            `ServiceEntry ${ns}/${se.metadata.name} port ${p.number} (${p.name ?? 'unnamed'}, ${sePortProtocol(p)}) sends to port ${HTTPS} of its endpoints, ` +
            `but ${drName(dr)} originates no TLS for ${host}:${p.number}${dr && portTls(dr, p.number)[0]!.portLevel ? ' (its portLevelSettings entry for the port replaces the top-level tls)' : ''}: ` +
            'plain HTTP reaches a TLS port, every request fails, and outlier detection ejects the endpoints one after the other.',
          remediation: drTlsRemediation(ctx, {
            dr,
            host,
            namespace: ns,
            name: se.metadata.name,
            ports: [p.number],
            allPorts,
            tls,
            summary:
              `Originate TLS for port ${p.number}: tls.mode SIMPLE in the DestinationRule (the application keeps sending plain HTTP)` +
              (otherNames.length > 0 ? ', with subjectAltNames for the endpoint names, which differ from the host (see FO507)' : '') +
              '.',
          }),
          details: {host, port: p.number, protocol: sePortProtocol(p), endpointPort: HTTPS, destinationRule: dr?.metadata.name, case: 'plain-http-to-tls'},
        }),
      );
    }
    // Double TLS: the client already speaks TLS on HTTPS/TLS ports. Not when a Gateway serves this host
    // (an egress gateway routes plain HTTP to the TLS port and originates there: Istio's egress TLS origination task).
    if (!dr) continue;
    const gateway = gatewayServesHost(ctx, host);
    if (gateway) continue;
    // Only the default (subset-less) cluster counts: a subset that originates TLS is reached through a route someone chose
    // (the egress-gateway pattern routes plain HTTP to a `tls-origination` subset), and a subset with tls DISABLE is a
    // passthrough path built on purpose.
    const doubled = ports.filter((p) => {
      if (!isTlsProtocol(sePortProtocol(p))) return false;
      const [base, ...subsets] = portTls(dr, p.number);
      return originatesTls(base!.tls) && !subsets.some((t) => String(t.tls?.mode ?? '').toUpperCase() === 'DISABLE');
    });
    for (const p of doubled) {
      const all = portTls(dr, p.number).filter((t) => originatesTls(t.tls));
      const subsets = all.filter((t) => t.subset).map((t) => t.subset!);
      const mode = String(all[0]!.tls!.mode).toUpperCase();
      const allPorts = doubled.length === ports.length;
      out.push(
        finding(meta, {
          context: ctx,
          // The object to fix: the DestinationRule when one applies, else the ServiceEntry (a rule is to be created).
          object: dr ?? se,
          message:
            `ServiceEntry ${ns}/${se.metadata.name} port ${p.number} is ${sePortProtocol(p)}, so the application already speaks TLS, and ${drName(dr)} ` +
            `sets tls.mode ${mode} for ${host}:${p.number}${subsets.length ? ` (subsets: ${subsets.join(', ')})` : ''}: Envoy wraps that TLS in TLS again (double TLS) and the handshake fails.`,
          remediation: drTlsRemediation(ctx, {
            dr,
            host,
            namespace: ns,
            name: se.metadata.name,
            ports: [p.number],
            allPorts,
            tls: null,
            summary:
              `Remove the DestinationRule tls for port ${p.number} (the application's own TLS passes through)` +
              (subsets.length ? `, also in subsets ${subsets.join(', ')}` : '') +
              `; or, to have Istio originate TLS, declare the port protocol HTTP and let the application send plain HTTP to port ${p.number}.`,
          }),
          details: {host, port: p.number, protocol: sePortProtocol(p), tlsMode: mode, destinationRule: dr.metadata.name, case: 'double-tls'},
        }),
      );
    }
  }
}

/** The port a Service port's traffic reaches on its endpoints: targetPort (a name resolved through EndpointSlices or pods), else the port. */
function serviceTargetPort(ctx: ContextSnapshot, svc: KubeObject, port: ServicePort): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  if (port.targetPort === undefined || port.targetPort === '') return port.port;
  const ns = svc.metadata.namespace ?? '';
  for (const slice of ctx.index.byNamespace('EndpointSlice', ns)) {
    if (slice.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue;
    const hit = ((slice as {ports?: {name?: string; port?: number}[]}).ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
    if (typeof hit?.port === 'number') return hit.port;
  }
  for (const pod of podsOfService(ctx, svc)) {
    for (const c of (pod.spec?.containers ?? []) as {ports?: {name?: string; containerPort?: number}[]}[]) {
      const hit = (c.ports ?? []).find((p) => p.name === port.targetPort);
      if (typeof hit?.containerPort === 'number') return hit.containerPort;
    }
  }
  return undefined;
}

function checkService(ctx: ContextSnapshot, svc: KubeObject, out: Finding[]): void {
  // ExternalName Services are aliases since Istio 1.21 (DestinationRules of the alias do not apply).
  if (svc.spec?.type === 'ExternalName') return;
  const ports = servicePorts(svc);
  const httpTo443 = ports.filter((p) => isHttpProtocol(servicePortProtocol(p)) && serviceTargetPort(ctx, svc, p) === HTTPS);
  if (httpTo443.length === 0) return;
  const ns = svc.metadata.namespace ?? '';
  const host = serviceFqdn(svc);
  const dr = destinationRuleFor(ctx, host, {clientNs: ns, serviceNs: ns});
  const plain = httpTo443.filter((p) => !tlsOriginatedFor(dr, p.port));
  if (plain.length === 0) return;
  const pods = podsOfService(ctx, svc);
  const meshed = pods.some(hasSidecar);
  // The pods say what they serve on 443 when they name the container port: an HTTP name means plain HTTP there.
  const namedHttp = pods.some((pod) =>
    ((pod.spec?.containers ?? []) as {ports?: {name?: string; containerPort?: number}[]}[]).some((c) =>
      (c.ports ?? []).some((cp) => cp.containerPort === HTTPS && isHttpProtocol(servicePortProtocol({port: HTTPS, ...(cp.name ? {name: cp.name} : {})}))),
    ),
  );
  if (namedHttp) return;
  for (const p of plain) {
    const proto = servicePortProtocol(p);
    const remediation: Remediation = meshed
      ? patchRemediation(
          `The pods behind ${svc.metadata.name} have sidecars, so Istio's own mTLS carries the hop and TLS origination does not fit: if the pods serve TLS on ${HTTPS}, ` +
            'declare the port https (the clients then speak TLS and Istio passes it through); if they serve plain HTTP there, name the container port http to say so.',
          ctx.name,
          refOf(svc),
          {spec: {ports: [{port: p.port, appProtocol: 'https'}]}},
          'strategic',
        )
      : drTlsRemediation(ctx, {
          dr,
          host,
          namespace: ns,
          name: svc.metadata.name,
          ports: [p.port],
          allPorts: plain.length === ports.length,
          tls: {mode: 'SIMPLE'},
          summary: `Originate TLS for port ${p.port}: tls.mode SIMPLE in the DestinationRule (clients keep sending plain HTTP).`,
        });
    out.push(
      finding(meta, {
        context: ctx,
        object: meshed || !dr ? svc : dr,
        message:
          `Service ${ns}/${svc.metadata.name} port ${p.port} (${p.name ?? 'unnamed'}${p.appProtocol ? `, appProtocol ${p.appProtocol}` : ''}) is ${proto} and reaches ` +
          `port ${HTTPS} of its endpoints, but ${drName(dr)} originates no TLS for ${host}:${p.port}: plain HTTP reaches a TLS port and every request fails.`,
        remediation,
        details: {host, port: p.port, protocol: proto, endpointPort: HTTPS, destinationRule: dr?.metadata.name, meshed, case: 'plain-http-to-tls'},
      }),
    );
  }
}

export const fo505 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    for (const se of ctx.objects.ServiceEntry) checkServiceEntry(ctx, se, out);
    for (const svc of ctx.objects.Service) checkService(ctx, svc, out);
  }
  return out;
});
