import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Severity} from '../model/types.js';
import {ENVOY, POLICY_FIX} from '../istio/constants.js';
import {istioVersion, type IstioVersion} from '../istio/workloads.js';
import {patchRemediation} from '../remedy/kubectl.js';
import {envoyMaxEjectionPercent, maxEjectable, stayShare} from '../traffic/ejection.js';
import {assignPriorities} from '../traffic/priorities.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  analyzeContext,
  clientViews,
  clusterLabel,
  clusterPolicies,
  ejectsNothing,
  failoverIsApplied,
  listText,
  pathText,
  priorityKeys,
  proxyText,
  ruleKey,
  setAtPath,
  specClone,
  specPatchBody,
  targetEndpoints,
  type ClusterPolicy,
  type HostTarget,
  type SpecPath,
} from './lib/policy-targets.js';

const meta: CheckMeta = {
  code: 'FO102',
  name: 'max-ejection-blocks-failover',
  severity: 'error',
  severityNote:
    'error with Istio ≥ 1.20 (Envoy ≥ 1.28, strict max_ejection_percent) or an unknown version (newest behaviour assumed); ' +
    'warning below 1.20, only when even the legacy rule (the first ejection always allowed) cannot empty the local tier',
  title: 'maxEjectionPercent is too low to eject every local endpoint: failover on errors cannot complete',
  why:
    'Envoy caps ejections at max_ejection_percent of ALL hosts of the cluster, across priorities, and since Envoy 1.28 ' +
    '(Istio 1.20) it never exceeds the cap, not even for the first host: with the default 10%, a cluster of fewer than ' +
    '10 hosts ejects nothing. When fewer hosts can be ejected than sit at priority 0, the failing local endpoints keep ' +
    'looking healthy enough to Envoy and keep most of the traffic. Only endpoints removed for readiness fail over.',
  remediation: 'Set outlierDetection.maxEjectionPercent to 100 (at least 100·k/N for k local hosts out of N).',
  requires: ['DestinationRule', 'Service', 'ServiceEntry', 'Pod', 'Node', 'Namespace'],
  references: [
    'envoy source/common/upstream/outlier_detection_impl.cc ejectHost (100·(ejected+1)/N <= max_ejection_percent; "not currently checked per-priority level")',
    'envoy changelogs/1.28.0.yaml (outlier detection always respects max_ejection_percent), envoyproxy/envoy#27909',
    'pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection (max_ejection_percent set only when > 0)',
    'envoy source/extensions/load_balancing_policies/common/load_balancer_impl.cc (overprovisioning factor 1.4)',
  ],
  examples: {
    bad: 'outlierDetection:\n  consecutive5xxErrors: 1\n  interval: 1s\n  baseEjectionTime: 1m\n  # maxEjectionPercent unset = 10: with 2 hosts, 0 can be ejected',
    good: 'outlierDetection:\n  consecutive5xxErrors: 1\n  interval: 1s\n  baseEjectionTime: 1m\n  maxEjectionPercent: 100',
  },
};

interface Blocked {
  readonly target: HostTarget;
  readonly cluster: ClusterPolicy;
  readonly odPath: SpecPath;
  readonly mep: number;
  readonly mepSet: boolean;
  readonly n: number;
  readonly k: number;
  readonly m: number;
  readonly stay: number;
  readonly client: string;
  readonly affectedClients: number;
  readonly clients: number;
}

interface Behaviour {
  readonly strict: boolean;
  readonly version?: IstioVersion;
  readonly note: string;
}

function behaviour(ctx: ContextSnapshot): Behaviour {
  const v = istioVersion(ctx);
  const [maj, min] = ENVOY.strictMaxEjectionSinceIstio;
  if (!v) return {strict: true, note: `Istio version unknown (no istiod image read): the strict rule of Istio ≥ ${maj}.${min} (Envoy ≥ 1.28) is assumed.`};
  const strict = v.major > maj || (v.major === maj && v.minor >= min);
  return strict
    ? {strict, version: v, note: `Istio ${v.raw} (≥ ${maj}.${min}): Envoy enforces max_ejection_percent strictly.`}
    : {strict, version: v, note: `Istio ${v.raw} (< ${maj}.${min}): Envoy's legacy rule always allows the first ejection; upgrading to ${maj}.${min}+ makes the cap strict and this worse.`};
}

