import {toYaml as stringify} from '../render/yaml-emit.js';
import type {Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation, Severity} from '../model/types.js';
import {POLICY_FIX} from '../istio/constants.js';
import {command} from '../remedy/shell.js';
import {patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  analyzeContext,
  clusterFailoverIntent,
  clusterLabel,
  clusterPolicies,
  endpointPlaces,
  listText,
  meshFailoverIntent,
  pathText,
  setAtPath,
  specClone,
  specPatchBody,
  targetEndpoints,
  type ClusterPolicy,
  type HostTarget,
} from './lib/policy-targets.js';

const meta: CheckMeta = {
  code: 'FO101',
  name: 'outlier-detection-missing',
  severity: 'error',
  severityNote:
    'error with failover intent (a DestinationRule localityLbSetting, or mesh failover/failoverPriority); ' +
    'info without intent when the endpoints span several localities or clusters',
  title: 'The effective policy of a port has no outlierDetection: no locality priorities, no failover',
  why:
    'Istio assigns locality priorities only when the effective policy of the port has outlierDetection ' +
    '(or the Service\'s trafficDistribution forces it); without it every endpoint gets priority 0, so there is no ' +
    'locality preference at all and traffic never fails over, whatever localityLbSetting says. A portLevelSettings ' +
    'entry replaces the top-level policy for its port, so a top-level outlierDetection does not reach a port that has its own entry.',
  remediation:
    'Add outlierDetection where the port\'s policy comes from — the top-level trafficPolicy, or the matching ' +
    'portLevelSettings entry (or subset) — e.g. consecutive5xxErrors 5, interval 10s, baseEjectionTime 30s, maxEjectionPercent 100.',
  requires: ['DestinationRule', 'Service', 'ServiceEntry', 'Namespace'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go ApplyLocalityLoadBalancer',
    'pilot/pkg/xds/endpoints/endpoint_builder.go getOutlierDetectionAndLoadBalancerSettings',
    'pilot/pkg/networking/core/cluster_traffic_policy.go (enableFailover := failover || OutlierDetection != nil)',
    'pilot/pkg/networking/util/util.go GetPortLevelTrafficPolicy / MergeSubsetTrafficPolicy',
    'https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/failover/',
  ],
  examples: {
    bad:
      'spec:\n  host: helloworld.sample.svc.cluster.local\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n' +
      '        enabled: true\n        failover:\n        - from: us-east\n          to: us-west\n    # no outlierDetection: every endpoint is priority 0',
    good:
      'spec:\n  host: helloworld.sample.svc.cluster.local\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n' +
      '        enabled: true\n        failover:\n        - from: us-east\n          to: us-west\n    outlierDetection:\n' +
      '      consecutive5xxErrors: 5\n      interval: 10s\n      baseEjectionTime: 30s\n      maxEjectionPercent: 100',
  },
};

interface Gap {
  readonly target: HostTarget;
  readonly cluster: ClusterPolicy;
}

interface Group {
  readonly object: KubeObject;
  readonly dr?: KubeObject;
  readonly severity: Severity;
  readonly intent: 'destination-rule' | 'mesh' | 'none';
  readonly gaps: Gap[];
  readonly places: Map<string, number>;
}

/** A port's cluster lacks outlier detection while locality priorities would need it. */
function lacksOutlierDetection(c: ClusterPolicy): boolean {
  const s = c.locality.setting;
  if (!s) return false; // enabled: false — no locality load balancing asked for
  if ((s.distribute?.length ?? 0) > 0) return false; // distribute works without outlier detection
  if (c.locality.source === 'service-traffic-distribution') return false; // forced failover
  return c.policy.outlierDetection == null;
}

