import {toYaml as stringify} from '../render/yaml-emit.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {Finding, KubeObject, Remediation} from '../model/types.js';
import {isEmptyLocality, type Locality} from '../istio/locality.js';
import {meshInfo} from '../istio/mesh.js';
import type {LocalityLbSetting, ServiceEntrySpec} from '../istio/types.js';
import {kubectl, patchRemediation} from '../remedy/kubectl.js';
import {assignPriorities, localityMatch} from '../traffic/priorities.js';
import {defineCheck, finding, type CheckMeta} from './types.js';
import {
  analyzeContext,
  clientViews,
  clusterLabel,
  clusterPolicies,
  getAtPath,
  listText,
  pathText,
  proxyText,
  ruleKey,
  setAtPath,
  specClone,
  specPatchBody,
  targetEndpoints,
  type SpecPath,
} from './lib/policy-targets.js';
import {EXTRA, capped, refOfDr} from './lib/policy-extra.js';

const meta: CheckMeta = {
  code: 'FO108',
  name: 'distribute-drops-localities',
  severity: 'warning',
  title: 'localityLbSetting.distribute sends nothing to some localities that have endpoints',
  why:
    'With distribute, Istio keeps only the localities that match a `to` key of the first rule whose `from` matches the ' +
    'client; every other locality group, and every endpoint without a locality, gets LbEndpoints=nil and leaves the load ' +
    'assignment. Those endpoints receive no traffic at all — not even when every listed locality fails, which then ends in 503 "no healthy upstream".',
  remediation:
    'List every locality that should take traffic in the `to` of each distribute rule (weights 1–100 summing to 100; ' +
    '`region/*` covers a whole region), and give endpoints a locality (node topology labels, ServiceEntry endpoint `locality`).',
  requires: ['DestinationRule', 'Service', 'ServiceEntry', 'Pod', 'Node', 'Namespace'],
  references: [
    'pilot/pkg/networking/core/loadbalancer/loadbalancer.go applyLocalityWeights (LbEndpoints = nil for unmatched localities)',
    'pilot/pkg/networking/util/util.go LocalityMatch',
    'https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/distribute/',
    'istio/istio#31340, istio/istio#59202',
  ],
  examples: {
    bad:
      '# helloworld runs in us-east-1a, us-east-1b and us-west-1a\nlocalityLbSetting:\n  distribute:\n  - from: us-east/*\n    to:\n' +
      '      "us-east/us-east-1a": 80\n      "us-east/us-east-1b": 20   # us-west gets nothing, even as a last resort',
    good: 'localityLbSetting:\n  distribute:\n  - from: us-east/*\n    to:\n      "us-east/*": 90\n      "us-west/*": 10',
  },
};

interface Drop {
  readonly host: string;
  readonly where: string;
  readonly ruleIndex: number;
  readonly from: string;
  /** Dropped locality (region/zone/subzone) → endpoint count; '' = endpoints without locality. */
  readonly localities: Map<string, {count: number; locality: Locality}>;
  readonly clients: string[];
  readonly path?: SpecPath;
  /** What the endpoints without locality are: 'pods', or `ServiceEntry ns/name` (for the remediation). */
  readonly noLocalitySources: Set<string>;
}

interface Group {
  readonly owner: KubeObject;
  readonly mesh: boolean;
  readonly drops: Map<string, Drop>;
}

const locText = (l: Locality): string => [l.region, l.zone, l.subZone].filter((x) => x).join('/');

function meshConfigMap(ctx: ContextSnapshot): KubeObject | undefined {
  const cms = ctx.index.byNamespace('ConfigMap', ctx.istioNamespace);
  return cms.find((c) => c.metadata.name === 'istio') ?? cms.find((c) => c.metadata.name.startsWith('istio-') && c.data?.mesh !== undefined);
}

