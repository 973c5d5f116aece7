import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {nodeLocality, podHasLocalityLabel} from '../istio/locality.js';
import {clientPods, hasSidecar, isAmbientPod, namespaceInjected, podsOfService, waypointPods} from '../istio/workloads.js';
import {kubectl, labelCommand} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {localityLbOf, nsName} from './lib/ambient.js';
import {compareText} from '../model/collate.js';

const meta: CheckMeta = {
  code: 'FO201',
  name: 'node-topology-labels-missing',
  severity: 'error',
  severityNote: 'error when a service on the node has failover intent; warning otherwise',
  title: 'Nodes hosting endpoints or clients of a locality-balanced service lack region/zone labels',
  why:
    'Istio reads a pod\'s locality from its node\'s topology.kubernetes.io/region and topology.kubernetes.io/zone labels ' +
    '(sidecars fall back to the deprecated failure-domain.beta.kubernetes.io labels, ambient does not). A proxy without a ' +
    'region puts every endpoint in the lowest tier, so there is no locality preference and no failover; an endpoint without ' +
    'one is never "local" to anyone.',
  remediation:
    'Label the node with its real region and zone (kubectl label node … topology.kubernetes.io/region=… topology.kubernetes.io/zone=…), ' +
    'or give the pods a topology.istio.io/locality label; then restart the pods on the node, since Istio reads the locality when a pod starts.',
  requires: ['Node', 'Pod', 'Service', 'Namespace', 'DestinationRule'],
  references: [
    'pilot/pkg/serviceregistry/kube/controller/controller.go getPodLocality',
    'pilot/pkg/serviceregistry/ambient/workloads.go (node labels only)',
    'pilot/pkg/xds/ads.go setTopologyLabels',
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityFailover',
    'https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/',
  ],
  examples: {
    bad: 'apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-3\n  labels:\n    topology.kubernetes.io/region: cn-north-4\n    # no topology.kubernetes.io/zone',
    good: 'apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-3\n  labels:\n    topology.kubernetes.io/region: cn-north-4\n    topology.kubernetes.io/zone: cn-north-4b',
  },
};

/** At most this many `rollout restart` commands per finding; the pod listing covers the rest. */
const MAX_RESTART_COMMANDS = 10;

type Role = 'endpoint' | 'client' | 'waypoint';

interface NodeAcc {
  readonly node: KubeObject;
  readonly services: Set<string>;
  readonly missing: Set<string>;
  readonly pods: Map<string, KubeObject>;
  readonly roles: Set<Role>;
  readonly because: Set<string>;
  /** Some pod on the node sees it through ambient's reading (GA labels only). */
  ambient: boolean;
  intent: boolean;
}

/** The GA labels Istio misses on this node for a pod read the sidecar way or the ambient way. */
function missingLabels(node: KubeObject, ambient: boolean): string[] {
  const l = nodeLocality(node, {ambient});
  const out: string[] = [];
  if (!l.region) out.push(LABEL.region);
  if (!l.zone) out.push(LABEL.zone);
  return out;
}

/** A client whose proxy does locality load balancing: it has (or will get) a sidecar. */
function isSidecarClient(ctx: ContextSnapshot, pod: KubeObject): boolean {
  if (hasSidecar(pod)) return true;
  const inject = pod.metadata.labels?.[LABEL.sidecarInject] ?? pod.metadata.annotations?.[LABEL.sidecarInject];
  if (inject === 'false') return false;
  if (inject === 'true') return true;
  // Pods read from a cluster list their containers; a hand-written one may not: trust the namespace.
  const listsContainers = Array.isArray(pod.spec?.containers) && pod.spec.containers.length > 0;
  return !listsContainers && namespaceInjected(ctx, pod.metadata.namespace ?? '');
}

