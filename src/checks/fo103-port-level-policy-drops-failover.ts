import type {Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject} from '../model/types.js';
import {POLICY_FIX} from '../istio/constants.js';
import {meshConfig} from '../istio/mesh.js';
import type {DestinationRuleSpec, TrafficPolicy} from '../istio/types.js';
import {patchRemediation} from '../remedy/kubectl.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  analyzeContext,
  arr,
  getAtPath,
  listText,
  pathText,
  resolvePortPolicy,
  ruleKey,
  setAtPath,
  specClone,
  specPatchBody,
  type SpecPath,
} from './lib/policy-targets.js';

const meta: CheckMeta = {
  code: 'FO103',
  name: 'port-level-policy-drops-failover',
  severity: 'error',
  title: 'A portLevelSettings entry drops the outlierDetection, loadBalancer or tls of the policy it replaces',
  why:
    'A portLevelSettings entry whose port matches a Service port replaces the policy above it for that port: ' +
    'outlierDetection, loadBalancer (with its localityLbSetting) and tls are not inherited. An entry written only to ' +
    'tune connectionPool silently turns off outlier detection — and with it every locality priority and failover — ' +
    'the failover rules, or TLS origination on that port.',
  remediation:
    'Repeat in the portLevelSettings entry every outlierDetection, loadBalancer and tls setting of the level above ' +
    '(the top-level trafficPolicy, or the subset), or remove the entry if it is not needed.',
  requires: ['DestinationRule', 'Service', 'ServiceEntry', 'Namespace'],
  references: [
    'pilot/pkg/networking/util/util.go GetPortLevelTrafficPolicy ("port level policies do not inherit")',
    'pilot/pkg/networking/util/util.go MergeSubsetTrafficPolicy',
    'https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy-PortTrafficPolicy',
  ],
  examples: {
    bad:
      'trafficPolicy:\n  outlierDetection:\n    consecutive5xxErrors: 5\n  loadBalancer:\n    localityLbSetting:\n      failover:\n' +
      '      - from: us-east\n        to: us-west\n  portLevelSettings:\n  - port:\n      number: 5000\n    connectionPool:\n' +
      '      http:\n        maxRequestsPerConnection: 1\n    # no outlierDetection / loadBalancer: port 5000 never fails over',
    good:
      'trafficPolicy:\n  outlierDetection:\n    consecutive5xxErrors: 5\n  loadBalancer:\n    localityLbSetting:\n      failover:\n' +
      '      - from: us-east\n        to: us-west\n  portLevelSettings:\n  - port:\n      number: 5000\n    connectionPool:\n' +
      '      http:\n        maxRequestsPerConnection: 1\n    outlierDetection:\n      consecutive5xxErrors: 5\n    loadBalancer:\n' +
      '      localityLbSetting:\n        failover:\n        - from: us-east\n          to: us-west',
  },
};

type Dropped = 'outlierDetection' | 'loadBalancer' | 'loadBalancer.localityLbSetting' | 'tls';

interface EntryIssue {
  /** Spec path of the portLevelSettings entry. */
  readonly path: SpecPath;
  /** Spec path of the level it replaces (for messages). */
  readonly parentText: string;
  readonly port: number;
  readonly hosts: Set<string>;
  readonly dropped: Dropped[];
  /** The values to copy into the entry. */
  readonly restore: Partial<Record<'outlierDetection' | 'loadBalancer' | 'tls', unknown>> & {localityLbSetting?: unknown};
}

const CONSEQUENCE: Record<Dropped, string> = {
  outlierDetection: 'no outlier detection, so no locality priorities and no failover',
  loadBalancer: 'the load balancer settings and their localityLbSetting are gone',
  'loadBalancer.localityLbSetting': 'the localityLbSetting (failover rules) is gone',
  tls: 'the TLS settings are gone',
};

/** What an entry lacks compared to the policy level it replaces. */
function droppedBy(entry: TrafficPolicy, parent: TrafficPolicy, autoMtls: boolean): {dropped: Dropped[]; restore: EntryIssue['restore']} {
  const dropped: Dropped[] = [];
  const restore: EntryIssue['restore'] = {};
  if (parent.outlierDetection != null && entry.outlierDetection == null) {
    dropped.push('outlierDetection');
    restore.outlierDetection = parent.outlierDetection;
  }
  if (parent.loadBalancer != null && entry.loadBalancer == null) {
    dropped.push('loadBalancer');
    restore.loadBalancer = parent.loadBalancer;
  } else if (parent.loadBalancer?.localityLbSetting != null && entry.loadBalancer != null && entry.loadBalancer.localityLbSetting == null) {
    dropped.push('loadBalancer.localityLbSetting');
    restore.localityLbSetting = parent.loadBalancer.localityLbSetting;
  }
  // A dropped ISTIO_MUTUAL is put back by auto mTLS (on by default): nothing lost.
  const autoRestored = autoMtls && parent.tls?.mode === 'ISTIO_MUTUAL';
  if (parent.tls != null && entry.tls == null && !autoRestored) {
    dropped.push('tls');
    restore.tls = parent.tls;
  }
  return {dropped, restore};
}

