import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, ObjectRef, Remediation} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {isAmbientService, waypointOf} from '../istio/workloads.js';
import {kubectl, labelRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {destinationRuleOfService, drLocalityOrOutlierPolicy, nsName} from './lib/ambient.js';
import {namespaceMeshState, serviceEntryLocalityLb, SYSTEM_NAMESPACES} from './lib/extra-topology.js';
import {isAmbientContext} from './lib/multicluster.js';
import {mostCommon} from './lib/policy-extra.js';
import {destinationRuleOfHost, seHosts} from './lib/service-entries.js';
import {meshFailoverIntent} from './lib/policy-targets.js';
import {compareText} from '../model/collate.js';

const meta: CheckMeta = {
  code: 'FO301',
  name: 'namespace-not-in-mesh',
  severity: 'warning',
  title: 'A client namespace of a service with failover intent is not in the mesh',
  why:
    'Locality preference and failover are done by the client\'s proxy (its sidecar, or the waypoint in ambient) from the DestinationRule. ' +
    'A pod with no sidecar that is not enrolled in ambient connects through kube-proxy, which picks any endpoint: its traffic never sees ' +
    'the DestinationRule, so it is neither kept local nor failed over.',
  remediation:
    'Enable sidecar injection on the namespace (istio-injection=enabled, or istio.io/rev=<revision> for a revisioned control plane) and restart ' +
    'its workloads, or enrol it in ambient (istio.io/dataplane-mode=ambient) when the service is served by a waypoint.',
  requires: ['Namespace', 'Pod', 'Service', 'DestinationRule'],
  references: [
    'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/',
    'https://istio.io/latest/docs/ambient/usage/add-workloads/',
    'https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/',
  ],
  examples: {
    bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sleep   # calls a service whose DestinationRule sets localityLbSetting\n  labels: {}',
    good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sleep\n  labels:\n    istio-injection: enabled',
  },
};

/** Services named in a message before "…". */
const MAX_NAMED = 3;

interface NsAcc {
  readonly ns: string;
  /** `Service ns/name` / `ServiceEntry ns/name` with failover intent it is a client of. */
  readonly services: Set<string>;
  /** Why it counts as a client namespace. */
  readonly as: Set<string>;
  /** Every service it is a client of is served by a waypoint (ambient enrolment would fix it). */
  allWaypoint: boolean;
}

/** The injection label the context already uses: its most common istio.io/rev, else istio-injection=enabled. */
function sidecarLabel(ctx: ContextSnapshot): Record<string, string | undefined> {
  const revs = ctx.objects.Namespace.map((n) => n.metadata.labels?.[LABEL.rev] ?? '').filter((r) => r);
  const usesInjection = ctx.objects.Namespace.some((n) => n.metadata.labels?.[LABEL.injection] === 'enabled');
  const rev = mostCommon(revs);
  if (rev && !usesInjection) return {[LABEL.rev]: rev};
  return {[LABEL.injection]: 'enabled'};
}

function remediationFor(ctx: ContextSnapshot, ref: ObjectRef, acc: NsAcc, optedOut: boolean): Remediation {
  const ambient = acc.allWaypoint && isAmbientContext(ctx);
  if (ambient) {
    const r = labelRemediation(
      `Enrol namespace ${acc.ns} in ambient (its traffic then goes through the services' waypoints, which apply the DestinationRule); ` +
        'no restart is needed.',
      ctx.name,
      ref,
      {[LABEL.dataplaneMode]: 'ambient', ...(optedOut ? {[LABEL.injection]: undefined} : {})},
    );
    return r;
  }
  let labels = sidecarLabel(ctx);
  // istio-injection=disabled wins over istio.io/rev: drop it when suggesting a revision label.
  if (optedOut && labels[LABEL.rev]) labels = {[LABEL.injection]: undefined, ...labels};
  const r = labelRemediation(
    `Enable sidecar injection on namespace ${acc.ns}${optedOut ? ' (it is explicitly disabled now: make sure that was not deliberate)' : ''}, ` +
      'then restart its workloads so that they get a sidecar (Deployments below; restart StatefulSets and DaemonSets the same way).',
    ctx.name,
    ref,
    labels,
  );
  return {...r, commands: [...r.commands, kubectl(ctx.name, acc.ns, 'rollout', 'restart', 'deployment')]};
}

export const fo301 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const meshIntent = meshFailoverIntent(ctx);
    const skip = new Set([...SYSTEM_NAMESPACES, ctx.istioNamespace]);
    const fromNs = [...new Set(snapshot.fromPods.filter((f) => !f.context || f.context === ctx.name).map((f) => f.namespace))];
    const acc = new Map<string, NsAcc>();
    const note = (ns: string, service: string, as: string, waypoint: boolean): void => {
      if (!ns || skip.has(ns)) return;
      let a = acc.get(ns);
      if (!a) acc.set(ns, (a = {ns, services: new Set(), as: new Set(), allWaypoint: true}));
      a.services.add(service);
      a.as.add(as);
      a.allWaypoint &&= waypoint;
    };
    const visit = (obj: KubeObject, label: string, ownIntent: boolean, waypoint: boolean): void => {
      const ns = obj.metadata.namespace ?? '';
      // A mesh-wide failover setting is nobody's intent for one service: its own namespace counts only when a
      // DestinationRule of its own asks for failover; the clients named with --client-namespace / --from always do.
      if (ownIntent) note(ns, label, 'its own namespace', waypoint);
      for (const c of snapshot.clientNamespaces) note(c, label, '--client-namespace', waypoint);
      for (const f of fromNs) note(f, label, '--from', waypoint);
    };

    for (const svc of ctx.objects.Service) {
      const ownIntent = drLocalityOrOutlierPolicy(destinationRuleOfService(ctx, svc)).locality.length > 0;
      if (!ownIntent && !meshIntent) continue;
      const waypoint = isAmbientService(ctx, svc) && !!waypointOf(ctx, svc);
      visit(svc, `Service ${nsName(svc)}`, ownIntent, waypoint);
    }
    for (const se of ctx.objects.ServiceEntry) {
      const ownIntent = seHosts(se).some((h) => drLocalityOrOutlierPolicy(destinationRuleOfHost(ctx, se, h)).locality.length > 0);
      if (!ownIntent && !meshIntent) continue;
      visit(se, `ServiceEntry ${nsName(se)}`, ownIntent, !!serviceEntryLocalityLb(ctx, se).waypoint);
    }

    for (const a of [...acc.values()].sort((x, y) => compareText(x.ns, y.ns))) {
      const state = namespaceMeshState(ctx, a.ns);
      if (state.meshedBy) continue;
      // No pod runs there: no client traffic to judge (a namespace holding only configuration, or not read).
      if (state.pods.length === 0) continue;
      const nsObj = ctx.index.namespace(a.ns);
      const ref: ObjectRef = nsObj ? {apiVersion: nsObj.apiVersion, kind: 'Namespace', name: a.ns} : {apiVersion: 'v1', kind: 'Namespace', name: a.ns};
      const services = [...a.services].sort();
      const shown = services.length > MAX_NAMED ? `${services.slice(0, MAX_NAMED).join(', ')} and ${services.length - MAX_NAMED} more` : services.join(', ');
      findings.push(
        finding(meta, {
          context: ctx,
          object: nsObj ?? ref,
          message:
            `Namespace ${a.ns} (${[...a.as].sort().join(', ')}) is a client namespace of ${shown}, whose failover is configured, but it is not in the mesh: ` +
            `${state.optedOut ? `${LABEL.injection}=disabled, ` : 'no sidecar injection, '}no ambient enrolment, and none of its ${state.pods.length} pod(s) has a sidecar. ` +
            'Its requests go through kube-proxy and never see the DestinationRule: no locality preference, no failover.',
          remediation: remediationFor(ctx, ref, a, state.optedOut),
          details: {
            namespace: a.ns,
            services,
            clientOf: [...a.as].sort(),
            pods: state.pods.length,
            injectionDisabled: state.optedOut,
          },
        }),
      );
    }
  }
  return findings;
});