/** Values to suggest for the missing labels, from the node's own fields or its peers. */
function suggestValues(ctx: ContextSnapshot, node: KubeObject, missing: readonly string[]): {labels: Record<string, string>; sources: Record<string, string>} {
  const l = node.metadata.labels ?? {};
  const labels: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const set = (key: string, value: string, source: string): void => {
    labels[key] = value;
    sources[key] = source;
  };
  const fromProvider = providerTopology(node.spec?.providerID as string | undefined);
  const betaZone = l[LABEL.betaZone];
  const betaRegion = l[LABEL.betaRegion];
  const zoneKnown = l[LABEL.zone] ?? betaZone ?? fromProvider?.zone;
  if (missing.includes(LABEL.zone)) {
    if (betaZone) set(LABEL.zone, betaZone, `zone taken from its ${LABEL.betaZone} label`);
    else if (fromProvider?.zone) set(LABEL.zone, fromProvider.zone, 'zone taken from its spec.providerID');
    else set(LABEL.zone, '<ZONE>', '<ZONE> is a placeholder: put the node\'s real zone');
  }
  if (missing.includes(LABEL.region)) {
    const peerRegions = new Set<string>();
    const sameZoneRegions = new Set<string>();
    for (const n of ctx.objects.Node) {
      if (n === node) continue;
      const nl = n.metadata.labels ?? {};
      const r = nl[LABEL.region];
      if (!r) continue;
      peerRegions.add(r);
      if (zoneKnown && nl[LABEL.zone] === zoneKnown) sameZoneRegions.add(r);
    }
    const only = (s: Set<string>): string | undefined => (s.size === 1 ? [...s][0] : undefined);
    const sameZone = only(sameZoneRegions);
    const peers = only(peerRegions);
    if (betaRegion) set(LABEL.region, betaRegion, `region taken from its ${LABEL.betaRegion} label`);
    else if (fromProvider?.region) set(LABEL.region, fromProvider.region, 'region taken from its spec.providerID');
    else if (sameZone) set(LABEL.region, sameZone, `region taken from the other nodes of zone ${zoneKnown}`);
    else if (peers) set(LABEL.region, peers, 'region taken from the other labelled nodes of the cluster, which all share it');
    else set(LABEL.region, '<REGION>', '<REGION> is a placeholder: put the node\'s real region');
  }
  // Region first, then zone, as people read them.
  const order = [LABEL.region, LABEL.zone] as string[];
  const byOrder = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(order.filter((k) => k in o).map((k) => [k, o[k]!]));
  return {labels: byOrder(labels), sources: byOrder(sources)};
}

/** AWS (`aws:///us-east-1a/i-…`) and GCE (`gce://project/us-central1-a/name`) provider IDs carry the zone. */
function providerTopology(providerID: string | undefined): {region?: string; zone: string} | undefined {
  if (!providerID) return undefined;
  let zone: string | undefined;
  let m = providerID.match(/^aws:\/\/\/([a-z0-9-]+)\/[^/]+$/);
  if (m) zone = m[1];
  m = providerID.match(/^gce:\/\/[^/]+\/([a-z0-9-]+)\/[^/]+$/);
  if (m) zone = m[1];
  if (!zone) return undefined;
  const aws = zone.match(/^([a-z]{2}(?:-gov)?-[a-z]+-\d)[a-z]$/);
  const gce = zone.match(/^([a-z]+-[a-z]+\d)-[a-z]$/);
  const region = aws?.[1] ?? gce?.[1];
  return region ? {region, zone} : {zone};
}

/** The workload (Deployment/StatefulSet/DaemonSet) owning a pod, as `kind/name`, when it can be told. */
function ownerWorkload(pod: KubeObject): string | undefined {
  const owner = pod.metadata.ownerReferences?.[0];
  if (!owner) return undefined;
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return `deployment/${owner.name.slice(0, -hash.length - 1)}`;
    return undefined;
  }
  if (owner.kind === 'StatefulSet') return `statefulset/${owner.name}`;
  if (owner.kind === 'DaemonSet') return `daemonset/${owner.name}`;
  return undefined;
}

