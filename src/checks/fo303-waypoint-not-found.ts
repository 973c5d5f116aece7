import type {Snapshot} from '../model/snapshot.js';
import type {Finding, Remediation} from '../model/types.js';
import {refOf} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {labelRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {isWaypointClass, nearestName, nsName, waypointApplyCommand, waypointCarriers, waypointGateway} from './lib/ambient.js';

const meta: CheckMeta = {
  code: 'FO303',
  name: 'waypoint-not-found',
  severity: 'error',
  title: 'istio.io/use-waypoint names a waypoint that does not exist',
  why:
    'istio.io/use-waypoint on a Service or Namespace binds its traffic to the waypoint Gateway of that name, in the same namespace ' +
    'or the one istio.io/use-waypoint-namespace names. When no such Gateway exists, Istio cannot bind the traffic to a waypoint, so ' +
    'the DestinationRule (outlier detection, locality failover) that only a waypoint applies in ambient mode is never applied.',
  remediation:
    'Create the waypoint (istioctl waypoint apply -n <namespace> --name <name> --for service) or correct the label to name a waypoint that exists.',
  requires: ['Service', 'Namespace', 'Gateway'],
  references: [
    'https://istio.io/latest/docs/ambient/usage/waypoint/',
    'istio/api label/labels.yaml (istio.io/use-waypoint, istio.io/use-waypoint-namespace)',
  ],
  examples: {
    bad: 'metadata:\n  labels:\n    istio.io/use-waypoint: waypoint   # no Gateway "waypoint" in this namespace',
    good: 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: waypoint\n  namespace: sample\n  labels:\n    istio.io/waypoint-for: service\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n  - name: mesh\n    port: 15008\n    protocol: HBONE',
  },
};

export const fo303 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const crdMissing = ctx.notInstalled.has('Gateway');
    for (const carrier of waypointCarriers(ctx)) {
      const {binding, object} = carrier;
      // Any Gateway of that name counts: Istio accepts Gateways of other classes as waypoints.
      if (waypointGateway(ctx, binding)) continue;

      // Suggest only waypoints (class istio-waypoint), never an ingress or east-west Gateway.
      const existing = ctx.index.byNamespace('Gateway', binding.namespace).filter(isWaypointClass).map((g) => g.metadata.name);
      const nearest = nearestName(binding.name, existing);
      const ref = refOf(object);
      const labelKey = LABEL.useWaypoint;
      let remediation: Remediation;
      if (nearest) {
        const r = labelRemediation(
          `Point ${object.kind} ${nsName(object)} at the existing Gateway ${binding.namespace}/${nearest} (did you mean it?), ` +
            `or create the waypoint ${binding.namespace}/${binding.name} with the second command.`,
          ctx.name,
          ref,
          {[labelKey]: nearest},
        );
        remediation = {...r, commands: [...r.commands, waypointApplyCommand(ctx.name, binding.namespace, binding.name)]};
      } else {
        remediation = {
          summary:
            (crdMissing ? 'The Gateway API CRDs are not installed in this cluster: install them first (see the Istio ambient install docs). ' : '') +
            `Create the waypoint ${binding.namespace}/${binding.name} (or remove the ${labelKey} label from ${object.kind} ${nsName(object)}).`,
          commands: [waypointApplyCommand(ctx.name, binding.namespace, binding.name)],
        };
      }

      const services = carrier.services.map(nsName).sort();
      findings.push(
        finding(meta, {
          context: ctx,
          object,
          message:
            `${object.kind} ${nsName(object)} has ${labelKey}=${binding.name}` +
            `${binding.namespace !== (object.metadata.namespace ?? object.metadata.name) ? ` (${LABEL.useWaypointNamespace}=${binding.namespace})` : ''}, ` +
            `but there is no Gateway ${binding.name} in namespace ${binding.namespace}` +
            `${crdMissing ? ' (the Gateway API CRDs are not installed)' : ''}: ` +
            `${services.length ? `the DestinationRule policy of ${services.join(', ')} is not applied by any waypoint` : 'nothing it binds gets a waypoint'}.`,
          remediation,
          details: {
            waypoint: binding.name,
            waypointNamespace: binding.namespace,
            via: carrier.via,
            services,
            existingWaypoints: existing,
            ...(nearest ? {suggested: nearest} : {}),
            gatewayApiInstalled: !crdMissing,
          },
        }),
      );
    }
  }
  return findings;
});
