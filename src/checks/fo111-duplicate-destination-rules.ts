import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import type {TrafficPolicy} from '../istio/types.js';
import {kubectl, patchCommand} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {listText} from './lib/policy-targets.js';
import {byCreation, drSpec, isPrivateRule, refOfDr, resolvedDrHost, sameJson, selectorKey} from './lib/policy-extra.js';

const meta: CheckMeta = {
  code: 'FO111',
  name: 'duplicate-destination-rules',
  severity: 'warning',
  title: 'Several DestinationRules for one host: only the oldest one\'s trafficPolicy applies',
  why:
    'Istio merges the DestinationRules of one namespace that name the same host (after short-name resolution) and have ' +
    'no workloadSelector, or the same one: it adds the subsets of all of them, but keeps the trafficPolicy of the oldest ' +
    'rule that has one. The trafficPolicy of every later rule — its outlierDetection, localityLbSetting, tls, connectionPool — is silently dropped.',
  remediation:
    'Keep one DestinationRule per host: move the fields the later rule sets into the rule Istio uses, then remove the ' +
    'later rule\'s trafficPolicy (its subsets may stay), or give the rules distinct workloadSelectors.',
  requires: ['DestinationRule'],
  references: [
    'pilot/pkg/model/push_context.go SetDestinationRules, sortConfigByCreationTime',
    'pilot/pkg/model/destination_rule.go mergeDestinationRule ("we only add the subsets and do not overwrite anything else like exportTo or top level traffic policies")',
    'https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services',
  ],
  examples: {
    bad:
      '# created first\nname: helloworld\nspec:\n  host: helloworld.sample.svc.cluster.local\n  trafficPolicy:\n    connectionPool: {tcp: {maxConnections: 100}}\n' +
      '---\n# created later: its trafficPolicy is ignored\nname: helloworld-failover\nspec:\n  host: helloworld\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 5}',
    good:
      'name: helloworld\nspec:\n  host: helloworld.sample.svc.cluster.local\n  trafficPolicy:\n    connectionPool: {tcp: {maxConnections: 100}}\n    outlierDetection: {consecutive5xxErrors: 5}',
  },
};

interface Dropped {
  readonly dr: KubeObject;
  readonly winner: KubeObject;
  readonly host: string;
  /** Fields of the dropped trafficPolicy the winner lacks. */
  readonly missing: string[];
  /** Fields both set, differently. */
  readonly conflicting: string[];
  /** Istio still applies it to clients in other namespaces (the winner is private to its namespace). */
  readonly onlyLocalClients: boolean;
  readonly duplicateSubsets: string[];
  readonly timestampsKnown: boolean;
}

export const fo111 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    // Istio merges per namespace (namespaceLocalDestRules), per resolved host string, per workload selector.
    const groups = new Map<string, KubeObject[]>();
    for (const dr of ctx.objects.DestinationRule) {
      const host = resolvedDrHost(ctx, dr);
      if (!host) continue;
      const k = `${dr.metadata.namespace ?? ''}\u0000${host}\u0000${selectorKey(dr)}`;
      let arr = groups.get(k);
      if (!arr) groups.set(k, (arr = []));
      // The same object listed twice (e.g. in two files of a bundle) is one rule, not a duplicate.
      if (!arr.some((o) => o.metadata.name === dr.metadata.name)) arr.push(dr);
    }
    for (const rules of groups.values()) {
      if (rules.length < 2) continue;
      const ordered = [...rules].sort(byCreation);
      const winner = ordered.find((dr) => drSpec(dr).trafficPolicy != null);
      if (!winner) continue;
      const host = resolvedDrHost(ctx, winner);
      const seenSubsets = new Set<string>();
      for (const dr of ordered) {
        const subsetNames = (drSpec(dr).subsets ?? []).map((s) => s?.name).filter((n): n is string => !!n);
        const dup = dr === ordered[0] ? [] : subsetNames.filter((n) => seenSubsets.has(n));
        for (const n of subsetNames) seenSubsets.add(n);
        if (dr === winner || ordered.indexOf(dr) < ordered.indexOf(winner)) continue;
        const tp = drSpec(dr).trafficPolicy;
        if (tp == null || typeof tp !== 'object' || Array.isArray(tp)) continue;
        const w = (drSpec(winner).trafficPolicy ?? {}) as Record<string, unknown>;
        const lost = Object.entries(tp as Record<string, unknown>).filter(([k, v]) => v != null && !sameJson(w[k], v));
        if (lost.length === 0) continue; // the rule Istio uses already says the same
        out.push(
          report(ctx, {
            dr,
            winner,
            host,
            missing: lost.filter(([k]) => w[k] == null).map(([k]) => k),
            conflicting: lost.filter(([k]) => w[k] != null).map(([k]) => k),
            onlyLocalClients: isPrivateRule(winner) && !isPrivateRule(dr),
            duplicateSubsets: dup,
            timestampsKnown: !!dr.metadata.creationTimestamp && !!winner.metadata.creationTimestamp,
          }),
        );
      }
    }
  }
  return out;
});