function remediationFor(ctx: ContextSnapshot, acc: NodeAcc, missing: string[]): Remediation {
  const node = acc.node;
  const {labels, sources} = suggestValues(ctx, node, missing);
  const ref = {apiVersion: node.apiVersion, kind: node.kind, name: node.metadata.name};
  const commands = [labelCommand(ctx.name, ref, labels, false)];
  const restarts = new Set<string>();
  for (const pod of acc.pods.values()) {
    const w = ownerWorkload(pod);
    if (w) restarts.add(kubectl(ctx.name, pod.metadata.namespace, 'rollout', 'restart', w));
  }
  commands.push(...[...restarts].sort().slice(0, MAX_RESTART_COMMANDS));
  commands.push(kubectl(ctx.name, undefined, 'get', 'pods', '-A', '-o', 'wide', '--field-selector', `spec.nodeName=${node.metadata.name}`));
  const placeholders = Object.values(labels).some((v) => v.startsWith('<'));
  const what = missing.map((m) => (m === LABEL.region ? 'region' : 'zone')).join(' and ');
  const summary =
    `Label node ${node.metadata.name} with its ${what} (${Object.values(sources).join('; ')})` +
    (placeholders ? '; replace the <…> placeholders with the real values before running the command' : '; check the suggested values') +
    '. Then restart the pods on the node: Istio reads a pod\'s locality when the pod starts, so running pods keep the old one.';
  return {summary, commands};
}

/** Nodes lacking region/zone among those of a set of pods, each with the pods on it (computed once per set). */
interface BadNode {
  readonly node: KubeObject;
  readonly missing: readonly string[];
  readonly pods: readonly KubeObject[];
  readonly ambient: boolean;
}

/**
 * The nodes of `pods` that lack region or zone as Istio reads them. `reading` says, per pod,
 * whether it is read the ambient way (GA labels only, pod label ignored), the sidecar way, or
 * not at all (undefined: not a client).
 */
function badNodesOf(ctx: ContextSnapshot, pods: Iterable<KubeObject>, reading: (pod: KubeObject) => 'ambient' | 'sidecar' | undefined): BadNode[] {
  const byNode = new Map<string, {node: KubeObject; missing: Set<string>; pods: KubeObject[]; ambient: boolean}>();
  for (const pod of pods) {
    const r = reading(pod);
    if (!r) continue;
    const ambient = r === 'ambient';
    const node = ctx.index.node(pod.spec?.nodeName as string | undefined);
    if (!node) continue; // not scheduled, or node not read: cannot judge
    // A pod label overrides the node for sidecars (and waypoints); ambient's registry ignores it.
    if (!ambient && podHasLocalityLabel(pod)) continue;
    const missing = missingLabels(node, ambient);
    if (missing.length === 0) continue;
    let b = byNode.get(node.metadata.name);
    if (!b) byNode.set(node.metadata.name, (b = {node, missing: new Set(), pods: [], ambient: false}));
    for (const m of missing) b.missing.add(m);
    b.pods.push(pod);
    b.ambient ||= ambient;
  }
  return [...byNode.values()].map((b) => ({node: b.node, missing: [...b.missing], pods: b.pods, ambient: b.ambient}));
}

