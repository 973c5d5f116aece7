import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding} from '../model/types.js';
import {LABEL, MULTICLUSTER} from '../istio/constants.js';
import {isTetrate} from '../istio/workloads.js';
import {command} from '../remedy/shell.js';
import {clusterIdOf, controlPlaneRole, hasIstio, istiodDeployments, remoteSecretCommand, remoteSecrets, sameMesh} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO408',
  name: 'remote-cluster-not-connected',
  severity: 'error',
  title: 'A primary cluster does not watch a peer cluster, or two clusters share a cluster ID',
  why:
    'A primary istiod discovers another cluster\'s endpoints only through a remote secret (a kubeconfig Secret labelled istio/multiCluster=true ' +
    'in its namespace). Without one, that cluster\'s instances never appear in its proxies\' endpoints: nothing to fail over to. ' +
    'Cluster IDs must be unique: two clusters with the same ID are merged (or one is dropped) in the registry, and failoverPriority on ' +
    'topology.istio.io/cluster cannot tell them apart.',
  remediation: 'Create the missing remote secret with istioctl create-remote-secret; give every cluster a distinct clusterName.',
  requires: ['Deployment', 'Secret'],
  references: [
    'https://istio.io/latest/docs/setup/install/multicluster/multi-primary/ (istioctl create-remote-secret)',
    'https://istio.io/latest/docs/ops/diagnostic-tools/multicluster/ (istioctl remote-clusters)',
    'pilot/pkg/serviceregistry/kube/controller/multicluster.go; pkg/kube/multicluster/secretcontroller.go',
  ],
  examples: {
    bad: `# cluster1 (primary): no Secret labelled istio/multiCluster=true for cluster2`,
    good: `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-cluster2
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
  annotations: {networking.istio.io/cluster: cluster2}`,
  },
};

/** A cluster name derived from the context name that is valid in a Secret name (istio-remote-secret-<name>). */
function suggestedClusterName(ctx: ContextSnapshot): string {
  const s = ctx.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return s || 'cluster';
}

function secretRef(ctx: ContextSnapshot, cluster: string) {
  return {apiVersion: 'v1', kind: 'Secret', namespace: ctx.istioNamespace, name: `${MULTICLUSTER.remoteSecretPrefix}${cluster}`};
}

export const fo408 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  // Tetrate discovers peers by WorkloadEntries; a cluster without Istio is nobody's peer.
  const contexts = snapshot.contexts.filter((c) => !isTetrate(c) && hasIstio(c));
  if (snapshot.contexts.length < 2 || contexts.length < 2) return out;
  const ids = new Map(contexts.map((c) => [c, clusterIdOf(c)]));

  // 1. Cluster ID clashes, reported on the later context of each pair.
  for (let j = 1; j < contexts.length; j++) {
    const b = contexts[j]!;
    const idB = ids.get(b)!;
    const clash = contexts.slice(0, j).filter((a) => ids.get(a)!.id === idB.id && sameMesh(a, b));
    if (clash.length === 0) continue;
    const istiod = istiodDeployments(b)[0];
    const suggested = suggestedClusterName(b);
    const assumed = [b, ...clash].filter((c) => ids.get(c)!.source === 'context-name').map((c) => c.name);
    out.push(
      finding(meta, {
        context: b,
        object: istiod ?? {apiVersion: 'v1', kind: 'Namespace', name: b.istioNamespace},
        message:
          `${b.name} has cluster ID "${idB.id}", the same as ${clash.map((c) => c.name).join(', ')}` +
          (idB.id === MULTICLUSTER.defaultClusterId ? ` (Istio's default: values.global.multiCluster.clusterName was never set)` : '') +
          (assumed.length ? ` (cluster ID of ${assumed.join(', ')} unknown, assumed to be the context name)` : '') +
          `: Istio cannot keep the clusters apart, so their endpoints collide and failover by ${LABEL.cluster} cannot tell them apart.`,
        remediation: {
          summary: `Give ${b.name} a unique cluster name (values.global.multiCluster.clusterName) with the tool it was installed with (istioctl or helm, one of the two commands), restart its proxies, then recreate the remote secrets that name it.`,
          commands: [
            `${command(['istioctl', 'install', `--context=${b.name}`])} -f "\${IOP_FILE:?set IOP_FILE to the IstioOperator file this cluster was installed with}" ${command(['--set', `values.global.multiCluster.clusterName=${suggested}`, '-y'])}`,
            command(['helm', 'upgrade', 'istiod', 'istio/istiod', '-n', b.istioNamespace, '--kube-context', b.name, '--reuse-values', '--set', `global.multiCluster.clusterName=${suggested}`]),
          ],
        },
        details: {clusterId: idB.id, sharedWith: clash.map((c) => c.name), assumedFromContextName: assumed, suggestedClusterName: suggested},
      }),
    );
  }

  // 2. A primary without a remote secret for a peer context.
  const knownIds = new Set([...ids.values()].map((i) => i.id));
  for (const primary of contexts) {
    if (controlPlaneRole(primary) !== 'primary') continue;
    const own = ids.get(primary)!.id;
    const secrets = remoteSecrets(primary);
    const named = new Set(secrets.map((s) => s.cluster).filter((c): c is string => !!c));
    const peers = contexts.filter((p) => p !== primary && sameMesh(primary, p) && ids.get(p)!.id !== own);
    const missingKnown = peers.filter((p) => ids.get(p)!.source !== 'context-name' && !named.has(ids.get(p)!.id));
    const missingAssumed = peers.filter((p) => ids.get(p)!.source === 'context-name' && !named.has(ids.get(p)!.id));
    // A peer whose ID we only assume may be the one an unattributed secret names: do not guess.
    const unattributed = secrets.filter((s) => !s.cluster || (!knownIds.has(s.cluster) && s.cluster !== own));
    const report = [...missingKnown, ...(unattributed.length >= missingAssumed.length ? [] : missingAssumed)];
    for (const peer of report) {
      const id = ids.get(peer)!;
      out.push(
        finding(meta, {
          context: primary,
          object: secretRef(primary, id.id),
          message:
            `Primary ${primary.name} has no remote secret (label ${LABEL.multiCluster}=true in ${primary.istioNamespace}) for cluster "${id.id}" (context ${peer.name}` +
            (id.source === 'context-name' ? ', cluster ID unknown: assumed to be the context name' : '') +
            `): its istiod does not watch ${peer.name}, so ${peer.name}'s endpoints never reach ${primary.name}'s proxies and failover to ${peer.name} cannot happen.` +
            (secrets.length ? ` Remote secrets found name: ${secrets.map((s) => s.cluster ?? s.secret.metadata.name).join(', ')}.` : ''),
          remediation: {
            summary: `Create a remote secret for ${peer.name} in ${primary.name} (istioctl reads ${peer.name}'s kubeconfig context and writes the Secret into ${primary.name}).`,
            commands: [remoteSecretCommand(peer.name, id.id, primary.name)],
          },
          details: {primary: primary.name, peer: peer.name, peerClusterId: id.id, clusterIdSource: id.source, secretsFound: secrets.map((s) => s.cluster ?? s.secret.metadata.name)},
        }),
      );
    }
  }
  return out;
});