export const fo108 = defineCheck(meta, (snapshot: Snapshot): Finding[] => {
  const out: Finding[] = [];
  for (const ctx of snapshot.contexts) {
    const an = analyzeContext(snapshot, ctx);
    const groups = new Map<string, Group>();
    for (const view of an.views) {
      const t = view.target;
      if (!t.policyApplies) continue;
      for (const c of clusterPolicies(view)) {
        const s = c.locality.setting;
        if (!s || !Array.isArray(s.distribute) || s.distribute.length === 0) continue;
        // Malformed rules are rejected by Istio's webhook (FO107): nothing to model.
        if (s.distribute.some((d) => !d || typeof d !== 'object' || (d.to != null && typeof d.to !== 'object'))) continue;
        let owner: KubeObject | undefined;
        let mesh = false;
        if (c.locality.source === 'destination-rule') owner = view.dr;
        else if (c.locality.source === 'mesh-default') {
          owner = meshConfigMap(ctx);
          mesh = true;
        }
        if (!owner) continue;
        const eps = targetEndpoints(snapshot, t, {port: c.port, ...(c.subsetLabels ? {subsetLabels: c.subsetLabels} : {})});
        if (eps.length === 0) continue;
        const resolution = t.kind === 'ServiceEntry' ? ((t.object.spec ?? {}) as ServiceEntrySpec).resolution : undefined;
        const dnsCluster = resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
        for (const v of clientViews(snapshot, t, eps)) {
          const r = assignPriorities(eps, v.proxy, s, {failoverEnabled: c.locality.force || !!c.policy.outlierDetection, dnsCluster});
          if (r.mode !== 'distribute') continue;
          // A remote network's gateway stands for endpoints of several localities: its locality is unknown here, not absent.
          const dropped = r.dropped.filter((d) => !(d.endpoint.source.kind === 'EastWestGateway' && isEmptyLocality(d.endpoint.locality)));
          if (dropped.length === 0) continue;
          const ruleIndex = (s.distribute ?? []).findIndex((d) => localityMatch(v.proxy.locality, d?.from ?? ''));
          const localities = new Map<string, {count: number; locality: Locality}>();
          const ses = new Set<string>();
          for (const d of dropped) {
            const k = locText(d.endpoint.locality);
            const e = localities.get(k) ?? {count: 0, locality: d.endpoint.locality};
            e.count++;
            localities.set(k, e);
            if (!k) ses.add(d.endpoint.source.kind === 'Pod' ? 'pods' : t.kind === 'ServiceEntry' ? `${t.namespace}/${t.object.metadata.name}` : 'other');
          }
          let g = groups.get(ruleKey(owner));
          if (!g) groups.set(ruleKey(owner), (g = {owner, mesh, drops: new Map()}));
          const key = `${t.host}\u0000${clusterLabel(c)}\u0000${ruleIndex}\u0000${[...localities.keys()].sort().join(',')}`;
          const existing = g.drops.get(key);
          if (existing) {
            if (existing.clients.length < 3) existing.clients.push(proxyText(v));
            continue;
          }
          g.drops.set(key, {
            host: t.host,
            where: clusterLabel(c),
            ruleIndex,
            from: s.distribute?.[ruleIndex]?.from ?? '',
            localities,
            clients: [proxyText(v)],
            ...(c.localityPath ? {path: c.localityPath} : {}),
            noLocalitySources: ses,
          });
        }
      }
    }
    for (const g of groups.values()) out.push(report(ctx, g));
  }
  return out;
});

function describeDrop(d: Drop): string {
  const named = [...d.localities].filter(([k]) => k).map(([k, v]) => `${k} (${v.count} endpoint${v.count > 1 ? 's' : ''})`);
  const none = d.localities.get('')?.count ?? 0;
  const parts = [...named];
  if (none) parts.push(`${none} endpoint${none > 1 ? 's' : ''} without a locality`);
  const where = d.path ? ` of ${pathText(d.path)}` : '';
  return `distribute[${d.ruleIndex}] (from ${d.from})${where} gives no weight to ${listText(parts)} of ${d.host} ${d.where}, for ${d.clients[0]}`;
}

