import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, ObjectRef, Remediation} from '../model/types.js';
import {LABEL} from '../istio/constants.js';
import {isAmbientPod, isLivePod, workloadEntryLabels} from '../istio/workloads.js';
import {labelCommand, patchCommand} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {dottedKnownRegion, LOCALITY_FORMAT, parseLocalityString, reliableRegions} from './lib/extra-topology.js';
import {ownerOfPod, type Workload} from './lib/policy-extra.js';

const meta: CheckMeta = {
  code: 'FO204',
  name: 'locality-label-malformed',
  severity: 'warning',
  title: 'A pod or WorkloadEntry locality has more than three segments, or dots that Istio splits',
  why:
    'Istio splits a locality into region/zone/subzone and silently drops any further segment. A label value cannot hold "/", so in the ' +
    'topology.istio.io/locality and istio-locality labels Istio reads "." as the separator: a region name that contains dots is cut into ' +
    'region, zone and subzone, and the endpoint or proxy lands in a locality that matches nothing, so it is never local to anyone.',
  remediation:
    'Give the label at most three dot-separated segments (region.zone.subzone), or remove it so the node\'s topology labels apply; ' +
    'for a WorkloadEntry, write the locality in spec.locality with "/" separators, which keeps dots inside a region name.',
  requires: ['Pod', 'WorkloadEntry'],
  references: [
    'pkg/model/proxy.go SanitizeLocalityLabel',
    'pkg/serviceregistry/util/label/label.go SplitLocalityLabel',
    'pilot/pkg/serviceregistry/kube/controller/controller.go getPodLocality',
    'pilot/pkg/serviceregistry/serviceentry/conversion.go (WorkloadEntry locality)',
  ],
  examples: {
    bad: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: app-0\n  labels:\n    topology.istio.io/locality: eu.central.1.zone-a   # 4 segments: zone-a dropped',
    good: 'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n  name: vm-1\nspec:\n  address: 10.0.0.7\n  locality: eu.central.1/zone-a',
  },
};

/** Pod label commands per finding when the pods have no controller. */
const MAX_POD_COMMANDS = 10;

type IssueKind = 'too-many-segments' | 'empty-segment' | 'dotted-region' | 'label-format-in-spec';

interface Analysis {
  readonly issues: readonly IssueKind[];
  readonly used: readonly string[];
  readonly dropped: readonly string[];
  readonly empty: readonly string[];
  /** The dotted region the value starts with (a region the run knows), when there is one. */
  readonly knownRegion?: string;
  /** The locality as it was most likely meant, '/'-separated (at most three segments). */
  readonly meant: string;
}

function analyze(value: string, from: 'label' | 'spec', known: ReadonlySet<string>): Analysis {
  const p = parseLocalityString(value, from);
  const issues: IssueKind[] = [];
  if (p.dropped.length > 0) issues.push('too-many-segments');
  if (p.emptyBefore.length > 0) issues.push('empty-segment');
  let dotted: {region: string; rest: string[]} | undefined;
  if (from === 'label' && p.dotsSplit) {
    dotted = dottedKnownRegion(value, known, 2);
    if (dotted) issues.push('dotted-region');
  } else if (from === 'spec' && p.segments.length === 1 && value.includes(LOCALITY_FORMAT.labelSeparator) && !known.has(value)) {
    // spec.locality is not split on dots: `us-east-1.us-east-1a` is one (unknown) region.
    const d = dottedKnownRegion(value, known, 1);
    if (d && d.rest.length > 0) {
      dotted = d;
      issues.push('label-format-in-spec');
    }
  }
  const meantSegments = dotted ? [dotted.region, ...dotted.rest] : p.used.filter((s) => s !== '');
  return {
    issues,
    used: p.used,
    dropped: p.dropped,
    empty: p.emptyBefore,
    ...(dotted ? {knownRegion: dotted.region} : {}),
    meant: meantSegments.slice(0, LOCALITY_FORMAT.maxSegments).join(LOCALITY_FORMAT.separator),
  };
}

function readingText(a: Analysis): string {
  const parts = a.used.map((s, i) => `${LOCALITY_FORMAT.names[i]} "${s}"`);
  return parts.join(', ');
}

