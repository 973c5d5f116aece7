/**
 * Istio's priority assignment for one client proxy (PRODUCT.md §6, part 1): a faithful model of
 * pilot/pkg/networking/core/loadbalancer/loadbalancer.go ApplyLocalityLoadBalancer and
 * util.LbPriority / util.LocalityMatch (istio 1.30; see research/istio-envoy-internals.md §1).
 * Pure: no I/O, inputs are never mutated.
 */
import {LABEL} from '../istio/constants.js';
import {formatLocality, isEmptyLocality, NO_LOCALITY, type Locality} from '../istio/locality.js';
import type {LocalityLbSetting} from '../istio/types.js';
import type {ClientProxy, ModelEndpoint, PriorityAssignment, PriorityResult} from './types.js';

export interface AssignOptions {
  /** Outlier detection is present on the effective policy, or failover is forced (trafficDistribution). */
  failoverEnabled: boolean;
  /**
   * The cluster is STRICT_DNS/LOGICAL_DNS (a DNS ServiceEntry): Istio computes priorities in CDS and
   * passes no Istio endpoints, so failoverPriority is not applied there (cluster_traffic_policy.go,
   * "TODO: enable failoverPriority for STRICT_DNS cluster type"); `failover` and default tiers are.
   */
  dnsCluster?: boolean;
  /**
   * Istio before istio/istio#60829 ("Network locality is preferred but not required"): a first
   * failoverPriority label topology.istio.io/network is compared like any other label, so every
   * other-network endpoint gets the lowest priority N. Default false: the newest behaviour, where
   * other-network endpoints are ordered by the remaining labels after the same-network ones.
   */
  legacyNetworkPriority?: boolean;
}

/** failoverPriority entries split as Istio does (priorityLabelOverrides). */
export interface PriorityLabel {
  readonly key: string;
  /** The `key=value` override for the proxy's value, when the entry splits into exactly 2 parts. */
  readonly override?: string;
  /** The entry contains '=' but does not split into exactly 2 parts: no override is used. */
  readonly malformed: boolean;
  readonly raw: string;
}

/** strings.Split(s, "="): the key is the first part; an override only with exactly 2 parts. */
export function parsePriorityLabels(failoverPriority: readonly string[]): PriorityLabel[] {
  return failoverPriority.map((raw) => {
    const parts = raw.split('=');
    const key = parts[0] ?? '';
    if (parts.length === 2) return {key, override: parts[1], malformed: false, raw};
    return {key, malformed: parts.length > 2, raw};
  });
}

/** Istio's SplitLocalityLabel for rule localities (from/to): '/' separated, extra segments dropped. */
function splitRuleLocality(s: string): [string, string, string] {
  const [r = '', z = '', sz = ''] = s.split('/');
  return [r, z, sz];
}

/** util.LocalityMatch: region exact or '*'; zone and subzone empty, '*' or exact. */
export function localityMatch(l: Locality, rule: string): boolean {
  const [r, z, s] = splitRuleLocality(rule);
  const regionMatch = r === '*' || l.region === r;
  const zoneMatch = z === '*' || z === '' || l.zone === z;
  const subzoneMatch = s === '*' || s === '' || l.subZone === s;
  return regionMatch && zoneMatch && subzoneMatch;
}

/** util.LbPriority: 0 same region+zone+subzone, 1 same region+zone, 2 same region, 3 otherwise. */
export function lbPriority(proxy: Locality, ep: Locality): 0 | 1 | 2 | 3 {
  if (proxy.region === ep.region) {
    if (proxy.zone === ep.zone) {
      if (proxy.subZone === ep.subZone) return 0;
      return 1;
    }
    return 2;
  }
  return 3;
}

/** Rank distinct values ascending: Istio's "priorities from 0 to N without skipping". */
function compact(values: readonly number[]): number[] {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const rank = new Map(distinct.map((v, i) => [v, i]));
  return values.map((v) => rank.get(v)!);
}

const show = (v: string | undefined): string => (v === undefined || v === '' ? '(none)' : v);
const loc = (l: Locality): string => formatLocality(l) || '(none)';

