import {toYaml as stringify} from '../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {DERIVED_PRIORITY_LABELS} from '../istio/constants.js';
import {meshInfo} from '../istio/mesh.js';
import type {LocalityLbSetting, ServiceEntrySpec} from '../istio/types.js';
import {kubectl, patchCommand, patchRemediation} from '../remedy/kubectl.js';
import {parsePriorityLabels, type PriorityLabel} from '../traffic/priorities.js';
import type {ModelEndpoint} from '../traffic/types.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  activeLocalitySettings,
  analyzeContext,
  clusterLabel,
  clusterPolicies,
  editDistance,
  failoverIsApplied,
  getAtPath,
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
import {
  EXTRA,
  capped,
  clientProxyPods,
  labelWorkloadCommand,
  mostCommon,
  ownerOfPod,
  refOfDr,
  sample,
  workloadKey,
  type ClientPods,
  type Workload,
} from './lib/policy-extra.js';

const meta: CheckMeta = {
  code: 'FO109',
  name: 'failover-priority-label-missing',
  severity: 'warning',
  title: 'A failoverPriority label is missing on endpoints or client proxies, malformed, or ignored (DNS ServiceEntry)',
  why:
    'For each failoverPriority label Istio compares the client proxy\'s value (or the `key=value` override) with the ' +
    'endpoint\'s; a missing label counts as an empty value, and the first mismatch decides the priority and ends the ' +
    'comparison. Labels Istio does not derive itself (anything but region, zone, subzone, cluster, network, hostname) ' +
    'must be on the pods/WorkloadEntries and on the client pods (ambient: the waypoint pods), or the ordering silently ' +
    'goes wrong. An entry with more than one "=" gets no override; DNS ServiceEntries ignore failoverPriority entirely.',
  remediation:
    'Put the label on every endpoint workload and every client workload (ambient: the waypoint Gateway\'s ' +
    'spec.infrastructure.labels), fix `key=value` entries, and use `failover` rules (or a STATIC ServiceEntry) for DNS ServiceEntries.',
  requires: ['DestinationRule', 'Service', 'ServiceEntry', 'Pod', 'Node', 'Namespace'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyFailoverPriorities, applyFailoverPriorityPerLocality, priorityLabelOverrides',
    'pilot/pkg/networking/core/cluster_traffic_policy.go applyLocalityLoadBalancer ("TODO: enable failoverPriority for STRICT_DNS cluster type")',
    'pilot/pkg/serviceregistry/util/label/label.go AugmentLabels (the labels Istio derives)',
    'https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting',
  ],
  examples: {
    bad:
      '# pods of helloworld carry failover-group, the client pods do not\nlocalityLbSetting:\n  failoverPriority:\n  - failover-group\n' +
      '  - topology.kubernetes.io/region\n  - "topology.istio.io/network==net1"   # two "=": no override',
    good: 'localityLbSetting:\n  failoverPriority:\n  - failover-group            # on endpoint and client pods\n  - topology.kubernetes.io/region\n  - topology.istio.io/network=net1',
  },
};

interface Malformed {
  readonly raw: string;
  readonly problem: string;
  readonly path?: SpecPath;
  readonly index: number;
  /** The corrected entry, when the intent is clear. */
  readonly fix?: string;
}

interface DnsIssue {
  readonly host: string;
  readonly where: string;
  readonly hasFailover: boolean;
}

interface Missing {
  readonly target: HostTarget;
  readonly key: string;
  readonly label: PriorityLabel;
  readonly where: Set<string>;
  readonly paths: Set<string>;
  endpointsTotal: number;
  readonly endpointsMissing: ModelEndpoint[];
  readonly endpointValues: {context: string; value: string}[];
  clientsKnown: boolean;
  clientKind: 'sidecar' | 'waypoint';
  clientsTotal: number;
  readonly clientsMissing: KubeObject[];
  readonly clientValues: string[];
}

interface Group {
  readonly owner: KubeObject;
  readonly mesh: boolean;
  readonly malformed: Malformed[];
  readonly dns: Map<string, DnsIssue>;
  readonly missing: Map<string, Missing>;
}

const DERIVED = new Set(DERIVED_PRIORITY_LABELS);

