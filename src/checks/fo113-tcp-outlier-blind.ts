import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation, Severity} from '../model/types.js';
import type {ServiceEntrySpec} from '../istio/types.js';
import {kubectl, patchCommand} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {analyzeContext, clusterPolicies, ejectsNothing, listText, ruleKey, type HostTarget, type TargetPort} from './lib/policy-targets.js';
import {EXTRA, portProtocol, protocolClass, type PortProtocol, type ProtocolClass} from './lib/policy-extra.js';
import {originatesTls} from './lib/service-entries.js';

const meta: CheckMeta = {
  code: 'FO113',
  name: 'tcp-outlier-blind',
  severity: 'warning',
  severityNote: 'warning for meshed destinations (Services, MESH_INTERNAL ServiceEntries); info for MESH_EXTERNAL ServiceEntries',
  title: 'Outlier detection on a TCP or TLS-passthrough port only sees connection failures',
  why:
    'On a port Istio proxies as opaque TCP (protocol tcp, mongo, mysql, redis; or TLS/HTTPS passed through without TLS ' +
    'origination) Envoy sees no HTTP status: only connect failures and timeouts count toward consecutive5xxErrors and ' +
    'consecutiveGatewayErrors. Inside the mesh the peer is the destination\'s sidecar (or ztunnel), which accepts ' +
    'connections even when the application is down, so a failing instance is practically never ejected and traffic does not fail over.',
  remediation:
    'If the port carries HTTP or gRPC, declare it (appProtocol: http / a port name starting with http-, grpc-); for an ' +
    'external HTTPS service, originate TLS in the sidecar (port protocol HTTP, targetPort 443, DestinationRule tls.mode ' +
    'SIMPLE) so that status codes are seen; otherwise rely on readiness probes (unready pods leave the endpoints) rather than outlier detection.',
  requires: ['DestinationRule', 'Service', 'ServiceEntry', 'Namespace'],
  references: [
    'envoy source/common/upstream/outlier_detection_impl.cc (local-origin failures mapped to 503/504 in non-split mode)',
    'pkg/config/kube/conversion.go ConvertProtocol (appProtocol, port-name prefix, well-known ports)',
    'pkg/config/protocol/instance.go IsTCP',
    'istio/istio#52665, istio/api#909',
  ],
  examples: {
    bad: 'kind: Service\nspec:\n  ports:\n  - name: tcp-web        # really HTTP\n    port: 8080\n---\nkind: DestinationRule\nspec:\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 5}',
    good: 'kind: Service\nspec:\n  ports:\n  - name: http-web\n    port: 8080\n    appProtocol: http',
  },
};

interface Blind {
  readonly target: HostTarget;
  readonly port: TargetPort;
  readonly proto: PortProtocol;
  readonly cls: ProtocolClass;
  readonly subsets: Set<string>;
}

interface Group {
  readonly dr: KubeObject;
  readonly severity: Severity;
  readonly blind: Map<string, Blind>;
}

/** MESH_EXTERNAL is the ServiceEntry default (enum value 0). */
function isExternal(t: HostTarget): boolean {
  if (t.kind !== 'ServiceEntry') return false;
  return String(((t.object.spec ?? {}) as ServiceEntrySpec).location ?? 'MESH_EXTERNAL').toUpperCase() !== 'MESH_INTERNAL';
}

export const fo113 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    const groups = new Map<string, Group>();
    for (const view of an.views) {
      const t = view.target;
      if (!t.policyApplies || !view.dr) continue;
      const ports = new Map(t.ports.map((p) => [p.number, p]));
      for (const c of clusterPolicies(view)) {
        const od = c.policy.outlierDetection;
        if (!od || ejectsNothing(od)) continue; // no outlier detection, or one that ejects nothing (FO104)
        const port = ports.get(c.port);
        if (!port) continue;
        const proto = portProtocol(t.kind, port);
        const cls = protocolClass(proto.protocol);
        if (cls === 'other') continue;
        // TLS/HTTPS with TLS origination on top is double TLS (FO505), not a blind spot of outlier detection.
        if (cls === 'tls-passthrough' && originatesTls(c.policy.tls)) continue;
        const severity: Severity = isExternal(t) ? 'info' : 'warning';
        const gk = `${ruleKey(view.dr)}\u0000${severity}`;
        let g = groups.get(gk);
        if (!g) groups.set(gk, (g = {dr: view.dr, severity, blind: new Map()}));
        const bk = `${t.kind}\u0000${t.host}\u0000${port.number}`;
        let b = g.blind.get(bk);
        if (!b) g.blind.set(bk, (b = {target: t, port, proto, cls, subsets: new Set()}));
        if (c.subset !== undefined) b.subsets.add(c.subset);
      }
    }
    for (const g of groups.values()) out.push(report(ctx, g));
  }
  return out;
});

function portText(b: Blind): string {
  const how =
    b.proto.source === 'well-known port'
      ? `TCP: well-known port ${b.port.number}, not sniffed`
      : b.proto.source === 'appProtocol'
        ? `${b.proto.protocol} from appProtocol ${b.port.appProtocol}`
        : b.proto.source === 'port name'
          ? `${b.proto.protocol} from port name ${b.port.name}`
          : `protocol ${b.proto.protocol}`;
  const kind = b.cls === 'tls-passthrough' ? 'TLS passed through' : 'opaque TCP';
  return `${b.target.host}:${b.port.number} (${how}; ${kind})`;
}