function byPriorityThenAddress(a: PriorityAssignment, b: PriorityAssignment): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.endpoint.address !== b.endpoint.address) return a.endpoint.address < b.endpoint.address ? -1 : 1;
  return (a.endpoint.port ?? 0) - (b.endpoint.port ?? 0);
}

function finish(result: Omit<PriorityResult, 'assignments'> & {assignments: PriorityAssignment[]}): PriorityResult {
  result.assignments.sort(byPriorityThenAddress);
  return result;
}

/**
 * The priority Istio gives each endpoint of one Envoy cluster, for one client proxy.
 * `setting` is the localityLbSetting Istio uses (src/istio/policy.ts localitySetting), undefined
 * when locality LB is off; `failoverEnabled` is outlier detection present (or forced).
 */
export function assignPriorities(
  endpoints: readonly ModelEndpoint[],
  proxy: ClientProxy | undefined,
  setting: LocalityLbSetting | undefined,
  opts: AssignOptions,
): PriorityResult {
  const notes: string[] = [];
  if (!setting || setting.enabled === false) {
    return finish({
      assignments: endpoints.map((endpoint) => ({endpoint, priority: 0, reason: 'locality load balancing is off: Istio assigns every endpoint priority 0'})),
      dropped: [],
      mode: 'none',
      notes: ['locality load balancing is disabled (localityLbSetting enabled: false): no locality preference, no failover'],
    });
  }
  const proxyLocality = proxy?.locality ?? NO_LOCALITY;
  const proxyLabels = proxy?.labels ?? {};
  if (!proxy) notes.push('no client proxy: priorities computed for a proxy with no locality and no labels');

  if ((setting.distribute?.length ?? 0) > 0) return applyDistribute(endpoints, proxyLocality, setting, notes);

  if (!opts.failoverEnabled) {
    return finish({
      assignments: endpoints.map((endpoint) => ({endpoint, priority: 0, reason: 'no outlierDetection: Istio assigns every endpoint priority 0'})),
      dropped: [],
      mode: 'none',
      notes: [...notes, 'no outlierDetection on the effective policy: Istio applies no locality priorities (no preference, no failover)'],
    });
  }

  const failover = setting.failover ?? [];
  const failoverPriority = setting.failoverPriority ?? [];
  const n = endpoints.length;
  // Stage 1: failoverPriority (outer key).
  let outer: number[] = new Array<number>(n).fill(0);
  let outerReasons: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
  const usesPriority = failoverPriority.length > 0;
  if (usesPriority) {
    const labels = parsePriorityLabels(failoverPriority);
    for (const l of labels) if (l.malformed) notes.push(`failoverPriority entry "${l.raw}" has more than one '=': Istio uses key "${l.key}" with no override`);
    if (opts.dnsCluster) {
      notes.push('failoverPriority is not applied to DNS clusters (Istio computes their priorities without endpoint labels)');
    } else if (Object.keys(proxyLabels).length === 0) {
      notes.push('the proxy has no labels: Istio skips failoverPriority');
    } else if (n > 0) {
      const raw = endpoints.map((ep) => failoverPriorityOf(labels, proxyLabels, ep.labels, !opts.legacyNetworkPriority));
      outer = compact(raw.map((r) => r.priority));
      outerReasons = raw.map((r) => r.reason);
    }
  }

  // Stage 2: region failover / default tiers (inner key), unless failoverPriority alone is set.
  if (usesPriority && failover.length === 0) {
    return finish({
      assignments: endpoints.map((endpoint, i) => ({endpoint, priority: outer[i]!, reason: outerReasons[i] ?? 'failoverPriority not applied: priority 0'})),
      dropped: [],
      mode: 'failover-priority',
      notes,
    });
  }

  const rule = failover.find((f) => (f.from ?? '') === proxyLocality.region);
  if (failover.length > 0) {
    if (rule) {
      notes.push(`failover rule from ${rule.from} to ${show(rule.to)} applies to this proxy`);
      const dup = failover.filter((f) => f !== rule && f.from === rule.from);
      if (dup.length) notes.push(`${dup.length} later failover rule(s) from ${rule.from} are ignored: only the first applies`);
    } else {
      notes.push(`no failover rule from the proxy's region ${show(proxyLocality.region)}: other regions share the last tier`);
    }
  }
  if (isEmptyLocality(proxyLocality)) {
    notes.push('the proxy has no locality: every endpoint with a region is in one tier, so there is no locality preference and no failover');
  }
  const noLoc = endpoints.filter((e) => isEmptyLocality(e.locality)).length;
  if (noLoc > 0 && !isEmptyLocality(proxyLocality)) notes.push(`${noLoc} endpoint(s) have no locality: Istio puts them in the other-region tier`);

  const inner = endpoints.map((ep) => regionTier(proxyLocality, ep.locality, rule));
  const combined = compact(inner.map((t, i) => outer[i]! * 5 + t.tier));
  const assignments = endpoints.map((endpoint, i) => {
    const parts = [outerReasons[i], inner[i]!.reason].filter((s): s is string => !!s);
    return {endpoint, priority: combined[i]!, reason: parts.join('; ')};
  });
  return finish({
    assignments,
    dropped: [],
    mode: usesPriority ? 'failover-priority' : failover.length > 0 ? 'failover' : 'default-tiers',
    notes,
  });
}