/** What Istio's Split("=") makes of an entry that the author probably did not mean. */
function malformedProblem(l: PriorityLabel): {problem: string; fix?: string} | undefined {
  const parts = l.raw.split('=');
  if (l.malformed) {
    const nonEmpty = parts.filter((p) => p !== '');
    const fix = nonEmpty.length === 2 && parts[0] !== '' ? `${nonEmpty[0]}=${nonEmpty[1]}` : undefined;
    return {problem: `has ${parts.length - 1} "=": Istio uses key "${l.key}" and no override`, ...(fix ? {fix} : {})};
  }
  if (l.key === '') return {problem: 'has an empty key: no label is compared'};
  if (/\s/.test(l.raw)) return {problem: 'contains whitespace, which no label key or value can hold', fix: l.raw.replace(/\s+/g, '')};
  if (l.override === '') return {problem: `overrides "${l.key}" with an empty value: only endpoints without the label are preferred`};
  return undefined;
}

function meshConfigMap(ctx: ContextSnapshot): KubeObject | undefined {
  const cms = ctx.index.byNamespace('ConfigMap', ctx.istioNamespace);
  return cms.find((c) => c.metadata.name === 'istio') ?? cms.find((c) => c.metadata.name.startsWith('istio-') && c.data?.mesh !== undefined);
}

function malformedOf(setting: LocalityLbSetting, path?: SpecPath): Malformed[] {
  if ((setting.distribute?.length ?? 0) > 0) return []; // ignored next to distribute (FO107)
  const out: Malformed[] = [];
  if (!Array.isArray(setting.failoverPriority)) return [];
  parsePriorityLabels(setting.failoverPriority.map(String)).forEach((l, index) => {
    const p = malformedProblem(l);
    if (p) out.push({raw: l.raw, problem: p.problem, index, ...(path ? {path} : {}), ...(p.fix ? {fix: p.fix} : {})});
  });
  return out;
}

export const fo109 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    const groups = new Map<string, Group>();
    const clientCache = new Map<HostTarget, ClientPods>();
    const group = (owner: KubeObject, mesh: boolean): Group => {
      let g = groups.get(ruleKey(owner));
      if (!g) groups.set(ruleKey(owner), (g = {owner, mesh, malformed: [], dns: new Map(), missing: new Map()}));
      return g;
    };
    // Malformed entries: a static property of the rule (and of the mesh config).
    for (const dr of ctx.objects.DestinationRule) {
      for (const {setting, path} of activeLocalitySettings(dr)) {
        const m = malformedOf(setting, path);
        if (m.length) group(dr, false).malformed.push(...m);
      }
    }
    const meshSetting = meshInfo(ctx).config.localityLbSetting;
    const cm = meshConfigMap(ctx);
    if (cm && meshSetting && meshSetting.enabled !== false) {
      const m = malformedOf(meshSetting);
      if (m.length) group(cm, true).malformed.push(...m);
    }

    for (const view of an.views) {
      const t = view.target;
      if (!t.policyApplies) continue;
      for (const c of clusterPolicies(view)) {
        const s = c.locality.setting;
        if (!s || !Array.isArray(s.failoverPriority) || s.failoverPriority.length === 0 || !failoverIsApplied(c)) continue;
        let owner: KubeObject | undefined;
        if (c.locality.source === 'destination-rule') owner = view.dr;
        else if (c.locality.source === 'mesh-default') owner = cm;
        if (!owner) continue; // trafficDistribution synthesizes only derived labels
        const g = group(owner, c.locality.source === 'mesh-default');
        const resolution = t.kind === 'ServiceEntry' ? ((t.object.spec ?? {}) as ServiceEntrySpec).resolution : undefined;
        if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
          const k = `${t.host}\u0000${clusterLabel(c)}`;
          if (!g.dns.has(k)) g.dns.set(k, {host: t.host, where: clusterLabel(c), hasFailover: (s.failover?.length ?? 0) > 0});
          continue;
        }
        const labels = parsePriorityLabels(s.failoverPriority.map(String)).filter((l) => l.key !== '' && !DERIVED.has(l.key));
        if (labels.length === 0) continue;
        const eps = targetEndpoints(snapshot, t, {port: c.port, ...(c.subsetLabels ? {subsetLabels: c.subsetLabels} : {})}).filter(
          // A remote network's east-west gateway carries only cluster and network labels: nothing to fix there.
          (e) => e.source.kind !== 'EastWestGateway',
        );
        if (eps.length === 0) continue;
        let clients = clientCache.get(t);
        if (!clients) clientCache.set(t, (clients = clientProxyPods(snapshot, t)));
        for (const l of labels) {
          const k = `${t.kind}\u0000${t.host}\u0000${l.key}\u0000${l.override ?? ''}\u0000${JSON.stringify(c.subsetLabels ?? {})}`;
          let m = g.missing.get(k);
          if (!m) {
            const endpointsMissing = eps.filter((e) => !e.labels[l.key]);
            const clientsMissing = l.override === undefined ? clients.pods.filter((p) => !p.metadata.labels?.[l.key]) : [];
            g.missing.set(
              k,
              (m = {
                target: t,
                key: l.key,
                label: l,
                where: new Set(),
                paths: new Set(),
                endpointsTotal: eps.length,
                endpointsMissing,
                endpointValues: eps.filter((e) => e.labels[l.key]).map((e) => ({context: e.source.context, value: e.labels[l.key]!})),
                clientsKnown: l.override === undefined && clients.pods.length > 0,
                clientKind: clients.kind,
                clientsTotal: l.override === undefined ? clients.pods.length : 0,
                clientsMissing,
                clientValues: clients.pods.map((p) => p.metadata.labels?.[l.key] ?? '').filter((v) => v),
              }),
            );
          }
          m.where.add(clusterLabel(c));
          if (c.localityPath) m.paths.add(JSON.stringify(c.localityPath));
        }
      }
    }
    for (const g of groups.values()) {
      const missing = [...g.missing.values()].filter((m) => m.endpointsMissing.length > 0 || m.clientsMissing.length > 0);
      if (g.malformed.length === 0 && g.dns.size === 0 && missing.length === 0) continue;
      out.push(report(snapshot, ctx, g, missing));
    }
  }
  return out;
});