function evaluate(snapshot: Snapshot, t: HostTarget, c: ClusterPolicy, strict: boolean): Blocked | undefined {
  const od = c.policy.outlierDetection;
  const odPath = c.origin.outlierDetection;
  if (!od || !odPath || ejectsNothing(od)) return undefined; // nothing ejects at all: FO104
  const mep = envoyMaxEjectionPercent(od.maxEjectionPercent);
  const endpoints = targetEndpoints(snapshot, t, {port: c.port, ...(c.subsetLabels ? {subsetLabels: c.subsetLabels} : {})});
  const n = endpoints.length;
  if (n < 2) return undefined;
  const m = maxEjectable(n, mep, {strict});
  if (m >= n) return undefined;
  const dnsCluster = t.kind === 'ServiceEntry' && ['DNS', 'DNS_ROUND_ROBIN'].includes((t.object.spec?.resolution as string | undefined) ?? '');
  const clients = clientViews(snapshot, t, endpoints, priorityKeys(c.locality.setting));
  let worst: {k: number; stay: number; client: string} | undefined;
  let affected = 0;
  for (const v of clients) {
    const res = assignPriorities(endpoints, v.proxy, c.locality.setting, {failoverEnabled: true, dnsCluster});
    const k = res.assignments.filter((a) => a.priority === 0).length;
    const lowerTier = res.assignments.some((a) => a.priority > 0);
    if (!lowerTier || m >= k) continue;
    affected++;
    const stay = stayShare(k, m);
    if (!worst || stay > worst.stay || (stay === worst.stay && k > worst.k)) worst = {k, stay, client: proxyText(v)};
  }
  if (!worst) return undefined;
  return {
    target: t,
    cluster: c,
    odPath,
    mep,
    mepSet: od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0,
    n,
    k: worst.k,
    m,
    stay: worst.stay,
    client: worst.client,
    affectedClients: affected,
    clients: clients.length,
  };
}

export const fo102 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const b = behaviour(ctx);
    const an = analyzeContext(snapshot, ctx);
    const byRule = new Map<string, {dr: KubeObject; list: Blocked[]}>();
    for (const view of an.views) {
      const dr = view.dr;
      if (!dr || !view.target.policyApplies) continue;
      for (const c of clusterPolicies(view)) {
        if (!failoverIsApplied(c)) continue;
        const blocked = evaluate(snapshot, view.target, c, b.strict);
        if (!blocked) continue;
        let r = byRule.get(ruleKey(dr));
        if (!r) byRule.set(ruleKey(dr), (r = {dr, list: []}));
        if (!r.list.some((x) => x.target.host === blocked.target.host && x.cluster.port === c.port && x.cluster.subset === c.subset)) r.list.push(blocked);
      }
    }
    for (const {dr, list} of byRule.values()) out.push(report(ctx, dr, list, b));
  }
  return out;
});

function report(ctx: ContextSnapshot, dr: KubeObject, list: readonly Blocked[], b: Behaviour): Finding {
  const severity: Severity = b.strict ? 'error' : 'warning';
  const rule = b.strict ? 'floor(maxEjectionPercent·N/100)' : 'max(1, ceil(maxEjectionPercent·N/100))';
  const parts = list.map((x) => {
    const mepText = x.mepSet ? `maxEjectionPercent ${x.mep}` : `maxEjectionPercent unset (Envoy default ${x.mep})`;
    const others = x.affectedClients > 1 ? ` (${x.affectedClients} of ${x.clients} client localities are affected)` : '';
    return (
      `${x.target.host} ${clusterLabel(x.cluster)}: for ${x.client}${others}, k=${x.k} endpoint(s) at priority 0 of N=${x.n} hosts; ` +
      `with ${mepText} Envoy can eject M=${rule}=${x.m}, so when the local endpoints fail ${x.stay}% of requests keep going to them`
    );
  });
  const message =
    `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}: ${parts.join('; ')}. ` +
    'Failover on errors cannot complete; failover when pods are removed from the endpoints (readiness) still works. ' +
    (list.some((x) => x.target.kind === 'ServiceEntry' && x.target.object.spec?.resolution !== 'STATIC') ? 'DNS endpoints are counted as one host each. ' : '') +
    b.note;
  const edited = specClone(dr);
  const paths = new Set<string>();
  for (const x of list) {
    const p = [...x.odPath, 'maxEjectionPercent'];
    paths.add(pathText(p));
    setAtPath(edited, p, POLICY_FIX.fullEjectionPercent);
  }
  return finding(meta, {
    context: ctx,
    object: dr,
    severity,
    message,
    remediation: patchRemediation(
      `Set maxEjectionPercent: ${POLICY_FIX.fullEjectionPercent} at ${listText([...paths])}, so that every local endpoint can be ejected.`,
      ctx.name,
      {apiVersion: dr.apiVersion, kind: dr.kind, namespace: dr.metadata.namespace ?? '', name: dr.metadata.name},
      specPatchBody(dr, edited) ?? {spec: {}},
    ),
    details: {
      clusters: list.map((x) => ({
        host: x.target.host,
        port: x.cluster.port,
        ...(x.cluster.subset !== undefined ? {subset: x.cluster.subset} : {}),
        client: x.client,
        k: x.k,
        n: x.n,
        maxEjectable: x.m,
        maxEjectionPercent: x.mep,
        stayPercent: x.stay,
        neededMaxEjectionPercent: Math.ceil((100 * x.k) / x.n),
      })),
      istioVersion: b.version?.raw ?? null,
      strictMaxEjection: b.strict,
    },
  });
}