/** applyFailoverPriorityPerLocality for one endpoint: the raw priority (before compaction) and why. */
function failoverPriorityOf(
  labels: readonly PriorityLabel[],
  proxyLabels: Readonly<Record<string, string>>,
  epLabels: Readonly<Record<string, string>>,
  networkSplit: boolean,
): {priority: number; reason: string} {
  const n = labels.length;
  const proxyValue = (l: PriorityLabel): string => l.override ?? proxyLabels[l.key] ?? '';
  let base = 0;
  let start = 0;
  const reasons: string[] = [];
  // A first label topology.istio.io/network splits same-network (0..N-1) from other-network (N..2N-1).
  if (networkSplit && labels[0]?.key === LABEL.network) {
    start = 1;
    const pv = proxyValue(labels[0]);
    const ev = epLabels[LABEL.network] ?? '';
    if (pv !== ev) {
      base = n;
      reasons.push(`other network (${show(ev)} ≠ ${show(pv)})`);
    }
  }
  for (let j = start; j < n; j++) {
    const l = labels[j]!;
    const pv = proxyValue(l);
    const ev = epLabels[l.key] ?? '';
    if (pv !== ev) {
      const what = l.override !== undefined ? `label ${l.key} is not ${show(pv)} (override ${l.raw}; endpoint has ${show(ev)})` : `label ${l.key} differs (${show(ev)} ≠ ${show(pv)})`;
      reasons.push(what);
      return {priority: base + n - j, reason: reasons.join(', ')};
    }
  }
  if (reasons.length) {
    const rest = labels.slice(1).map((l) => l.key);
    return {priority: base, reason: rest.length ? `${reasons[0]}, matches on ${rest.join(', ')}` : reasons[0]!};
  }
  const absent = labels.filter((l) => l.override === undefined && (proxyLabels[l.key] ?? '') === '').map((l) => l.key);
  const suffix = absent.length ? ` (${absent.join(', ')} absent on both: counts as a match)` : '';
  return {priority: base, reason: `matches the proxy on every failoverPriority label${suffix}`};
}

/** util.LbPriority plus the failover rule (applyLocalityFailover), with a reason. */
function regionTier(proxy: Locality, ep: Locality, rule: {from?: string; to?: string} | undefined): {tier: number; reason: string} {
  const tier = lbPriority(proxy, ep);
  const p = loc(proxy);
  switch (tier) {
    case 0:
      if (isEmptyLocality(proxy)) return {tier, reason: 'no locality, like the proxy'};
      if (proxy.subZone) return {tier, reason: `same subzone as the proxy (${p})`};
      if (proxy.zone) return {tier, reason: `same zone as the proxy (${p})`};
      return {tier, reason: `same region as the proxy (${p})`};
    case 1:
      return {tier, reason: `same zone as the proxy (${proxy.region}/${proxy.zone}), other subzone (${show(ep.subZone)})`};
    case 2:
      return {tier, reason: `same region as the proxy (${proxy.region}), other zone (${show(ep.zone)})`};
    default: {
      if (rule) {
        if (ep.region !== (rule.to ?? '')) {
          const why = isEmptyLocality(ep) ? 'no locality' : `region ${ep.region}`;
          return {tier: 4, reason: `${why}: not the failover target ${show(rule.to)} of ${rule.from}, last tier`};
        }
        return {tier, reason: `failover target region ${ep.region}`};
      }
      if (isEmptyLocality(proxy)) return {tier, reason: `proxy has no locality: endpoint ${loc(ep)} in the single remote tier`};
      if (isEmptyLocality(ep)) return {tier, reason: 'endpoint has no locality: other-region tier'};
      return {tier, reason: `other region (${ep.region}) than the proxy (${proxy.region})`};
    }
  }
}