function report(ctx: ContextSnapshot, g: Group): Finding {
  const blind = [...g.blind.values()];
  const dr = g.dr;
  const external = g.severity === 'info';
  const message =
    `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name} sets outlierDetection for ${listText(blind.map(portText))}: Envoy sees no HTTP status there, ` +
    'only connect failures and timeouts count. ' +
    (external
      ? 'An external server that is down refuses connections and is ejected, but one that answers with errors is not.'
      : 'The destination\'s sidecar (or ztunnel) accepts the connection even when the application is down, so a failing instance is practically never ejected: failover then depends on readiness probes alone.');
  return finding(meta, {
    context: ctx,
    object: dr,
    severity: g.severity,
    message,
    remediation: remedy(ctx, dr, blind),
    details: {
      ports: blind.map((b) => ({
        host: b.target.host,
        kind: b.target.kind,
        port: b.port.number,
        protocol: b.proto.protocol,
        from: b.proto.source,
        class: b.cls,
        ...(b.subsets.size ? {subsets: [...b.subsets]} : {}),
      })),
      external,
    },
  });
}

/** Declaring a port as HTTP: the whole ports list (a merge patch replaces arrays), with appProtocol/protocol on the blind ones. */
function declareHttpCommand(ctx: ContextSnapshot, t: HostTarget, ports: readonly number[]): string | undefined {
  const o = t.object;
  const ref = {apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name};
  if (t.kind === 'Service') {
    const list = ((o.spec?.ports ?? []) as Record<string, unknown>[]).map((p) => (ports.includes(p.port as number) ? {...p, appProtocol: 'http'} : p));
    return patchCommand(ctx.name, ref, {type: 'merge', body: {spec: {ports: list}}});
  }
  const list = (((o.spec ?? {}) as ServiceEntrySpec).ports ?? []).map((p) => (ports.includes(p.number) ? {...p, protocol: 'HTTP'} : p));
  return patchCommand(ctx.name, ref, {type: 'merge', body: {spec: {ports: list}}});
}

function remedy(ctx: ContextSnapshot, dr: KubeObject, blind: readonly Blind[]): Remediation {
  const commands: string[] = [];
  const byTarget = new Map<string, {t: HostTarget; tcp: number[]; tls: number[]}>();
  for (const b of blind) {
    const k = `${b.target.kind}\u0000${b.target.namespace}\u0000${b.target.object.metadata.name}`;
    const e = byTarget.get(k) ?? {t: b.target, tcp: [], tls: []};
    if (b.cls === 'tls-passthrough') e.tls.push(b.port.number);
    // Only a generic `tcp` may really be HTTP; mongo/mysql/redis and the well-known ports are not.
    else if (b.proto.protocol === 'TCP' && b.proto.source !== 'well-known port') e.tcp.push(b.port.number);
    byTarget.set(k, e);
  }
  const parts: string[] = [];
  for (const {t, tcp, tls} of byTarget.values()) {
    if (tcp.length) {
      const cmd = declareHttpCommand(ctx, t, tcp);
      if (cmd) commands.push(cmd);
    }
    if (tls.length && t.kind === 'ServiceEntry') {
      parts.push(
        `for ${t.host} (${listText(tls.map(String))}), originate TLS in the sidecar instead: port protocol HTTP with targetPort 443 in the ServiceEntry and tls.mode SIMPLE in the DestinationRule, and have clients send plain HTTP`,
      );
    }
  }
  const declarable = commands.length > 0;
  const hidden = commands.length - EXTRA.maxCommands;
  if (hidden > 0) commands.splice(EXTRA.maxCommands);
  const summary =
    (declarable
      ? 'If a port declared as plain TCP really carries HTTP or gRPC, declare it (the patch sets appProtocol http / protocol HTTP — only for ports that really speak HTTP)'
      : 'These ports do not carry plain HTTP') +
    (hidden > 0 ? ` (${hidden} more Service/ServiceEntry patches of the same kind are not listed)` : '') +
    (parts.length ? `; ${parts.join('; ')}` : '') +
    (blind.every((b) => isExternal(b.target))
      ? '. Otherwise outlier detection only ejects servers that refuse or time out connections, not ones that answer with errors.'
      : '. Otherwise outlier detection only ejects hosts that refuse connections: make readiness probes reflect application health, so that failing pods leave the endpoints and traffic fails over.');
  for (const ns of [...new Set(blind.filter((b) => b.target.kind === 'Service').map((b) => b.target.namespace))].sort()) {
    // Which workloads have a readiness probe: with TCP, readiness is what makes failing pods leave the endpoints.
    commands.push(kubectl(ctx.name, ns, 'get', 'deployments', '-o', 'custom-columns=NAME:.metadata.name,READINESS:.spec.template.spec.containers[*].readinessProbe'));
  }
  if (commands.length === 0) commands.push(kubectl(ctx.name, dr.metadata.namespace, 'get', 'destinationrule', dr.metadata.name, '-o', 'yaml'));
  return {summary, commands};
}