function epName(e: ModelEndpoint): string {
  return `${e.source.kind === 'ServiceEntryEndpoint' ? '' : `${e.source.kind} `}${e.source.namespace ? `${e.source.namespace}/` : ''}${e.source.name}${e.source.context ? ` @${e.source.context}` : ''}`;
}

/** The label is absent on every endpoint and every known client: it compares "" with "" everywhere. */
function absentEverywhere(m: Missing): boolean {
  return m.label.override === undefined && m.endpointsMissing.length === m.endpointsTotal && m.clientsMissing.length === m.clientsTotal;
}

function describeMissing(m: Missing): string {
  const parts: string[] = [];
  const host = `${m.target.host} ${listText([...m.where])}`;
  if (absentEverywhere(m)) {
    return `label "${m.key}" is on no endpoint${m.clientsKnown ? ' and no client' : ''} of ${host}: it compares "" with "" everywhere and orders nothing`;
  }
  if (m.endpointsMissing.length) parts.push(`${m.endpointsMissing.length} of ${m.endpointsTotal} endpoints (${sample(m.endpointsMissing, epName)})`);
  if (m.clientsMissing.length) {
    const who = m.clientKind === 'waypoint' ? 'waypoint pods' : 'client pods';
    parts.push(`${m.clientsMissing.length} of ${m.clientsTotal} ${who} (${sample(m.clientsMissing, (p) => `${p.metadata.namespace}/${p.metadata.name}`)})`);
  }
  let text = `label "${m.key}"${m.label.override !== undefined ? ` (override ${m.label.raw})` : ''} is missing on ${parts.join(' and on ')} of ${host}`;
  if (m.clientsMissing.length) text += ': those clients see every labelled endpoint as a mismatch there, and the labels after it are never compared';
  else text += ': those endpoints fall to a lower priority for every client that has a value';
  return text;
}

function report(snapshot: Snapshot, ctx: ContextSnapshot, g: Group, missing: readonly Missing[]): Finding {
  const what = g.mesh ? `Mesh config (ConfigMap ${g.owner.metadata.namespace}/${g.owner.metadata.name})` : `DestinationRule ${g.owner.metadata.namespace}/${g.owner.metadata.name}`;
  const parts: string[] = [];
  for (const m of g.malformed) parts.push(`failoverPriority entry "${m.raw}"${m.path ? ` (${pathText([...m.path, 'failoverPriority', m.index])})` : ''} ${m.problem}`);
  for (const d of g.dns.values()) {
    parts.push(
      `${d.host} ${d.where} is a DNS ServiceEntry: Istio does not apply failoverPriority to DNS clusters` +
        (d.hasFailover ? ', only the failover rules order its endpoints' : ', so every endpoint stays at priority 0: no locality preference, no failover'),
    );
  }
  for (const m of missing) parts.push(describeMissing(m));
  return finding(meta, {
    context: ctx,
    object: g.owner,
    message: `${what}: ${capped(parts)}.`,
    remediation: remedy(snapshot, ctx, g, missing),
    details: {
      ...(g.malformed.length ? {malformed: g.malformed.map((m) => ({entry: m.raw, problem: m.problem, ...(m.fix ? {fix: m.fix} : {})}))} : {}),
      ...(g.dns.size ? {dnsServiceEntries: [...g.dns.values()].map((d) => ({host: d.host, cluster: d.where, hasFailover: d.hasFailover}))} : {}),
      ...(missing.length
        ? {
            missing: missing.map((m) => ({
              host: m.target.host,
              key: m.key,
              clusters: [...m.where],
              endpoints: {total: m.endpointsTotal, missing: m.endpointsMissing.length, examples: m.endpointsMissing.slice(0, 5).map(epName)},
              clients: m.clientsKnown
                ? {kind: m.clientKind, total: m.clientsTotal, missing: m.clientsMissing.length, examples: m.clientsMissing.slice(0, 5).map((p) => `${p.metadata.namespace}/${p.metadata.name}`)}
                : m.label.override !== undefined
                  ? 'override: the client value is fixed'
                  : 'no client pod found',
              absentEverywhere: absentEverywhere(m),
            })),
          }
        : {}),
    },
  });
}

