import type {Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {kubectl, scaleCommand} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {conditionOf, nsName, waypointCarriers, waypointDeploymentName, waypointGateway, type Condition} from './lib/ambient.js';

const meta: CheckMeta = {
  code: 'FO304',
  name: 'waypoint-not-ready',
  severity: 'error',
  title: 'A waypoint that services are bound to is not ready',
  why:
    'In ambient mode only the waypoint applies a DestinationRule\'s outlier detection and locality failover. When the waypoint\'s ' +
    'Deployment has no available replica, or its Gateway is not Programmed, the services bound to it lose that policy ' +
    '(and their traffic may fail outright) until the waypoint is back.',
  remediation:
    'Find out why the waypoint is down (kubectl rollout status / describe on its Deployment, its pods\' events, the Gateway\'s status ' +
    'conditions) and fix it; scale it back up if it was scaled to 0.',
  requires: ['Service', 'Namespace', 'Gateway', 'Deployment'],
  references: [
    'https://istio.io/latest/docs/ambient/usage/waypoint/',
    'pilot/pkg/config/kube/gateway/deploymentcontroller.go (waypoint Deployment named after the Gateway)',
  ],
  examples: {
    bad: 'kind: Deployment\nmetadata: {name: waypoint, namespace: sample}\nspec: {replicas: 0}',
    good: 'kind: Deployment\nmetadata: {name: waypoint, namespace: sample}\nspec: {replicas: 1}\nstatus: {availableReplicas: 1}',
  },
};

function describeCondition(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : c.message ? ` (${c.message})` : ''}`;
}

interface DeploymentState {
  readonly problem?: string;
  readonly scaledToZero: boolean;
}

/**
 * Whether a waypoint Deployment can serve: not scaled to 0, and — when it has a status — an
 * Available condition that is not False and at least one available replica. A Deployment with no
 * status at all (a hand-written manifest) is not judged on availability.
 */
function deploymentState(dep: KubeObject): DeploymentState {
  const replicas = typeof dep.spec?.replicas === 'number' ? (dep.spec.replicas as number) : 1;
  if (replicas === 0) return {problem: `Deployment ${nsName(dep)} is scaled to 0 replicas`, scaledToZero: true};
  if (!dep.status) return {scaledToZero: false};
  const available = conditionOf(dep, 'Available');
  const n = typeof dep.status.availableReplicas === 'number' ? (dep.status.availableReplicas as number) : 0;
  if (available?.status === 'False') return {problem: `Deployment ${nsName(dep)} is not available: ${describeCondition(available)}, ${n}/${replicas} replicas available`, scaledToZero: false};
  if (n < 1) return {problem: `Deployment ${nsName(dep)} has ${n}/${replicas} replicas available`, scaledToZero: false};
  return {scaledToZero: false};
}

export const fo304 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    // Each waypoint once, with everything bound to it.
    const bound = new Map<KubeObject, {bindings: Set<string>; services: Set<string>}>();
    for (const c of waypointCarriers(ctx)) {
      const gw = waypointGateway(ctx, c.binding);
      if (!gw) continue; // FO303
      let b = bound.get(gw);
      if (!b) bound.set(gw, (b = {bindings: new Set(), services: new Set()}));
      b.bindings.add(`${c.object.kind} ${nsName(c.object)}`);
      for (const s of c.services) b.services.add(nsName(s));
    }

    for (const [gw, b] of bound) {
      const problems: string[] = [];
      const ns = gw.metadata.namespace ?? '';
      const name = gw.metadata.name;
      // Gateway status: only an explicit non-True condition counts; a Gateway without status (hand-written) is not judged.
      const programmed = conditionOf(gw, 'Programmed');
      const accepted = conditionOf(gw, 'Accepted');
      if (programmed && programmed.status !== 'True') problems.push(`Gateway ${nsName(gw)} is not programmed: ${describeCondition(programmed)}`);
      else if (!programmed && accepted && accepted.status === 'False') problems.push(`Gateway ${nsName(gw)} is not accepted: ${describeCondition(accepted)}`);

      const gatewayProblem = problems.length > 0;
      const depName = waypointDeploymentName(gw);
      let scaledToZero = false;
      let depMissing = false;
      if (depName) {
        const dep = ctx.index.get('Deployment', ns, depName);
        if (dep) {
          const st = deploymentState(dep);
          if (st.problem) problems.push(st.problem);
          scaledToZero = st.scaledToZero;
        } else if (ctx.objects.Deployment.length > 0) {
          // Only when Deployments were read at all in this context (a hand-written bundle may have none).
          depMissing = true;
          problems.push(`Deployment ${ns}/${depName} that Istio creates for the Gateway does not exist`);
        }
      }
      if (problems.length === 0) continue;

      const depRef = depName ? {apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: depName} : undefined;
      // The object is what fails: the Deployment when the Gateway itself is fine (programmed) but its
      // Deployment is not available; otherwise the Gateway (also when the Deployment is missing).
      const object = !gatewayProblem && depRef && !depMissing ? depRef : gw;
      const commands: string[] = [];
      if (scaledToZero && depRef) commands.push(scaleCommand(ctx.name, depRef, 1));
      if (depRef && !depMissing) {
        commands.push(kubectl(ctx.name, ns, 'rollout', 'status', `deployment/${depName}`, '--timeout=30s'));
        commands.push(kubectl(ctx.name, ns, 'describe', 'deployment', depName!));
      }
      commands.push(kubectl(ctx.name, ns, 'get', 'pods', '-l', `${LABEL.gatewayName}=${name}`, '-o', 'wide'));
      commands.push(kubectl(ctx.name, ns, 'describe', 'gateways.gateway.networking.k8s.io', name));
      if (depMissing) commands.push(kubectl(ctx.name, ctx.istioNamespace, 'logs', 'deployment/istiod', '--tail=200'));

      const services = [...b.services].sort();
      findings.push(
        finding(meta, {
          context: ctx,
          object,
          message:
            `Waypoint ${nsName(gw)} is not ready: ${problems.join('; ')}. ` +
            `${services.length ? `Services bound to it (${services.join(', ')})` : `What is bound to it (${[...b.bindings].sort().join(', ')})`} ` +
            'get no outlier detection or locality failover from it while it is down.',
          remediation: {
            summary:
              (scaledToZero ? `Scale ${nsName(gw)}'s Deployment back up. ` : '') +
              (depMissing
                ? 'Istio\'s gateway controller did not create the Deployment: check the Gateway\'s status conditions and istiod\'s log for this Gateway. '
                : 'Check the rollout, the pods\' events (image pull, scheduling, quota, failing readiness on port 15021) and the Gateway\'s status conditions (reason and message). ') +
              'The services recover their DestinationRule policy as soon as a waypoint replica is available.',
            commands,
          },
          details: {
            waypoint: name,
            namespace: ns,
            problems,
            ...(depName ? {deployment: depName} : {}),
            boundBy: [...b.bindings].sort(),
            services,
          },
        }),
      );
    }
  }
  return findings;
});