function problemText(a: Analysis, value: string, from: 'label' | 'spec'): string {
  const out: string[] = [];
  if (a.issues.includes('label-format-in-spec')) {
    out.push(
      `it has no "/", so Istio reads all of "${value}" as the region (only labels are split on dots), and no node or endpoint has that region; ` +
        `"${a.knownRegion}" is a known region, so "${a.meant}" is probably what was meant`,
    );
    return out.join('; ');
  }
  out.push(`Istio reads it as ${readingText(a)}`);
  if (a.dropped.length > 0) out.push(`and drops ${a.dropped.map((d) => `"${d}"`).join(', ')} (a locality has at most ${LOCALITY_FORMAT.maxSegments} segments${from === 'label' ? ', and in a label "." separates them' : ''})`);
  if (a.empty.length > 0) out.push(`with an empty ${a.empty.join(' and ')}`);
  let text = out.join(' ');
  if (a.issues.includes('dotted-region')) {
    text +=
      `; but "${a.knownRegion}" is a region of the run (node labels or endpoint localities): a label value cannot hold "/", ` +
      'so a region name with dots cannot be written in this label';
  }
  return text;
}

interface PodGroup {
  readonly owner: Workload;
  readonly object: KubeObject | ObjectRef;
  readonly key: string;
  readonly value: string;
  readonly pods: KubeObject[];
}

function podGroups(ctx: ContextSnapshot): PodGroup[] {
  const groups = new Map<string, PodGroup>();
  for (const pod of ctx.objects.Pod) {
    if (!isLivePod(pod)) continue;
    const l = pod.metadata.labels ?? {};
    const key = l[LABEL.locality] ? LABEL.locality : l[LABEL.legacyLocality] ? LABEL.legacyLocality : undefined;
    if (!key) continue;
    // The ambient registry ignores the label (it reads node labels only): nothing to mangle.
    if (isAmbientPod(ctx, pod)) continue;
    const value = l[key]!;
    const owner = ownerOfPod(ctx, pod);
    const id = `${owner.kind}\u0000${owner.namespace}\u0000${owner.name}\u0000${key}\u0000${value}`;
    let g = groups.get(id);
    if (!g) {
      const object: KubeObject | ObjectRef =
        owner.kind === 'Pod'
          ? pod
          : owner.kind === 'Deployment'
            ? (ctx.index.get('Deployment', owner.namespace, owner.name) ?? {apiVersion: 'apps/v1', kind: 'Deployment', namespace: owner.namespace, name: owner.name})
            : {apiVersion: 'apps/v1', kind: owner.kind, namespace: owner.namespace, name: owner.name};
      groups.set(id, (g = {owner, object, key, value, pods: []}));
    }
    g.pods.push(pod);
  }
  return [...groups.values()];
}

function podRemediation(g: PodGroup, a: Analysis): Remediation {
  // A dotted region cannot be written in the label: let the node's topology labels give it.
  const remove = a.issues.includes('dotted-region');
  const newValue = remove ? null : a.meant.split(LOCALITY_FORMAT.separator).join(LOCALITY_FORMAT.labelSeparator);
  const what = remove
    ? `Remove the ${g.key} label so that the locality comes from the node's topology.kubernetes.io labels (make sure the nodes carry region "${a.knownRegion}")`
    : `Set ${g.key} to "${newValue}" (${a.issues.includes('too-many-segments') ? `the ${LOCALITY_FORMAT.maxSegments} segments Istio uses today` : 'without the empty segment'}; ` +
      'put the real region.zone.subzone if that is not it)';
  if (g.owner.kind !== 'Pod') {
    const ref: ObjectRef = {apiVersion: 'apps/v1', kind: g.owner.kind, namespace: g.owner.namespace, name: g.owner.name};
    const body = {spec: {template: {metadata: {labels: {[g.key]: newValue}}}}};
    return {
      summary: `${what} in the pod template of ${g.owner.kind} ${g.owner.namespace}/${g.owner.name}; the rollout replaces the pods, and Istio reads a pod's locality when it starts.`,
      commands: [patchCommand(g.owner.context, ref, {type: 'merge', body})],
      patch: {type: 'merge', body},
    };
  }
  const commands = g.pods.slice(0, MAX_POD_COMMANDS).map((p) =>
    labelCommand(g.owner.context, {apiVersion: 'v1', kind: 'Pod', namespace: p.metadata.namespace!, name: p.metadata.name}, {[g.key]: newValue ?? undefined}),
  );
  return {
    summary: `Pod ${g.owner.namespace}/${g.owner.name} (no controller found): ${what[0]!.toLowerCase()}${what.slice(1)}; then recreate the pod, since Istio reads a pod's locality when it starts.`,
    commands,
    patch: {type: 'merge', body: {metadata: {labels: {[g.key]: newValue}}}},
  };
}

