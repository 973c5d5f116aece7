import type {Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {kubectl, patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  analyzeContext,
  arr,
  clusterLabel,
  clusterPolicies,
  knownRegions,
  listText,
  pathText,
  ruleKey,
  setAtPath,
  specClone,
  specPatchBody,
  targetEndpoints,
  type HostTarget,
  type SpecPath,
} from './lib/policy-targets.js';

const meta: CheckMeta = {
  code: 'FO106',
  name: 'failover-target-empty',
  severity: 'warning',
  title: 'failover.to names a region where the service has no endpoint',
  why:
    'When the local region fails, Istio sends traffic first to endpoints in failover.to; every other region shares the ' +
    'last tier. If the service has no endpoint in the target region the rule steers nothing: failover still happens, ' +
    'but to whichever other regions exist, not the one that was planned (capacity, latency, data residency).',
  remediation:
    'Point failover.to at a region where the service runs, or run instances of the service in the target region.',
  requires: ['DestinationRule', 'Service', 'ServiceEntry', 'Pod', 'Node', 'Namespace'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityFailover',
    'https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/failover/',
  ],
  examples: {
    bad: '# helloworld runs in us-east and eu-west only\nlocalityLbSetting:\n  failover:\n  - from: us-east\n    to: us-west',
    good: 'localityLbSetting:\n  failover:\n  - from: us-east\n    to: eu-west',
  },
};

interface Gap {
  readonly path: SpecPath;
  readonly index: number;
  readonly from: string;
  readonly to: string;
  readonly target: HostTarget;
  readonly where: string;
  readonly regions: readonly string[];
}

export const fo106 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const known = knownRegions(snapshot);
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    const byRule = new Map<string, {dr: KubeObject; gaps: Map<string, Gap>}>();
    for (const view of an.views) {
      const dr = view.dr;
      const t = view.target;
      if (!dr || !t.policyApplies) continue;
      for (const c of clusterPolicies(view)) {
        const s = c.locality.setting;
        if (c.locality.source !== 'destination-rule' || !s || !c.localityPath) continue;
        if ((s.distribute?.length ?? 0) > 0 || !(s.failover?.length)) continue;
        const eps = targetEndpoints(snapshot, t, c.subsetLabels ? {subsetLabels: c.subsetLabels} : {});
        if (eps.length === 0) continue; // no endpoint at all: another problem
        // A remote network's gateway stands for endpoints of several localities: their regions are unknown here.
        if (eps.some((e) => e.source.kind === 'EastWestGateway' && !e.locality.region)) continue;
        const regions = new Set(eps.map((e) => e.locality.region).filter((r) => r !== ''));
        const seenFrom = new Set<string>();
        arr(s.failover).forEach((rule, index) => {
          const from = rule?.from ?? '';
          const to = rule?.to ?? '';
          if (seenFrom.has(from)) return; // ignored by Istio (FO107)
          seenFrom.add(from);
          if (!to || to === from || to.includes('/') || to.includes('*')) return; // FO107
          if (!known.regions.has(to)) return; // FO105
          if (regions.has(to)) return;
          let r = byRule.get(ruleKey(dr));
          if (!r) byRule.set(ruleKey(dr), (r = {dr, gaps: new Map()}));
          const key = `${JSON.stringify(c.localityPath)}\u0000${index}\u0000${t.host}`;
          if (!r.gaps.has(key)) r.gaps.set(key, {path: c.localityPath!, index, from, to, target: t, where: clusterLabel(c), regions: [...regions].sort()});
        });
      }
    }
    for (const {dr, gaps} of byRule.values()) out.push(report(ctx.name, dr, [...gaps.values()]));
  }
  return out;
});

function report(context: string, dr: KubeObject, gaps: readonly Gap[]): Finding {
  const parts = gaps.map(
    (g) => `failover[${g.index}] from ${g.from} to ${g.to} (${pathText(g.path)}), but ${g.target.host} (${g.where}) has endpoints only in ${g.regions.length ? listText(g.regions) : 'no region (no locality)'}`,
  );
  return finding(meta, {
    context,
    object: dr,
    message:
      `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}: ${parts.join('; ')}. ` +
      'When the local region fails, traffic goes to whatever other regions have endpoints, not to the planned one.',
    remediation: remedy(context, dr, gaps),
    details: {gaps: gaps.map((g) => ({host: g.target.host, cluster: g.where, from: g.from, to: g.to, endpointRegions: g.regions, path: pathText([...g.path, 'failover', g.index, 'to'])}))},
  });
}

function remedy(context: string, dr: KubeObject, gaps: readonly Gap[]): Remediation {
  const ref = {apiVersion: dr.apiVersion, kind: dr.kind, namespace: dr.metadata.namespace ?? '', name: dr.metadata.name};
  // Only a single obvious replacement is patched: one region with endpoints besides the rule's from.
  const choices = gaps.map((g) => g.regions.filter((r) => r !== g.from));
  if (choices.every((c) => c.length === 1)) {
    const edited = specClone(dr);
    gaps.forEach((g, i) => setAtPath(edited, [...g.path, 'failover', g.index, 'to'], choices[i]![0]));
    return patchRemediation(
      `Fail over to ${listText([...new Set(choices.map((c) => c[0]!))])}, the only other region with endpoints — or run instances in ${listText([...new Set(gaps.map((g) => g.to))])}.`,
      context,
      ref,
      specPatchBody(dr, edited) ?? {spec: {}},
    );
  }
  const ns = [...new Set(gaps.filter((g) => g.target.kind === 'Service').map((g) => g.target.namespace))];
  return {
    summary: `Point failover.to at a region where the service has endpoints, or run instances in ${listText([...new Set(gaps.map((g) => g.to))])}.`,
    commands: [...ns.map((n) => kubectl(context, n, 'get', 'pods', '-o', 'wide')), kubectl(context, ref.namespace, 'edit', 'destinationrule', dr.metadata.name)],
  };
}
