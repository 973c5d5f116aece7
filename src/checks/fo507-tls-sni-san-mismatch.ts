import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation, Severity} from '../model/types.js';
import {refOf} from '../model/types.js';
import {SERVICE_ENTRY} from '../istio/constants.js';
import {hostMatches} from '../istio/hosts.js';
import type {ClientTls, DestinationRuleSpec} from '../istio/types.js';
import {kubectl, patchRemediation} from '../remedy/kubectl.js';
import {
  applyMergePatch,
  destinationRuleOfHost,
  effectiveEndpoints,
  isHostnameAddress,
  isHttpProtocol,
  istiodEnv,
  istioVersion,
  normalizeHost,
  originatesTls,
  portTls,
  seHosts,
  sePortProtocol,
  sePorts,
  versionAtLeast,
} from './lib/service-entries.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {EXTERNAL_DB, externalDbExample} from './lib/examples.js';

const SINCE = SERVICE_ENTRY.autoSniSinceIstio;
const SINCE_TEXT = `${SINCE[0]}.${SINCE[1]}`;

const meta: CheckMeta = {
  code: 'FO507',
  name: 'tls-sni-san-mismatch',
  severity: 'error',
  severityNote: `error on Istio ≥ ${SINCE_TEXT} (or an unknown version); warning before ${SINCE_TEXT}, where auto SNI/SAN validation is off by default and only an upgrade breaks it`,
  title: 'TLS originated without sni/subjectAltNames to endpoints named differently from the host',
  why:
    `When a DestinationRule originates TLS (SIMPLE or MUTUAL) and sets neither sni nor subjectAltNames, Istio turns on Envoy's auto SNI ` +
    `and auto SAN validation (on by default since Istio ${SINCE_TEXT}, with server certificates verified against the OS CAs): the SNI is the ` +
    'request\'s Host, e.g. the ServiceEntry host, and the server certificate must carry that name. Endpoints named differently ' +
    '(regional endpoints of a cloud service) present certificates for their own names, so every request fails verification and ' +
    'failover lands on endpoints that fail the same way.',
  remediation:
    'List the endpoints\' names in tls.subjectAltNames (a fixed sni fits only one endpoint), or use a host that every endpoint\'s certificate carries.',
  requires: ['ServiceEntry', 'DestinationRule', 'WorkloadEntry'],
  references: [
    'pilot/pkg/networking/core/cluster_tls.go setAutoSniAndAutoSanValidation',
    'https://istio.io/latest/news/releases/1.21.x/announcing-1.21/upgrade-notes/ (ENABLE_AUTO_SNI, VERIFY_CERT_AT_CLIENT default true)',
    'https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto (auto_sni, auto_san_validation)',
  ],
  examples: {
    bad: externalDbExample({ports: EXTERNAL_DB.httpTo443, endpoints: EXTERNAL_DB.endpoints(), trafficPolicy: ['tls:', '  mode: SIMPLE']}),
    good: externalDbExample({
      ports: EXTERNAL_DB.httpTo443,
      endpoints: EXTERNAL_DB.endpoints(),
      trafficPolicy: ['tls:', '  mode: SIMPLE', '  subjectAltNames:', '  - dynamodb.us-east-1.amazonaws.com', '  - dynamodb.us-west-1.amazonaws.com'],
    }),
  },
};

/** TLS that Istio validates with auto SAN against the request's Host: originated, no sni, no subjectAltNames, verification on. */
function autoSanValidated(tls: ClientTls | undefined): boolean {
  if (!originatesTls(tls)) return false;
  if (tls!.sni) return false;
  if ((tls!.subjectAltNames?.length ?? 0) > 0) return false;
  return (tls as {insecureSkipVerify?: boolean}).insecureSkipVerify !== true;
}

interface VersionVerdict {
  readonly severity: Severity;
  readonly note: string;
}

/** Which auto SNI behaviour this context has, or undefined when it is off (ENABLE_AUTO_SNI=false on istiod). */
function versionVerdict(ctx: ContextSnapshot): VersionVerdict | undefined {
  const env = istiodEnv(ctx, SERVICE_ENTRY.autoSniEnv)?.toLowerCase();
  if (env === 'false') return undefined;
  const v = istioVersion(ctx);
  if (!v) return {severity: 'error', note: `Istio version unknown: the newest behaviour is assumed (auto SNI and auto SAN validation on by default since ${SINCE_TEXT})`};
  if (versionAtLeast(v, SINCE)) return {severity: 'error', note: `Istio ${v.raw}: auto SNI and auto SAN validation are on by default since ${SINCE_TEXT}`};
  if (env === 'true') return {severity: 'error', note: `Istio ${v.raw} with ${SERVICE_ENTRY.autoSniEnv}=true on istiod: auto SNI and auto SAN validation are on`};
  return {
    severity: 'warning',
    note: `Istio ${v.raw}: before ${SINCE_TEXT} auto SNI/SAN validation may be off (it is unless ${SERVICE_ENTRY.autoSniEnv} is set), so this may work today, but upgrading to ${SINCE_TEXT} or later breaks it`,
  };
}