export const fo201 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const acc = new Map<string, NodeAcc>();
    // Client pods of a namespace are the same for every service in it: judge their nodes once.
    const clientGroups = new Map<string, BadNode[]>();
    const merged = new Map<NodeAcc, Set<BadNode[]>>();

    const merge = (group: BadNode[], role: Role, svc: KubeObject, intent: boolean, because: string | undefined): void => {
      for (const b of group) {
        let a = acc.get(b.node.metadata.name);
        if (!a) {
          a = {node: b.node, services: new Set(), missing: new Set(), pods: new Map(), roles: new Set(), because: new Set(), ambient: false, intent: false};
          acc.set(b.node.metadata.name, a);
          merged.set(a, new Set());
        }
        a.services.add(nsName(svc));
        for (const m of b.missing) a.missing.add(m);
        const seen = merged.get(a)!;
        if (!seen.has(group)) {
          seen.add(group);
          for (const pod of b.pods) a.pods.set(nsName(pod), pod);
        }
        a.roles.add(role);
        if (because) a.because.add(`${nsName(svc)}: ${because}`);
        a.ambient ||= b.ambient;
        a.intent ||= intent;
      }
    };

    for (const svc of ctx.objects.Service) {
      const ev = localityLbOf(ctx, svc);
      if (!ev.inEffect) continue;
      const endpoints = badNodesOf(ctx, podsOfService(ctx, svc), (pod) => (ev.path !== 'sidecar' && isAmbientPod(ctx, pod) ? 'ambient' : 'sidecar'));
      merge(endpoints, 'endpoint', svc, ev.intent, ev.because);
      if (ev.path === 'waypoint' && ev.waypoint) {
        // In ambient the waypoint is the client whose locality counts; it is an Envoy read like a sidecar.
        merge(badNodesOf(ctx, waypointPods(ctx, ev.waypoint.name, ev.waypoint.namespace), () => 'sidecar'), 'waypoint', svc, ev.intent, ev.because);
        continue;
      }
      const ns = svc.metadata.namespace ?? '';
      const key = `${ns}\u0000${ev.path}`;
      let clients = clientGroups.get(key);
      if (!clients) {
        const reading =
          ev.path === 'ztunnel'
            ? (pod: KubeObject) => (isAmbientPod(ctx, pod) ? ('ambient' as const) : undefined)
            : (pod: KubeObject) => (isSidecarClient(ctx, pod) ? ('sidecar' as const) : undefined);
        clientGroups.set(key, (clients = badNodesOf(ctx, clientPods(snapshot, ctx, svc), reading)));
      }
      merge(clients, 'client', svc, ev.intent, ev.because);
    }

    for (const a of [...acc.values()].sort((x, y) => compareText(x.node.metadata.name, y.node.metadata.name))) {
      const missing = [LABEL.region, LABEL.zone].filter((m) => a.missing.has(m)) as string[];
      const services = [...a.services].sort();
      const l = a.node.metadata.labels ?? {};
      const betaIgnored = a.ambient && missing.some((m) => (m === LABEL.region ? l[LABEL.betaRegion] : l[LABEL.betaZone]));
      const roles = [...a.roles].sort();
      const consequence = missing.includes(LABEL.region)
        ? 'their locality has no region, so a proxy there sees every endpoint in the same lowest tier (no locality preference, no failover) and an endpoint there is never local to anyone'
        : 'their locality has no zone, so Istio cannot tell same-zone from cross-zone for them and fails over by region only';
      findings.push(
        finding(meta, {
          context: ctx,
          object: a.node,
          severity: a.intent ? 'error' : 'warning',
          message:
            `Node ${a.node.metadata.name} lacks ${missing.join(' and ')}; it runs ${a.pods.size} pod(s) that are ${roles.map((r) => `${r}s`).join(' and ')} of ` +
            `${services.join(', ')}, where locality load balancing is in effect: ${consequence}.` +
            (betaIgnored ? ' Ambient reads only the topology.kubernetes.io labels: the failure-domain.beta.kubernetes.io labels on this node are ignored.' : ''),
          remediation: remediationFor(ctx, a, missing),
          details: {
            node: a.node.metadata.name,
            missingLabels: missing,
            services,
            roles,
            pods: [...a.pods.keys()].sort(),
            failoverIntent: a.intent,
            ambient: a.ambient,
            localityLbBecause: [...a.because].sort(),
          },
        }),
      );
    }
  }
  return findings;
});