/** applyLocalityWeights: the first `from` matching the proxy wins; unmatched localities get no traffic. */
function applyDistribute(endpoints: readonly ModelEndpoint[], proxyLocality: Locality, setting: LocalityLbSetting, notes: string[]): PriorityResult {
  const rule = (setting.distribute ?? []).find((d) => !!d && localityMatch(proxyLocality, d.from ?? ''));
  if ((setting.failoverPriority?.length ?? 0) > 0) notes.push('failoverPriority is ignored when distribute is set');
  if ((setting.failover?.length ?? 0) > 0) notes.push('failover is ignored when distribute is set (and Istio rejects the combination)');
  if (!rule) {
    notes.push(`no distribute rule matches the proxy locality ${loc(proxyLocality)}: no locality weighting`);
    return finish({
      assignments: endpoints.map((endpoint) => ({endpoint, priority: 0, reason: `no distribute rule from ${loc(proxyLocality)}: priority 0, no locality weight`})),
      dropped: [],
      mode: 'distribute',
      notes,
    });
  }
  notes.push(`distribute rule from ${rule.from} applies to this proxy`);
  // Istio's LocalityLbEndpoints: endpoints grouped by locality, weight = sum of endpoint weights.
  const groups = new Map<string, {locality: Locality; weight: number; members: ModelEndpoint[]}>();
  for (const ep of endpoints) {
    const key = formatLocality(ep.locality);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = {locality: ep.locality, weight: 0, members: []}));
    g.weight += ep.weight;
    g.members.push(ep);
  }
  const unmatched = new Set(groups.keys());
  const weights: Record<string, number> = {};
  const toOf = new Map<string, string>();
  for (const [to, w] of Object.entries(rule.to ?? {})) {
    const hit = [...unmatched].filter((k) => localityMatch(groups.get(k)!.locality, to));
    const total = hit.reduce((s, k) => s + groups.get(k)!.weight, 0);
    for (const k of hit) {
      unmatched.delete(k);
      toOf.set(k, to);
      const g = groups.get(k)!;
      const dest = total > 0 ? (g.weight * w) / total : 0;
      weights[k] = dest > 0 ? Math.ceil(dest) : g.weight;
    }
  }
  const assignments: PriorityAssignment[] = [];
  const dropped: {endpoint: ModelEndpoint; reason: string}[] = [];
  for (const [k, g] of groups) {
    for (const endpoint of g.members) {
      if (unmatched.has(k)) {
        const reason = k === '' ? 'endpoint has no locality: matches no distribute target, receives no traffic' : `locality ${k} is in no distribute target of ${rule.from}: receives no traffic`;
        dropped.push({endpoint, reason});
      } else {
        assignments.push({endpoint, priority: 0, reason: `distribute from ${rule.from}: locality ${loc(g.locality)} weight ${weights[k]} (target ${toOf.get(k)})`});
      }
    }
  }
  if (unmatched.size > 0) notes.push(`${unmatched.size} locality group(s) match no distribute target and receive no traffic: ${[...unmatched].map((k) => k || '(none)').join(', ')}`);
  dropped.sort((a, b) => (a.endpoint.address < b.endpoint.address ? -1 : a.endpoint.address > b.endpoint.address ? 1 : 0));
  return finish({assignments, dropped, localityWeights: weights, mode: 'distribute', notes});
}
