import type {Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject} from '../model/types.js';
import {ENVOY} from '../istio/constants.js';
import type {DestinationRuleSpec, TrafficPolicy} from '../istio/types.js';
import {patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {arr, analyzeContext, ejectsNothing, listText, pathText, ruleKey, setAtPath, specClone, specPatchBody, type SpecPath} from './lib/policy-targets.js';

const meta: CheckMeta = {
  code: 'FO104',
  name: 'outlier-detection-disabled',
  severity: 'error',
  title: 'outlierDetection is present but can never eject a host',
  why:
    'Istio maps consecutive5xxErrors: 0 to enforcing_consecutive_5xx 0, and Envoy only enforces gateway errors when ' +
    'consecutiveGatewayErrors is set above 0 and local-origin failures only in split mode; success-rate ejection is ' +
    'always off in Istio. So nothing is ever ejected: Istio still assigns locality priorities (outlierDetection is ' +
    'present), but failing local endpoints keep their traffic until their pods leave the endpoints (readiness).',
  remediation:
    'Set consecutive5xxErrors (Envoy\'s default is 5) or consecutiveGatewayErrors to a value above 0, or enable ' +
    'splitExternalLocalOriginErrors with consecutiveLocalOriginFailures.',
  requires: ['DestinationRule'],
  references: [
    'pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection',
    'envoy api/envoy/config/cluster/v3/outlier_detection.proto (enforcing_consecutive_gateway_failure default 0)',
    'https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection',
  ],
  examples: {
    bad: 'outlierDetection:\n  consecutive5xxErrors: 0\n  interval: 10s',
    good: 'outlierDetection:\n  consecutive5xxErrors: 5\n  interval: 10s\n  baseEjectionTime: 30s\n  maxEjectionPercent: 100',
  },
};

interface Spot {
  readonly path: SpecPath;
  /** Ports that have their own entry at this level (they do not use a level-wide outlierDetection). */
  readonly shadowedBy?: ReadonlySet<number>;
  /** For a port entry: its port. */
  readonly port?: number;
}

/** Every outlierDetection of a rule that ejects nothing, with what could make it unused. */
function disabledSpots(dr: KubeObject): Spot[] {
  const spec = (dr.spec ?? {}) as DestinationRuleSpec;
  const out: Spot[] = [];
  const visit = (tp: TrafficPolicy | undefined, base: SpecPath): void => {
    if (!tp) return;
    const entries = arr(tp.portLevelSettings);
    const entryPorts = new Set(entries.map((e) => e?.port?.number).filter((n): n is number => typeof n === 'number'));
    if (tp.outlierDetection && ejectsNothing(tp.outlierDetection)) out.push({path: [...base, 'outlierDetection'], shadowedBy: entryPorts});
    entries.forEach((e, i) => {
      if (e?.outlierDetection && ejectsNothing(e.outlierDetection)) {
        out.push({path: [...base, 'portLevelSettings', i, 'outlierDetection'], ...(typeof e.port?.number === 'number' ? {port: e.port.number} : {})});
      }
    });
  };
  visit(spec.trafficPolicy ?? undefined, ['trafficPolicy']);
  arr(spec.subsets).forEach((s, j) => visit(s?.trafficPolicy ?? undefined, ['subsets', j, 'trafficPolicy']));
  return out;
}

export const fo104 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    for (const dr of ctx.objects.DestinationRule) {
      const spots = disabledSpots(dr);
      if (spots.length === 0) continue;
      const views = an.viewsByRule.get(ruleKey(dr)) ?? [];
      // Its policy is used by no one we can see: ignored (ambient without waypoint), or shadowed by another rule.
      if (views.length === 0 && an.rulesMatchingATarget.has(ruleKey(dr))) continue;
      if (views.length > 0 && !views.some((v) => v.target.policyApplies)) continue;
      const ports = new Set(views.filter((v) => v.target.policyApplies).flatMap((v) => v.target.ports.map((p) => p.number)));
      const used = spots.filter((s) => {
        if (ports.size === 0) return true; // no known host: judge the rule by itself
        if (s.port !== undefined) return ports.has(s.port);
        return [...ports].some((p) => !s.shadowedBy?.has(p));
      });
      if (used.length === 0) continue;
      const edited = specClone(dr);
      for (const s of used) setAtPath(edited, [...s.path, 'consecutive5xxErrors'], ENVOY.consecutive5xx);
      const body = specPatchBody(dr, edited) ?? {spec: {}};
      const where = used.map((s) => pathText(s.path));
      out.push(
        finding(meta, {
          context: ctx,
          object: dr,
          message:
            `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}: ${listText(where)} sets consecutive5xxErrors: 0 with no ` +
            'consecutiveGatewayErrors and no splitExternalLocalOriginErrors, so Envoy never ejects a host. Locality priorities are ' +
            'assigned, but a failing local endpoint keeps its traffic: only pods that leave the endpoints (not ready) fail over.',
          remediation: patchRemediation(
            `Set consecutive5xxErrors: ${ENVOY.consecutive5xx} at ${listText(where)}.`,
            ctx.name,
            {apiVersion: dr.apiVersion, kind: dr.kind, namespace: dr.metadata.namespace ?? '', name: dr.metadata.name},
            body,
          ),
          details: {locations: where, hosts: [...new Set(views.map((v) => v.target.host))]},
        }),
      );
    }
  }
  return out;
});
