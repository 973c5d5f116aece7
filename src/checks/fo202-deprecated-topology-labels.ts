import type {Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {kubectl, labelCommand} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {betaOnlyKeys, localityScope, scopeVias} from './lib/extra-topology.js';

const meta: CheckMeta = {
  code: 'FO202',
  name: 'deprecated-topology-labels',
  severity: 'info',
  severityNote:
    'info: sidecars and waypoints fall back to the beta labels; warning: ambient reads the node for a ServiceEntry endpoint (ambient reads only the GA labels). ' +
    'Reported for every node of a cluster where some pod takes its locality from its node for a Service or ServiceEntry with locality load balancing in effect ' +
    '(pods get rescheduled); a node ambient reads for a Service is reported by FO201, not repeated here',
  title: 'Nodes carry only the deprecated failure-domain.beta.kubernetes.io topology labels',
  why:
    'Istio takes a pod\'s region and zone from its node\'s topology.kubernetes.io labels; the sidecar registry still falls back to the ' +
    'failure-domain.beta.kubernetes.io labels (deprecated since Kubernetes 1.17), the ambient registry does not. A node that has only the beta ' +
    'labels works for sidecars today but gives ambient workloads no region or zone, and it breaks the day the fallback or the labels go away.',
  remediation:
    'Add topology.kubernetes.io/region and topology.kubernetes.io/zone with the same values as the beta labels (kubectl label node …); ' +
    'on managed node pools set them in the node pool configuration so that new nodes get them too.',
  requires: ['Node', 'Pod', 'Service', 'Namespace', 'DestinationRule'],
  references: [
    'pilot/pkg/serviceregistry/kube/controller/controller.go getPodLocality (GA labels, beta fallback)',
    'pilot/pkg/serviceregistry/ambient/workloads.go (node GA labels only)',
    'https://kubernetes.io/docs/reference/labels-annotations-taints/#failure-domainbetakubernetesioregion',
    'https://istio.io/latest/blog/2021/external-locality-failover/',
  ],
  examples: {
    bad:
      'apiVersion: v1\nkind: Node\nmetadata:\n  name: gke-node-1\n  labels:\n    failure-domain.beta.kubernetes.io/region: us-east1\n' +
      '    failure-domain.beta.kubernetes.io/zone: us-east1-b',
    good:
      'apiVersion: v1\nkind: Node\nmetadata:\n  name: gke-node-1\n  labels:\n    topology.kubernetes.io/region: us-east1\n' +
      '    topology.kubernetes.io/zone: us-east1-b',
  },
};

/** Services/entries named in a message before "…". */
const MAX_NAMED = 3;

function named(items: readonly string[]): string {
  return items.length > MAX_NAMED ? `${items.slice(0, MAX_NAMED).join(', ')} and ${items.length - MAX_NAMED} more` : items.join(', ');
}

function remediationFor(context: string, node: KubeObject, beta: ReturnType<typeof betaOnlyKeys>, ambient: boolean): Remediation {
  const labels = Object.fromEntries(beta.map((b) => [b.ga, b.value]));
  const ref = {apiVersion: node.apiVersion, kind: node.kind, name: node.metadata.name};
  const commands = [labelCommand(context, ref, labels, false)];
  if (ambient) commands.push(kubectl(context, undefined, 'get', 'pods', '-A', '-o', 'wide', '--field-selector', `spec.nodeName=${node.metadata.name}`));
  const summary =
    `Add the GA label${beta.length > 1 ? 's' : ''} ${beta.map((b) => `${b.ga}=${b.value}`).join(' and ')} to node ${node.metadata.name} (the ` +
    `value${beta.length > 1 ? 's' : ''} of its beta label${beta.length > 1 ? 's' : ''}, so the locality does not change)` +
    (ambient
      ? '; the ambient registry follows node labels, so the listed ambient pods get this locality once the node is labelled'
      : '; sidecars keep the same locality, nothing needs a restart') +
    '. On a managed node pool, set the labels in the pool\'s configuration too, or new nodes come up without them.';
  return {summary, commands};
}

export const fo202 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const scope = localityScope(snapshot, ctx);
    // Nothing in this cluster takes a locality from node labels for locality load balancing: the labels are harmless.
    if (scope.size === 0) continue;
    let allViaMemo: string[] | undefined;
    const allVia = (): string[] => (allViaMemo ??= [...scopeVias(scope)].sort());
    // Every node of such a cluster counts (pods are rescheduled), the nodes in scope with what runs there now.
    for (const node of ctx.objects.Node) {
      const beta = betaOnlyKeys(node);
      if (beta.length === 0) continue;
      const s = scope.get(node.metadata.name);
      // Read the ambient way for a Service: FO201 already reports the missing GA label (and that the beta one is ignored).
      if (s?.ambientViaService) continue;
      const ambient = !!s?.ambientViaServiceEntry;
      const via = s ? [...s.via].sort() : [];
      const roles = s ? [...s.roles].sort() : [];
      const pods = s ? [...s.pods.keys()].sort() : [];
      const ambientPods = s ? [...s.pods].filter(([, p]) => p.reading === 'ambient').map(([k]) => k).sort() : [];
      const has = beta.map((b) => `${b.beta}=${b.value}`).join(' and ');
      const lacks = beta.map((b) => b.ga).join(' and ');
      const what = s
        ? `${pods.length} pod(s) here are ${roles.map((r) => `${r}s`).join(' and ')} of ${named(via)}, where locality load balancing is in effect`
        : `none of the pods of ${named(allVia())} (locality load balancing in effect) runs here now, but any rescheduled there takes its locality from these labels`;
      const message = ambient
        ? `Node ${node.metadata.name} carries only ${has} (no ${lacks}); ${what}. ${ambientPods.length} of them (${named(ambientPods)}) are ambient ` +
          `endpoints, and the ambient registry reads only the GA labels: they have no ${beta.map((b) => b.key).join(' or ')}, so the waypoint cannot prefer or avoid them by locality.`
        : `Node ${node.metadata.name} carries only ${has} (no ${lacks}); ${what}. Sidecars still fall back to the deprecated beta label${beta.length > 1 ? 's' : ''}, ` +
          'so locality works for them today, but ambient reads only the GA labels and the beta ones are deprecated.';
      findings.push(
        finding(meta, {
          context: ctx,
          object: node,
          severity: ambient ? 'warning' : 'info',
          message,
          remediation: remediationFor(ctx.name, node, beta, ambient),
          details: {
            node: node.metadata.name,
            betaOnly: beta.map((b) => ({key: b.key, label: b.beta, value: b.value, missing: b.ga})),
            inScope: !!s,
            via: s ? via : allVia(),
            roles,
            pods,
            ambientPods,
            failoverIntent: !!s?.intent,
            reading: ambient ? 'ambient' : 'sidecar',
          },
        }),
      );
    }
  }
  return findings;
});