function report(ctx: ContextSnapshot, d: Dropped): Finding {
  const name = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;
  const fields = [...d.missing, ...d.conflicting].map((f) => `trafficPolicy.${f}`);
  const order = d.timestampsKnown
    ? `${name(d.winner)} is older (${d.winner.metadata.creationTimestamp})`
    : `${name(d.winner)} comes first (creation times unknown here: Istio orders by creation time, then name)`;
  let message =
    `DestinationRule ${name(d.dr)} names the same host as ${name(d.winner)} (${d.host}) with no distinct workloadSelector: ` +
    `Istio merges them and keeps only ${name(d.winner)}'s trafficPolicy (${order}), so ${listText(fields)} of ${name(d.dr)} ` +
    `${d.onlyLocalClients ? `is ignored for clients in namespace ${d.dr.metadata.namespace} (where both rules are visible)` : 'is ignored'}.`;
  if (d.conflicting.length) message += ` Both set ${listText(d.conflicting)}, differently: ${name(d.winner)}'s values are the ones in force.`;
  if (d.duplicateSubsets.length) message += ` Its subset(s) ${listText(d.duplicateSubsets)} repeat names of an earlier rule and are dropped too.`;
  return finding(meta, {
    context: ctx,
    object: d.dr,
    message,
    remediation: remedy(ctx, d),
    details: {
      host: d.host,
      appliedRule: name(d.winner),
      droppedFields: fields,
      missingInApplied: d.missing,
      conflicting: d.conflicting,
      ...(d.duplicateSubsets.length ? {duplicateSubsets: d.duplicateSubsets} : {}),
      orderFromCreationTime: d.timestampsKnown,
    },
  });
}

/**
 * Moving a policy between two objects is not a patch of the flagged object alone, so the commands
 * are for review: add the fields the applied rule lacks to it, then remove the ignored trafficPolicy.
 */
function remedy(ctx: ContextSnapshot, d: Dropped): Remediation {
  const tp = (drSpec(d.dr).trafficPolicy ?? {}) as TrafficPolicy & Record<string, unknown>;
  const add = Object.fromEntries(d.missing.map((k) => [k, tp[k]]));
  const commands: string[] = [];
  if (d.missing.length) commands.push(patchCommand(ctx.name, refOfDr(d.winner), {type: 'merge', body: {spec: {trafficPolicy: add}}}));
  if (d.conflicting.length) commands.push(kubectl(ctx.name, d.winner.metadata.namespace, 'edit', 'destinationrule', d.winner.metadata.name));
  commands.push(patchCommand(ctx.name, refOfDr(d.dr), {type: 'merge', body: {spec: {trafficPolicy: null}}}));
  const steps: string[] = [];
  if (d.missing.length) steps.push(`add ${listText(d.missing.map((f) => `trafficPolicy.${f}`))} to ${d.winner.metadata.name} (the rule Istio uses)`);
  if (d.conflicting.length) steps.push(`decide which ${listText(d.conflicting)} you want and set it in ${d.winner.metadata.name}`);
  steps.push(`remove the ignored trafficPolicy from ${d.dr.metadata.name} (its subsets still merge)`);
  return {summary: `Keep one policy for ${d.host}: ${steps.join(', then ')} — or give the two rules distinct workloadSelectors.`, commands};
}