function report(ctx: ContextSnapshot, g: Group): Finding {
  const drops = [...g.drops.values()];
  const what = g.mesh ? `Mesh config (ConfigMap ${g.owner.metadata.namespace}/${g.owner.metadata.name})` : `DestinationRule ${g.owner.metadata.namespace}/${g.owner.metadata.name}`;
  const anyNone = drops.some((d) => d.localities.has(''));
  const message =
    `${what}: ${capped(drops.map(describeDrop))}. Istio removes them from the load assignment: they receive no traffic, ` +
    'not even when every listed locality fails.' +
    (anyNone ? ' Endpoints without a locality can only be reached once they get one (or through a `*` target).' : '');
  return finding(meta, {
    context: ctx,
    object: g.owner,
    message,
    remediation: g.mesh ? meshRemedy(ctx, g, drops) : ruleRemedy(ctx, g.owner, drops),
    details: {
      drops: drops.map((d) => ({
        host: d.host,
        cluster: d.where,
        rule: d.ruleIndex,
        from: d.from,
        ...(d.path ? {path: pathText([...d.path, 'distribute', d.ruleIndex])} : {}),
        localities: Object.fromEntries([...d.localities].map(([k, v]) => [k || '(none)', v.count])),
        clients: d.clients,
      })),
    },
  });
}

/**
 * The `to` key that covers a dropped locality: `region/*` when the rule names nothing in that
 * region yet (it then also covers zones added later), else `region/zone`; undefined without a region.
 */
function toKey(l: Locality, existing: readonly string[]): string | undefined {
  if (!l.region) return undefined;
  const regionUsed = existing.some((k) => k.split('/')[0] === l.region);
  if (!regionUsed) return `${l.region}/*`;
  return l.zone ? `${l.region}/${l.zone}` : l.region;
}

/** Two `to` keys overlap (Istio's validation rejects that): one is a prefix of the other, '*' matching any segment. */
function overlaps(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === '*' || y[i] === '*') return true;
    if (x[i] !== y[i]) return false;
  }
  return true;
}

/**
 * Add the dropped localities to one distribute rule's `to`, weight 1 each, taken from the largest
 * weight (the sum stays 100). Undefined when that cannot be done validly.
 */
function widen(to: Record<string, number>, add: readonly Locality[]): {to: Record<string, number>; keys: string[]} | undefined {
  const entries = Object.entries(to);
  const total = entries.reduce((s, [, w]) => s + (typeof w === 'number' ? w : NaN), 0);
  if (total !== EXTRA.distributeTotal || entries.length === 0) return undefined;
  const existing = entries.map(([k]) => k);
  const keys = [...new Set(add.map((l) => toKey(l, existing)).filter((k): k is string => !!k))].filter((k) => !(k in to));
  if (keys.length === 0) return undefined;
  for (const k of keys) if (existing.some((e) => overlaps(e, k)) || keys.some((o) => o !== k && overlaps(o, k))) return undefined;
  const [maxKey, maxW] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (maxW - keys.length * EXTRA.distributeMinWeight < EXTRA.distributeMinWeight) return undefined;
  const out: Record<string, number> = {...to, [maxKey]: maxW - keys.length * EXTRA.distributeMinWeight};
  for (const k of keys) out[k] = EXTRA.distributeMinWeight;
  return {to: out, keys};
}

/** Per distribute rule (path + index): the dropped localities (with a region) to add. */
function additions(drops: readonly Drop[]): Map<string, {path?: SpecPath; index: number; localities: Locality[]}> {
  const out = new Map<string, {path?: SpecPath; index: number; localities: Locality[]}>();
  for (const d of drops) {
    if (d.ruleIndex < 0) continue;
    const k = `${JSON.stringify(d.path ?? [])}\u0000${d.ruleIndex}`;
    const e = out.get(k) ?? {...(d.path ? {path: d.path} : {}), index: d.ruleIndex, localities: []};
    for (const {locality} of d.localities.values()) if (locality.region) e.localities.push(locality);
    out.set(k, e);
  }
  return out;
}

