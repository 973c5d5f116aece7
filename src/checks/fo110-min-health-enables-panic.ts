import type {Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject} from '../model/types.js';
import type {DestinationRuleSpec, TrafficPolicy} from '../istio/types.js';
import {patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {analyzeContext, listText, pathText, ruleKey, setAtPath, specClone, specPatchBody, type SpecPath} from './lib/policy-targets.js';
import {refOfDr, sendsUnhealthyEndpoints, trafficDistributionInEffect} from './lib/policy-extra.js';

const meta: CheckMeta = {
  code: 'FO110',
  name: 'min-health-enables-panic',
  severity: 'warning',
  title: 'outlierDetection.minHealthPercent > 0 turns Envoy\'s panic mode back on',
  why:
    'With outlierDetection Istio sets the cluster\'s healthy_panic_threshold to minHealthPercent (default 0: panic off). ' +
    'Above 0, a priority whose healthy share drops below it is in panic: Envoy ignores health there and spreads that ' +
    'priority\'s traffic over all its hosts, ejected ones included — exactly when most of a locality is failing.',
  remediation: 'Remove minHealthPercent (or set it to 0) so that ejected hosts never receive traffic.',
  requires: ['DestinationRule'],
  references: [
    'pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection (HealthyPanicThreshold = minHealthPercent)',
    'pilot/pkg/model/service.go SupportsUnhealthyEndpoints (threshold forced to 0 with trafficDistribution or PILOT_SEND_UNHEALTHY_ENDPOINTS)',
    'https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/panic_threshold',
  ],
  examples: {
    bad: 'outlierDetection:\n  consecutive5xxErrors: 5\n  minHealthPercent: 50',
    good: 'outlierDetection:\n  consecutive5xxErrors: 5\n  maxEjectionPercent: 100',
  },
};

interface Spot {
  readonly path: SpecPath;
  readonly value: number;
  /** Ports with their own entry at this level (a level-wide outlierDetection does not reach them). */
  readonly shadowedBy?: ReadonlySet<number>;
  readonly port?: number;
}

function panicSpots(dr: KubeObject): Spot[] {
  const spec = (dr.spec ?? {}) as DestinationRuleSpec;
  const out: Spot[] = [];
  const value = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
  const visit = (tp: TrafficPolicy | undefined, base: SpecPath): void => {
    if (!tp) return;
    const entries = tp.portLevelSettings ?? [];
    const entryPorts = new Set(entries.map((e) => e?.port?.number).filter((n): n is number => typeof n === 'number'));
    const top = tp.outlierDetection?.minHealthPercent;
    if (top != null && value(top) > 0) out.push({path: [...base, 'outlierDetection'], value: value(top), shadowedBy: entryPorts});
    entries.forEach((e, i) => {
      const v = e?.outlierDetection?.minHealthPercent;
      if (v != null && value(v) > 0) out.push({path: [...base, 'portLevelSettings', i, 'outlierDetection'], value: value(v), ...(typeof e.port?.number === 'number' ? {port: e.port.number} : {})});
    });
  };
  visit(spec.trafficPolicy ?? undefined, ['trafficPolicy']);
  (spec.subsets ?? []).forEach((s, j) => visit(s?.trafficPolicy ?? undefined, ['subsets', j, 'trafficPolicy']));
  return out;
}

export const fo110 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    // istiod sends unhealthy endpoints mesh-wide: it forces the panic threshold to 0 everywhere.
    if (sendsUnhealthyEndpoints(ctx)) continue;
    const an = analyzeContext(snapshot, ctx);
    for (const dr of ctx.objects.DestinationRule) {
      const spots = panicSpots(dr);
      if (spots.length === 0) continue;
      const views = an.viewsByRule.get(ruleKey(dr)) ?? [];
      // Its policy is used by no one: shadowed by another rule (or merged away, FO111).
      if (views.length === 0 && an.rulesMatchingATarget.has(ruleKey(dr))) continue;
      const applied = views.filter((v) => v.target.policyApplies);
      if (views.length > 0 && applied.length === 0) continue; // ambient without waypoint (FO302)
      // Hosts whose Service sets trafficDistribution: Istio forces the threshold to 0 for them.
      const affected = applied.filter((v) => !trafficDistributionInEffect(v.target));
      if (views.length > 0 && affected.length === 0) continue;
      const ports = new Set(affected.flatMap((v) => v.target.ports.map((p) => p.number)));
      const used = spots.filter((s) => {
        if (views.length === 0 || ports.size === 0) return true; // no known host: judge the rule by itself
        if (s.port !== undefined) return ports.has(s.port);
        return [...ports].some((p) => !s.shadowedBy?.has(p));
      });
      if (used.length === 0) continue;
      const edited = specClone(dr);
      for (const s of used) setAtPath(edited, [...s.path, 'minHealthPercent'], undefined);
      const body = specPatchBody(dr, edited) ?? {spec: {}};
      const where = used.map((s) => `${pathText(s.path)}.minHealthPercent: ${s.value}`);
      const hosts = [...new Set(affected.map((v) => v.target.host))];
      const exempt = [...new Set(applied.filter((v) => !affected.includes(v)).map((v) => v.target.host))];
      out.push(
        finding(meta, {
          context: ctx,
          object: dr,
          message:
            `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}: ${listText(where)}. Istio makes this Envoy's panic threshold: ` +
            'when less than that share of a priority\'s hosts is healthy (and the priorities together are below 100% health), Envoy ' +
            'ignores health in it and sends its share of the traffic to all its hosts, ejected ones included.' +
            (hosts.length ? ` Affects ${listText(hosts)}.` : '') +
            (exempt.length ? ` (Not ${listText(exempt)}: its trafficDistribution makes Istio force the threshold to 0.)` : ''),
          remediation: patchRemediation(
            `Remove minHealthPercent at ${listText(used.map((s) => pathText(s.path)))} (the default, 0, keeps panic mode off).`,
            ctx.name,
            refOfDr(dr),
            body,
          ),
          details: {locations: used.map((s) => ({path: pathText([...s.path, 'minHealthPercent']), minHealthPercent: s.value})), hosts, ...(exempt.length ? {exempt} : {})},
        }),
      );
    }
  }
  return out;
});
