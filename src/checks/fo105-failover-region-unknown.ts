import {toYaml as stringify} from '../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation, Severity} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {meshInfo} from '../istio/mesh.js';
import type {LocalityLbSetting} from '../istio/types.js';
import {kubectl, patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  activeLocalitySettings,
  arr,
  editDistance,
  knownRegions,
  listText,
  pathText,
  setAtPath,
  specClone,
  specPatchBody,
  unreadPeers,
  type KnownRegions,
  type SpecPath,
} from './lib/policy-targets.js';

const meta: CheckMeta = {
  code: 'FO105',
  name: 'failover-region-unknown',
  severity: 'error',
  severityNote: 'warning when clients or endpoints may run in clusters this run did not read (or some nodes could not be read)',
  title: 'failover.from or failover.to names a region no node, ServiceEntry endpoint or WorkloadEntry has',
  why:
    "Istio compares failover.from with the client proxy's region and failover.to with each endpoint's region as exact " +
    'strings; the webhook does not check that the names exist. A rule whose from matches no client never applies; a ' +
    'rule whose to matches no endpoint sends failover traffic to no region in particular (every other region shares the ' +
    'last tier). A typo such as us-east-1 for us-east1 passes silently.',
  remediation:
    'Use the region names the nodes carry (kubectl get nodes -L topology.kubernetes.io/region) and the ServiceEntry / ' +
    'WorkloadEntry localities use.',
  requires: ['DestinationRule'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityFailover (exact from == proxy region, to == endpoint region)',
    'pkg/config/validation/agent/validation.go ValidateLocalityLbSetting (names not checked)',
    'pilot/pkg/serviceregistry/kube/controller/controller.go getPodLocality',
  ],
  examples: {
    bad: '# nodes: topology.kubernetes.io/region=us-east1\nlocalityLbSetting:\n  failover:\n  - from: us-east-1\n    to: us-west1',
    good: '# nodes: topology.kubernetes.io/region=us-east1\nlocalityLbSetting:\n  failover:\n  - from: us-east1\n    to: us-west1',
  },
};

/** Suggest a known name at most this share of the name's length away (edit distance), at least 1. */
const SUGGEST_MAX_DISTANCE_RATIO = 0.25;

interface Unknown {
  readonly path: SpecPath;
  readonly index: number;
  readonly side: 'from' | 'to';
  readonly value: string;
  readonly suggestion?: string;
}

/** The nearest known region, when one is close enough (never `exclude`, which would make from = to). */
export function nearestRegion(name: string, known: Iterable<string>, exclude?: string): string | undefined {
  const limit = Math.max(1, Math.floor(name.length * SUGGEST_MAX_DISTANCE_RATIO));
  let best: {r: string; d: number} | undefined;
  for (const r of known) {
    if (r === exclude) continue;
    const d = editDistance(name, r);
    if (d <= limit && (!best || d < best.d || (d === best.d && r < best.r))) best = {r, d};
  }
  return best?.r;
}

function unknownNames(setting: LocalityLbSetting, path: SpecPath, known: KnownRegions): Unknown[] {
  const out: Unknown[] = [];
  arr(setting.failover).forEach((rule, index) => {
    for (const side of ['from', 'to'] as const) {
      const value = rule?.[side] ?? '';
      // Empty, zone paths and wildcards are FO107's (the webhook rejects them).
      if (!value || value.includes('/') || value.includes('*')) continue;
      if (known.regions.has(value)) continue;
      const other = side === 'from' ? rule?.to : rule?.from;
      const suggestion = nearestRegion(value, known.regions.keys(), other);
      out.push({path, index, side, value, ...(suggestion ? {suggestion} : {})});
    }
  });
  return out;
}

export const fo105 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const known = knownRegions(snapshot);
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const peers = unreadPeers(snapshot, ctx);
    const severity: Severity = peers.length || known.incomplete.length ? 'warning' : 'error';
    for (const dr of ctx.objects.DestinationRule) {
      const list = activeLocalitySettings(dr).flatMap(({setting, path}) => unknownNames(setting, path, known));
      if (list.length) out.push(report(snapshot, ctx, dr, severity, list, known, peers));
    }
    const info = meshInfo(ctx);
    const mesh = info.config.localityLbSetting;
    if (mesh && mesh.enabled !== false) {
      const list = unknownNames(mesh, ['localityLbSetting'], known);
      const cm = ctx.index.byNamespace('ConfigMap', ctx.istioNamespace).find((c) => c.metadata.name === 'istio') ??
        ctx.index.byNamespace('ConfigMap', ctx.istioNamespace).find((c) => c.metadata.name.startsWith('istio-') && c.data?.mesh !== undefined);
      if (list.length && cm) out.push(report(snapshot, ctx, cm, severity, list, known, peers, mesh));
    }
  }
  return out;
});