function noLocalityHint(ctx: ContextSnapshot, drops: readonly Drop[]): {text: string; commands: string[]} {
  const sources = new Set(drops.flatMap((d) => [...d.noLocalitySources]));
  if (sources.size === 0) return {text: '', commands: []};
  const commands: string[] = [];
  if (sources.has('pods')) commands.push(kubectl(ctx.name, undefined, 'get', 'nodes', '-L', 'topology.kubernetes.io/region,topology.kubernetes.io/zone'));
  for (const s of [...sources].filter((x) => x.includes('/')).sort()) {
    const [ns, name] = s.split('/') as [string, string];
    commands.push(kubectl(ctx.name, ns, 'edit', 'serviceentry', name));
  }
  return {text: ' Give the endpoints without a locality one (node topology labels; `locality` on ServiceEntry endpoints).', commands};
}

function ruleRemedy(ctx: ContextSnapshot, dr: KubeObject, drops: readonly Drop[]): Remediation {
  const edited = specClone(dr);
  const added: string[] = [];
  let ok = true;
  for (const a of additions(drops).values()) {
    if (a.localities.length === 0) continue;
    if (!a.path) {
      ok = false;
      continue;
    }
    const toPath: SpecPath = [...a.path, 'distribute', a.index, 'to'];
    const to = getAtPath(edited, toPath) as Record<string, number> | undefined;
    const widened = to ? widen(to, a.localities) : undefined;
    if (!widened) {
      ok = false;
      continue;
    }
    setAtPath(edited, toPath, widened.to);
    added.push(`${listText(widened.keys)} to ${pathText([...a.path, 'distribute', a.index])}`);
  }
  const hint = noLocalityHint(ctx, drops);
  const body = specPatchBody(dr, edited);
  if (ok && body && added.length) {
    const r = patchRemediation(
      `If these localities should take traffic, add ${listText(added)} with weight ${EXTRA.distributeMinWeight} each (taken from the largest weight, so the sum stays ${EXTRA.distributeTotal}); adjust the weights to taste.${hint.text}`,
      ctx.name,
      refOfDr(dr),
      body,
    );
    return {...r, commands: [...r.commands, ...hint.commands]};
  }
  return {
    summary:
      `List every locality that should take traffic in the \`to\` of the distribute rule (weights 1–${EXTRA.distributeTotal} summing to ${EXTRA.distributeTotal}; \`region/*\` covers a region).${hint.text}`,
    commands: [kubectl(ctx.name, dr.metadata.namespace, 'edit', 'destinationrule', dr.metadata.name), ...hint.commands],
  };
}

function meshRemedy(ctx: ContextSnapshot, g: Group, drops: readonly Drop[]): Remediation {
  const setting = structuredClone(meshInfo(ctx).config.localityLbSetting ?? {}) as LocalityLbSetting;
  for (const a of additions(drops).values()) {
    const rule = setting.distribute?.[a.index];
    if (!rule?.to) continue;
    const widened = widen(rule.to, a.localities);
    if (widened) rule.to = widened.to;
  }
  const hint = noLocalityHint(ctx, drops);
  return {
    summary:
      'List every locality that should take traffic in the `to` of the mesh-wide distribute rule — in meshConfig of your IstioOperator/Helm values if the ConfigMap is generated, else in the ConfigMap.' +
      hint.text,
    commands: [kubectl(ctx.name, g.owner.metadata.namespace, 'edit', 'configmap', g.owner.metadata.name), ...hint.commands],
    snippet: stringify({localityLbSetting: setting}),
  };
}