export const fo204 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const findings: Finding[] = [];
  const known = reliableRegions(snapshot);
  for (const ctx of snapshot.contexts) {
    for (const g of podGroups(ctx)) {
      const a = analyze(g.value, 'label', known);
      if (a.issues.length === 0) continue;
      const subject = g.owner.kind === 'Pod' ? `Pod ${g.owner.namespace}/${g.owner.name}` : `${g.owner.kind} ${g.owner.namespace}/${g.owner.name} (${g.pods.length} pod(s))`;
      findings.push(
        finding(meta, {
          context: ctx,
          object: g.object,
          message: `${subject} carries ${g.key}=${g.value}: ${problemText(a, g.value, 'label')}.`,
          remediation: podRemediation(g, a),
          details: {
            label: g.key,
            value: g.value,
            issues: a.issues,
            region: a.used[0] ?? '',
            zone: a.used[1] ?? '',
            subzone: a.used[2] ?? '',
            dropped: a.dropped,
            ...(a.knownRegion ? {knownRegion: a.knownRegion} : {}),
            pods: g.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(),
          },
        }),
      );
    }
    for (const we of ctx.objects.WorkloadEntry) {
      const spec = (we.spec ?? {}) as {locality?: unknown};
      const labels = workloadEntryLabels(we);
      let from: 'label' | 'spec';
      let field: string;
      let value: string;
      if (typeof spec.locality === 'string' && spec.locality) {
        from = 'spec';
        field = 'spec.locality';
        value = spec.locality;
      } else {
        const key = labels[LABEL.locality] ? LABEL.locality : labels[LABEL.legacyLocality] ? LABEL.legacyLocality : undefined;
        if (!key) continue;
        from = 'label';
        field = `label ${key}`;
        value = labels[key]!;
      }
      const a = analyze(value, from, known);
      if (a.issues.length === 0) continue;
      // spec.locality keeps dots inside a region name and takes precedence over the labels.
      const body = {spec: {locality: a.meant}};
      const remediation: Remediation = {
        summary:
          `Set spec.locality of WorkloadEntry ${we.metadata.namespace}/${we.metadata.name} to "${a.meant}" ("/"-separated; it takes precedence over the labels)` +
          (a.issues.includes('too-many-segments') && !a.knownRegion ? '; these are the segments Istio uses today: put the real region/zone/subzone if that is not it.' : '.'),
        commands: [patchCommand(ctx.name, {apiVersion: we.apiVersion, kind: 'WorkloadEntry', namespace: we.metadata.namespace!, name: we.metadata.name}, {type: 'merge', body})],
        patch: {type: 'merge', body},
      };
      findings.push(
        finding(meta, {
          context: ctx,
          object: we,
          message: `WorkloadEntry ${we.metadata.namespace}/${we.metadata.name} ${field} is "${value}": ${problemText(a, value, from)}.`,
          remediation,
          details: {
            field,
            value,
            issues: a.issues,
            region: from === 'spec' && a.issues.includes('label-format-in-spec') ? value : (a.used[0] ?? ''),
            zone: a.issues.includes('label-format-in-spec') ? '' : (a.used[1] ?? ''),
            subzone: a.issues.includes('label-format-in-spec') ? '' : (a.used[2] ?? ''),
            dropped: a.dropped,
            ...(a.knownRegion ? {knownRegion: a.knownRegion} : {}),
            suggested: a.meant,
          },
        }),
      );
    }
  }
  return findings;
});