export const fo101 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    const meshIntent = meshFailoverIntent(ctx);
    const groups = new Map<string, Group>();
    const placesCache = new Map<string, number>();
    const placeCount = (t: HostTarget, c: ClusterPolicy): number => {
      const key = `${t.kind}\u0000${t.host}\u0000${JSON.stringify(c.subsetLabels ?? {})}`;
      let n = placesCache.get(key);
      if (n === undefined) placesCache.set(key, (n = endpointPlaces(targetEndpoints(snapshot, t, c.subsetLabels ? {subsetLabels: c.subsetLabels} : {})).size));
      return n;
    };
    for (const view of an.views) {
      const t = view.target;
      if (!t.policyApplies) continue;
      const gaps = clusterPolicies(view).filter(lacksOutlierDetection);
      for (const c of gaps) {
        let severity: Severity = 'error';
        let intent: Group['intent'] = 'destination-rule';
        if (!clusterFailoverIntent(view.dr, c)) {
          // Without a rule asking for it, only worth saying when there is somewhere else to go,
          // and not for the mesh's own control plane and gateways (spread across clusters by design).
          if (ctx.unread.has('Pod') || ctx.unread.has('Node')) continue;
          const ns = t.object.metadata.namespace;
          if (ns === ctx.istioNamespace || ns === 'kube-system') continue;
          if (placeCount(t, c) <= 1) continue;
          intent = meshIntent ? 'mesh' : 'none';
          severity = meshIntent ? 'error' : 'info';
        }
        const object = view.dr ?? t.object;
        const key = `${object.kind}\u0000${object.metadata.namespace}\u0000${object.metadata.name}\u0000${severity}\u0000${intent}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = {object, ...(view.dr ? {dr: view.dr} : {}), severity, intent, gaps: [], places: new Map()}));
        if (!g.gaps.some((x) => x.target.host === t.host && x.cluster.port === c.port && x.cluster.subset === c.subset)) g.gaps.push({target: t, cluster: c});
        if (intent !== 'destination-rule') g.places.set(t.host, placeCount(t, c));
      }
    }
    for (const g of groups.values()) out.push(report(ctx.name, g));
  }
  return out;
});

function report(context: string, g: Group): Finding {
  const where = g.gaps.map((x) => `${x.target.host} ${clusterLabel(x.cluster)}`);
  const hosts = [...new Set(g.gaps.map((x) => x.target.host))];
  const portLevel = g.gaps.filter((x) => x.cluster.portLevel);
  const what = g.dr ? `DestinationRule ${g.dr.metadata.namespace}/${g.dr.metadata.name}` : `${g.object.kind} ${g.object.metadata.namespace}/${g.object.metadata.name} (no DestinationRule)`;
  let message = `${what}: no outlierDetection in the effective policy of ${listText(where)}, so Istio puts every endpoint at priority 0: no locality preference and no failover`;
  if (g.intent === 'destination-rule') message += ', although the rule sets localityLbSetting';
  else if (g.intent === 'mesh') message += ', although the mesh config sets failover';
  else message += `; the endpoints span ${listText([...g.places].map(([h, n]) => `${n} localities/clusters (${h})`))} and Istio's default locality preference only starts once outlier detection is present`;
  message += '.';
  if (portLevel.length) {
    message += ` ${listText(portLevel.map((x) => clusterLabel(x.cluster)))}: a portLevelSettings entry replaces the top-level policy (nothing is inherited), so it needs its own outlierDetection.`;
  }
  return finding(meta, {
    context,
    object: g.object,
    severity: g.severity,
    message,
    remediation: g.dr ? patchFix(context, g.dr, g.gaps) : newRuleFix(context, g),
    details: {
      hosts,
      clusters: g.gaps.map((x) => ({host: x.target.host, port: x.cluster.port, ...(x.cluster.subset !== undefined ? {subset: x.cluster.subset} : {}), portLevel: x.cluster.portLevel, addAt: pathText(x.cluster.slot)})),
      intent: g.intent,
      ...(g.places.size ? {localities: Object.fromEntries(g.places)} : {}),
    },
  });
}

function patchFix(context: string, dr: KubeObject, gaps: readonly Gap[]): Remediation {
  const edited = specClone(dr);
  const at = new Set<string>();
  for (const {cluster} of gaps) {
    const path = [...cluster.slot, 'outlierDetection'];
    const k = JSON.stringify(path);
    if (at.has(k)) continue;
    at.add(k);
    setAtPath(edited, path, {...POLICY_FIX.outlierDetection});
  }
  const body = specPatchBody(dr, edited) ?? {spec: {}};
  const places = [...at].map((k) => pathText(JSON.parse(k) as (string | number)[]));
  return patchRemediation(`Add outlierDetection at ${listText(places)} of DestinationRule ${dr.metadata.name}.`, context, {apiVersion: dr.apiVersion, kind: dr.kind, namespace: dr.metadata.namespace ?? '', name: dr.metadata.name}, body);
}

function newRuleFix(context: string, g: Group): Remediation {
  const ns = g.object.metadata.namespace ?? '';
  const hosts = [...new Set(g.gaps.map((x) => x.target.host))];
  const docs = hosts.map((host, i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: {name: hosts.length > 1 ? `${g.object.metadata.name}-${i + 1}` : g.object.metadata.name, namespace: ns},
    spec: {host, trafficPolicy: {outlierDetection: {...POLICY_FIX.outlierDetection}}},
  }));
  const snippet = docs.map((d) => stringify(d)).join('---\n');
  return {
    summary: `Create a DestinationRule with outlierDetection for ${listText(docs.map((d) => d.spec.host))}.`,
    commands: [`${command(['kubectl', '--context', context, 'apply', '-f', '-'])} <<'EOF'\n${snippet}EOF`],
    snippet,
  };
}