export const fo103 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    const mesh = meshConfig(ctx) as {enableAutoMtls?: boolean};
    const autoMtls = mesh.enableAutoMtls ?? POLICY_FIX.autoMtlsDefault;
    const byRule = new Map<string, {dr: KubeObject; issues: Map<string, EntryIssue>}>();
    for (const view of an.views) {
      const dr = view.dr;
      if (!dr || !view.target.policyApplies) continue;
      const spec = (dr.spec ?? {}) as DestinationRuleSpec;
      const note = (path: SpecPath, parentText: string, port: number, entry: TrafficPolicy, parent: TrafficPolicy): void => {
        const {dropped, restore} = droppedBy(entry, parent, autoMtls);
        if (dropped.length === 0) return;
        let r = byRule.get(ruleKey(dr));
        if (!r) byRule.set(ruleKey(dr), (r = {dr, issues: new Map()}));
        const k = JSON.stringify(path);
        let issue = r.issues.get(k);
        if (!issue) r.issues.set(k, (issue = {path, parentText, port, hosts: new Set(), dropped, restore}));
        issue.hosts.add(view.target.host);
      };
      for (const tp of view.target.ports) {
        const top = spec.trafficPolicy ?? undefined;
        const i = arr(top?.portLevelSettings).findIndex((e) => e?.port?.number === tp.number);
        if (top && i >= 0) note(['trafficPolicy', 'portLevelSettings', i], 'spec.trafficPolicy', tp.number, top.portLevelSettings![i] as TrafficPolicy, top);
        // A subset's own entry replaces what the subset cluster would otherwise get: the top-level
        // (port-resolved) policy overridden by the subset's fields.
        arr(spec.subsets).forEach((s, j) => {
          const sp = s?.trafficPolicy ?? undefined;
          const k = arr(sp?.portLevelSettings).findIndex((e) => e?.port?.number === tp.number);
          if (!sp || k < 0) return;
          const inherited = resolvePortPolicy(dr, tp.number).policy;
          const parent: TrafficPolicy = {};
          for (const f of ['outlierDetection', 'loadBalancer', 'tls'] as const) {
            const v = sp[f] ?? inherited[f];
            if (v != null) (parent as Record<string, unknown>)[f] = v;
          }
          note(['subsets', j, 'trafficPolicy', 'portLevelSettings', k], `subset ${s.name ?? j} (with the top-level policy it inherits)`, tp.number, sp.portLevelSettings![k] as TrafficPolicy, parent);
        });
      }
    }
    for (const {dr, issues} of byRule.values()) {
      const list = [...issues.values()];
      const edited = specClone(dr);
      for (const issue of list) {
        for (const f of ['outlierDetection', 'loadBalancer', 'tls'] as const) {
          if (issue.restore[f] !== undefined) setAtPath(edited, [...issue.path, f], structuredClone(issue.restore[f]));
        }
        if (issue.restore.localityLbSetting !== undefined && getAtPath(edited, [...issue.path, 'loadBalancer']) != null) {
          setAtPath(edited, [...issue.path, 'loadBalancer', 'localityLbSetting'], structuredClone(issue.restore.localityLbSetting));
        }
      }
      const body = specPatchBody(dr, edited) ?? {spec: {}};
      const parts = list.map(
        (i) =>
          `${pathText(i.path)} (port ${i.port} of ${listText([...i.hosts], 3)}) lacks ${listText(i.dropped)} that ${i.parentText} has: ${listText(i.dropped.map((d) => CONSEQUENCE[d]))} on that port`,
      );
      out.push(
        finding(meta, {
          context: ctx,
          object: dr,
          message: `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name}: a portLevelSettings entry replaces the policy above it, nothing is inherited — ${parts.join('; ')}.`,
          remediation: patchRemediation(
            `Copy ${listText([...new Set(list.flatMap((i) => i.dropped))])} into ${listText(list.map((i) => pathText(i.path)))}.`,
            ctx.name,
            {apiVersion: dr.apiVersion, kind: dr.kind, namespace: dr.metadata.namespace ?? '', name: dr.metadata.name},
            body,
          ),
          details: {
            entries: list.map((i) => ({path: pathText(i.path), port: i.port, hosts: [...i.hosts], dropped: i.dropped})),
          },
        }),
      );
    }
  }
  return out;
});