function report(
  snapshot: Snapshot,
  ctx: ContextSnapshot,
  object: KubeObject,
  severity: Severity,
  list: readonly Unknown[],
  known: KnownRegions,
  peers: readonly string[],
  meshSetting?: LocalityLbSetting,
): Finding {
  const regions = [...known.regions.keys()].sort();
  const names = list.map((u) => `${u.side} "${u.value}" (${pathText([...u.path, 'failover', u.index, u.side])})${u.suggestion ? ` — did you mean "${u.suggestion}"?` : ''}`);
  const what = meshSetting ? `Mesh config (ConfigMap ${object.metadata.namespace}/${object.metadata.name})` : `DestinationRule ${object.metadata.namespace}/${object.metadata.name}`;
  let message = `${what}: failover names a region that no node, ServiceEntry endpoint or WorkloadEntry has in the contexts read: ${listText(names)}. `;
  message += regions.length ? `Regions seen: ${listText(regions, 10)}.` : 'No node of the run carries a region label (see FO201).';
  if (list.some((u) => u.side === 'from')) message += ' A rule whose from matches no client region never applies.';
  if (list.some((u) => u.side === 'to')) message += ' A rule whose to matches no endpoint region does not steer failover anywhere: every other region shares the last tier.';
  if (severity === 'warning') {
    const why = [...peers, ...known.incomplete.map((c) => `nodes/ServiceEntries/WorkloadEntries of context ${c} could not all be read`)];
    message += ` Clients or endpoints may run where this run did not look (${listText(why, 3)}), so the name may be right there.`;
  }
  return finding(meta, {
    context: ctx,
    object,
    severity,
    message,
    remediation: remedy(snapshot, ctx, object, list, regions, meshSetting),
    details: {unknown: list.map((u) => ({side: u.side, value: u.value, path: pathText([...u.path, 'failover', u.index, u.side]), ...(u.suggestion ? {suggestion: u.suggestion} : {})})), knownRegions: regions, ...(peers.length ? {unreadPeers: peers} : {})},
  });
}

function remedy(snapshot: Snapshot, ctx: ContextSnapshot, object: KubeObject, list: readonly Unknown[], regions: readonly string[], meshSetting?: LocalityLbSetting): Remediation {
  const allSuggested = list.every((u) => u.suggestion);
  const listNodes = snapshot.contexts.map((c) => kubectl(c.name, undefined, 'get', 'nodes', '-L', `${LABEL.region},${LABEL.zone}`));
  const known = regions.length ? ` (regions seen: ${listText(regions, 10)})` : '';
  if (meshSetting) {
    const fixed = structuredClone(meshSetting);
    if (allSuggested) for (const u of list) fixed.failover![u.index]![u.side] = u.suggestion!;
    return {
      summary: `${allSuggested ? 'Use the suggested region names' : 'Use region names that exist'}${known} in the mesh config localityLbSetting (meshConfig of your IstioOperator/Helm values if the ConfigMap is generated).`,
      commands: [...listNodes, kubectl(ctx.name, object.metadata.namespace, 'edit', 'configmap', object.metadata.name)],
      snippet: stringify({localityLbSetting: fixed}),
    };
  }
  const ref = {apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name};
  if (allSuggested) {
    const edited = specClone(object);
    for (const u of list) setAtPath(edited, [...u.path, 'failover', u.index, u.side], u.suggestion);
    return patchRemediation(
      `Use ${listText(list.map((u) => `"${u.suggestion}" for "${u.value}"`))}.`,
      ctx.name,
      ref,
      specPatchBody(object, edited) ?? {spec: {}},
    );
  }
  return {
    summary: `Replace ${listText([...new Set(list.map((u) => `"${u.value}"`))])} with a region the nodes or endpoints carry${known}, or remove the rule.`,
    commands: [...listNodes, kubectl(ctx.name, ref.namespace, 'edit', 'destinationrule', object.metadata.name)],
  };
}