export const fo507 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const verdict = versionVerdict(ctx);
    if (!verdict) continue;
    for (const se of ctx.objects.ServiceEntry) {
      const hosts = seHosts(se);
      if (hosts.length === 0) continue;
      const eps = effectiveEndpoints(ctx, se, hosts[0]!);
      const names = [...new Set(eps.filter((e) => isHostnameAddress(e.address)).map((e) => normalizeHost(e.address)))];
      // The names the Host header can carry: the ServiceEntry's hosts (wildcards included).
      const differing = names.filter((n) => !hosts.some((h) => hostMatches(normalizeHost(h), n)));
      if (differing.length === 0) continue;
      const seen = new Set<string>();
      for (const host of hosts) {
        const dr = destinationRuleOfHost(ctx, se, host);
        if (!dr) continue;
        const key = `${dr.metadata.namespace}/${dr.metadata.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // auto SNI/SAN are HTTP upstream options: they act on ports that carry HTTP (TLS origination of HTTP).
        const bad = sePorts(se)
          .filter((p) => isHttpProtocol(sePortProtocol(p)))
          .map((p) => ({port: p.number, tls: portTls(dr, p.number).filter((t) => autoSanValidated(t.tls))}))
          .filter((x) => x.tls.length > 0);
        if (bad.length === 0) continue;
        // The names every endpoint's certificate may carry: the differing names, plus the host for endpoints named like it or by IP.
        const sans = [...differing, ...(eps.some((e) => !isHostnameAddress(e.address) || !differing.includes(normalizeHost(e.address))) ? [normalizeHost(host)] : [])];
        const subsets = [...new Set(bad.flatMap((b) => b.tls.filter((t) => t.subset).map((t) => t.subset!)))];
        const defaultPorts = bad.filter((b) => b.tls.some((t) => !t.subset)).map((b) => b.port);
        const summary =
          'List the endpoint names in tls.subjectAltNames so that each endpoint\'s certificate verifies' +
          (subsets.length ? ` (in subsets ${subsets.join(', ')} too)` : '') +
          '; a fixed sni would fit only one endpoint, and the server must still answer the SNI it gets.';
        const remediation: Remediation =
          defaultPorts.length > 0
            ? patchRemediation(summary, ctx.name, refOf(dr), sanPatch(dr, defaultPorts, sans))
            : {summary, commands: [kubectl(ctx.name, dr.metadata.namespace, 'edit', 'destinationrule', dr.metadata.name)]};
        out.push(
          finding(meta, {
            context: ctx,
            object: dr,
            severity: verdict.severity,
            message:
              `DestinationRule ${key} originates TLS for ${host} (port ${bad.map((b) => b.port).join(', ')}) without sni or subjectAltNames, ` +
              `but ServiceEntry ${se.metadata.namespace}/${se.metadata.name} sends to ${differing.join(', ')}: Envoy sends SNI ${host} and ` +
              `checks the server certificate for ${host}, which those endpoints' certificates do not carry, so requests fail verification ` +
              `(${verdict.note}).`,
            remediation,
            details: {
              host,
              serviceEntry: `${se.metadata.namespace}/${se.metadata.name}`,
              endpointNames: differing,
              ports: bad.map((b) => b.port),
              istioVersion: istioVersion(ctx)?.raw,
              subjectAltNames: sans,
            },
          }),
        );
      }
    }
  }
  return out;
});

/** Merge patch adding subjectAltNames where the tls of each port is defined: its portLevelSettings entry, else the top level. */
function sanPatch(dr: KubeObject, ports: readonly number[], sans: readonly string[]): unknown {
  const tp = ((dr.spec ?? {}) as DestinationRuleSpec).trafficPolicy ?? {};
  const entries = tp.portLevelSettings ?? [];
  const trafficPolicy: Record<string, unknown> = {};
  let listChanged = false;
  const list = entries.map((e) => {
    if (e.port?.number !== undefined && ports.includes(e.port.number) && e.tls) {
      listChanged = true;
      return applyMergePatch(e, {tls: {subjectAltNames: sans}});
    }
    return e;
  });
  const topLevel = ports.some((p) => !entries.some((e) => e.port?.number === p));
  if (topLevel) trafficPolicy.tls = {subjectAltNames: sans};
  if (listChanged) trafficPolicy.portLevelSettings = list;
  return {spec: {trafficPolicy}};
}
