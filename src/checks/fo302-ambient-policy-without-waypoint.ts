import type {Snapshot} from '../model/snapshot.js';
import type {Finding, Remediation} from '../model/types.js';
import {refOf} from '../model/types.js';
import {LABEL, WAYPOINT} from '../istio/constants.js';
import {globalLabel, isGlobalService} from '../istio/mesh.js';
import {isAmbientService, waypointOf} from '../istio/workloads.js';
import {labelCommand, labelRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {destinationRuleOfService, drLocalityOrOutlierPolicy, nsName, serviceWaypointsIn, waypointApplyCommand} from './lib/ambient.js';

const meta: CheckMeta = {
  code: 'FO302',
  name: 'ambient-policy-without-waypoint',
  severity: 'error',
  title: 'Ambient service with outlier/locality policy but no waypoint',
  why:
    'In ambient mode ztunnel carries the traffic, and ztunnel does not read DestinationRules: it balances by readiness only, ' +
    'with no outlier detection and no localityLbSetting. Only a waypoint proxy bound to the Service (istio.io/use-waypoint) ' +
    'applies the DestinationRule, so without one the outlier detection and failover it sets never happen.',
  remediation:
    'Deploy a waypoint for services in the namespace (istioctl waypoint apply --for service) and bind the Service to it ' +
    'with the label istio.io/use-waypoint=<waypoint>.',
  requires: ['Service', 'Namespace', 'DestinationRule'],
  references: [
    'https://istio.io/latest/docs/ambient/install/multicluster/failover/',
    'pilot/pkg/serviceregistry/ambient/services.go (ztunnel load balancing from the Service only)',
    'pilot/pkg/networking/core/cluster_waypoint.go (DestinationRule applied by the waypoint)',
  ],
  examples: {
    bad: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: helloworld\n  namespace: sample   # istio.io/dataplane-mode=ambient\n  # no istio.io/use-waypoint label, yet DestinationRule helloworld sets outlierDetection',
    good: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: helloworld\n  namespace: sample\n  labels:\n    istio.io/use-waypoint: waypoint',
  },
};

export const fo302 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    for (const svc of ctx.objects.Service) {
      if (!isAmbientService(ctx, svc)) continue;
      if (svc.metadata.labels?.[LABEL.gatewayName] !== undefined) continue; // a waypoint's or gateway's own Service
      if (waypointOf(ctx, svc)) continue; // bound: a missing or unready waypoint is FO303/FO304
      const dr = destinationRuleOfService(ctx, svc);
      const policy = drLocalityOrOutlierPolicy(dr);
      if (!dr || (policy.outlier.length === 0 && policy.locality.length === 0)) continue;

      const ns = svc.metadata.namespace ?? '';
      const svcLabel = svc.metadata.labels?.[LABEL.useWaypoint];
      const nsLabel = ctx.index.namespace(ns)?.metadata.labels?.[LABEL.useWaypoint];
      const optOut = svcLabel === WAYPOINT.optOut ? `the Service opts out with ${LABEL.useWaypoint}=${WAYPOINT.optOut}` : svcLabel === undefined && nsLabel === WAYPOINT.optOut ? `namespace ${ns} opts out with ${LABEL.useWaypoint}=${WAYPOINT.optOut}` : undefined;

      const existing = serviceWaypointsIn(ctx, ns).map((g) => g.metadata.name);
      const waypoint = existing.includes(WAYPOINT.defaultName) ? WAYPOINT.defaultName : existing[0];
      const global = isGlobalService(ctx, svc);
      let remediation: Remediation;
      if (waypoint) {
        remediation = labelRemediation(
          `Bind ${nsName(svc)} to waypoint ${ns}/${waypoint}, which already exists in the namespace.`,
          ctx.name,
          refOf(svc),
          {[LABEL.useWaypoint]: waypoint},
        );
      } else {
        // Create the waypoint first: binding a Service to a waypoint that does not exist yet sends its traffic nowhere.
        const name = ctx.index.get('Gateway', ns, WAYPOINT.defaultName) ? `${svc.metadata.name}-${WAYPOINT.defaultName}` : WAYPOINT.defaultName;
        const commands = [waypointApplyCommand(ctx.name, ns, name), labelCommand(ctx.name, refOf(svc), {[LABEL.useWaypoint]: name})];
        const g = globalLabel(ctx);
        if (global) commands.push(labelCommand(ctx.name, {apiVersion: 'v1', kind: 'Service', namespace: ns, name}, {[g.key]: g.value}));
        remediation = {
          summary:
            `Deploy a waypoint for services in namespace ${ns}, wait until it is ready, then bind ${nsName(svc)} to it` +
            (global ? `; the service is global, so label the waypoint's Service ${g.key}=${g.value} too (in every cluster)` : '') +
            '.',
          commands,
        };
      }

      const what = [policy.outlier.length ? 'outlierDetection' : '', policy.locality.length ? 'localityLbSetting' : ''].filter(Boolean).join(' and ');
      findings.push(
        finding(meta, {
          context: ctx,
          object: svc,
          message:
            `${nsName(svc)} is in ambient mode and DestinationRule ${nsName(dr)} sets ${what}, but the Service is bound to no waypoint` +
            `${optOut ? ` (${optOut})` : ''}: ztunnel ignores DestinationRules, so there is no outlier detection and no locality failover for it.`,
          remediation,
          details: {
            destinationRule: nsName(dr),
            outlierDetection: policy.outlier,
            localityLbSetting: policy.locality,
            ...(optOut ? {optOut} : {}),
            existingWaypoints: existing,
            global,
          },
        }),
      );
    }
  }
  return findings;
});