/** The value to suggest for a workload in `context`: the most common among labelled parties there, else anywhere, else the override. */
function suggestValue(m: Missing, context: string): string | undefined {
  const here = [...m.endpointValues.filter((v) => v.context === context).map((v) => v.value), ...(m.target.ctx.name === context ? m.clientValues : [])];
  return mostCommon(here) ?? mostCommon([...m.endpointValues.map((v) => v.value), ...m.clientValues]) ?? m.label.override;
}

/** Spec paths of the failoverPriority lists this group's findings come from (DR owners). */
function priorityPaths(missing: readonly Missing[]): SpecPath[] {
  const set = new Set<string>();
  for (const m of missing) for (const p of m.paths) set.add(p);
  return [...set].map((p) => [...(JSON.parse(p) as (string | number)[]), 'failoverPriority']);
}

function remedy(snapshot: Snapshot, ctx: ContextSnapshot, g: Group, missing: readonly Missing[]): Remediation {
  const summary: string[] = [];
  // 1. Changes to the rule itself: fix malformed entries; drop (or correct) labels that no one carries.
  const edits = new Map<string, string | null>(); // raw entry → replacement (null: remove)
  for (const m of g.malformed) if (m.fix) edits.set(m.raw, m.fix);
  for (const m of missing) {
    if (!absentEverywhere(m)) continue;
    const near = DERIVED_PRIORITY_LABELS.map((d) => ({d, n: editDistance(d, m.key)})).filter((x) => x.n <= EXTRA.maxTypoDistance).sort((a, b) => a.n - b.n)[0];
    edits.set(m.label.raw, near ? near.d : null);
    summary.push(near ? `"${m.key}" is probably a typo of ${near.d}: correct it.` : `No workload carries "${m.key}": label the endpoint and client workloads, or remove it from failoverPriority (it changes nothing today).`);
  }
  let patch: Remediation | undefined;
  if (edits.size && !g.mesh) {
    const edited = specClone(g.owner);
    const paths = [...priorityPaths(missing), ...g.malformed.filter((m) => m.path).map((m) => [...m.path!, 'failoverPriority'])];
    for (const p of new Set(paths.map((x) => JSON.stringify(x)))) {
      const path = JSON.parse(p) as (string | number)[];
      const list = getAtPath(edited, path);
      if (!Array.isArray(list)) continue;
      const next = list.flatMap((e) => {
        const r = edits.get(String(e));
        return r === undefined ? [e] : r === null ? [] : [r];
      });
      setAtPath(edited, path, next.length ? next : undefined);
    }
    const body = specPatchBody(g.owner, edited);
    if (body) {
      const fixed = g.malformed.filter((m) => m.fix).map((m) => `"${m.raw}" → "${m.fix}"`);
      if (fixed.length) summary.unshift(`Fix ${listText(fixed)}.`);
      patch = patchRemediation(summary.join(' '), ctx.name, refOfDr(g.owner), body);
    }
  }
  // 2. Labels to add on workloads (not the flagged object: run by hand).
  const workloads = new Map<string, {w: Workload; key: string; value: string}>();
  const unvalued = new Set<string>();
  const seCommands: string[] = [];
  for (const m of missing) {
    if (absentEverywhere(m)) continue;
    for (const e of m.endpointsMissing) {
      const value = suggestValue(m, e.source.context);
      if (!value) {
        unvalued.add(m.key);
        continue;
      }
      const src = snapshot.contexts.find((c) => c.name === e.source.context) ?? ctx;
      if (e.source.kind === 'Pod') {
        const pod = src.index.get('Pod', e.source.namespace, e.source.name);
        if (!pod) continue;
        const w = ownerOfPod(src, pod);
        workloads.set(`${workloadKey(w)}\u0000${m.key}`, {w, key: m.key, value});
      } else if (e.source.kind === 'WorkloadEntry') {
        const w: Workload = {context: src.name, kind: 'WorkloadEntry', namespace: e.source.namespace ?? '', name: e.source.name};
        workloads.set(`${workloadKey(w)}\u0000${m.key}`, {w, key: m.key, value});
      } else if (e.source.kind === 'ServiceEntryEndpoint' && m.target.kind === 'ServiceEntry') {
        const cmd = serviceEntryLabelCommand(m, value);
        if (cmd && !seCommands.includes(cmd)) seCommands.push(cmd);
      }
    }
    for (const p of m.clientsMissing) {
      const value = suggestValue(m, ctx.name);
      if (!value) {
        unvalued.add(m.key);
        continue;
      }
      const w: Workload =
        m.clientKind === 'waypoint' && m.target.waypoint
          ? {context: ctx.name, kind: 'Gateway', namespace: m.target.waypoint.namespace, name: m.target.waypoint.name}
          : ownerOfPod(ctx, p);
      workloads.set(`${workloadKey(w)}\u0000${m.key}`, {w, key: m.key, value});
    }
  }
  const labelCommands = [...workloads.values()].map(({w, key, value}) => labelWorkloadCommand(w, key, value));
  const shown = [...labelCommands, ...seCommands].slice(0, EXTRA.maxCommands);
  const more = labelCommands.length + seCommands.length - shown.length;
  const labelSummary = shown.length
    ? `Label the workloads that lack it (the value shown is the one most others carry: check it)${more > 0 ? `; ${more} more workload(s) need the same` : ''}.` +
      (missing.some((m) => m.clientKind === 'waypoint' && m.clientsMissing.length) ? ' Waypoint pods take their labels from the Gateway\'s spec.infrastructure.labels.' : '')
    : '';
  if (unvalued.size) summary.push(`Give every endpoint and client workload a value for ${listText([...unvalued].map((k) => `"${k}"`))}.`);
  if (g.dns.size) {
    summary.push('For DNS ServiceEntries, express the order with failover rules (from/to regions, endpoints with a locality) instead of failoverPriority, or use resolution STATIC with IP endpoints.');
  }
  if (g.mesh) {
    const setting = structuredClone(meshInfo(ctx).config.localityLbSetting ?? {}) as LocalityLbSetting;
    if (Array.isArray(setting.failoverPriority)) {
      setting.failoverPriority = setting.failoverPriority.flatMap((e) => {
        const r = edits.get(String(e));
        return r === undefined ? [e] : r === null ? [] : [r];
      });
    }
    return {
      summary: [...summary, labelSummary].filter((x) => x).join(' ') + ' Change the mesh config in meshConfig of your IstioOperator/Helm values if the ConfigMap is generated.',
      commands: [kubectl(ctx.name, g.owner.metadata.namespace, 'edit', 'configmap', g.owner.metadata.name), ...shown],
      snippet: stringify({localityLbSetting: setting}),
    };
  }
  const rewrite = g.malformed.some((m) => !m.fix) ? ['Rewrite the malformed failoverPriority entries as `key` or `key=value`.'] : [];
  if (patch) {
    const rest = [labelSummary, ...summary.filter((s) => !patch!.summary.includes(s)), ...rewrite].filter((x) => x);
    return {...patch, summary: [patch.summary, ...rest].join(' '), commands: [...patch.commands, ...shown]};
  }
  const manual = rewrite.length > 0 || g.dns.size > 0 || unvalued.size > 0 || shown.length === 0;
  return {
    summary: [labelSummary, ...summary, ...rewrite].filter((x) => x).join(' '),
    commands: [...shown, ...(manual ? [kubectl(ctx.name, g.owner.metadata.namespace, 'edit', 'destinationrule', g.owner.metadata.name)] : [])],
  };
}

/** A merge patch of the ServiceEntry's endpoints (the array is replaced whole) adding the label where it is missing. */
function serviceEntryLabelCommand(m: Missing, value: string): string | undefined {
  const se = m.target.object;
  const eps = ((se.spec ?? {}) as ServiceEntrySpec).endpoints;
  if (!eps?.length) return undefined;
  const next = eps.map((e) => (e.labels?.[m.key] ? e : {...e, labels: {...(e.labels ?? {}), [m.key]: value}}));
  return patchCommand(m.target.ctx.name, {apiVersion: se.apiVersion, kind: se.kind, namespace: se.metadata.namespace ?? '', name: se.metadata.name}, {type: 'merge', body: {spec: {endpoints: next}}});
}
