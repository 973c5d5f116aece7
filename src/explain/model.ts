/**
 * Builds the explanation of one service seen from one proxy: Envoy's actual state (/clusters),
 * what the configuration implies (the Istio priority model), and Envoy's traffic split now and
 * after each plausible failure. Pure: everything it needs is passed in.
 */
import {ENVOY, LABEL} from '../istio/constants.js';
import {destinationRuleFor} from '../istio/hosts.js';
import {formatLocality, isEmptyLocality, type Locality} from '../istio/locality.js';
import {effectivePolicy, failoverApplied, localitySetting, serviceTrafficDistribution} from '../istio/policy.js';
import type {LocalityLbSetting} from '../istio/types.js';
import type {ContextSnapshot, Snapshot} from '../model/snapshot.js';
import type {KubeObject} from '../model/types.js';
import type {EnvoyCluster, EnvoyHost} from '../envoy/types.js';
import {maxEjectable} from '../traffic/ejection.js';
import {augmentLabels, clientProxyForPod, clusterIdOf, eastWestGatewayAddresses} from '../traffic/endpoints.js';
import {contextNetwork} from '../istio/workloads.js';
import {hostsFromFlags, panicThresholdFor, priorityLoad} from '../traffic/load.js';
import {assignPriorities} from '../traffic/priorities.js';
import type {ClientProxy, ModelEndpoint} from '../traffic/types.js';
import type {ExplainedEndpoint, Explanation, PolicyExplanation, PrioritySummary, WhatIf} from './types.js';
import {compareText} from '../model/collate.js';

export interface ProxyIdentity {
  context?: string;
  namespace?: string;
  pod?: string;
  kind: Explanation['proxy']['kind'];
  via?: string;
  /** From config_dump's bootstrap node, when available. */
  bootstrapLocality?: Locality;
}

export interface ConfigDumpCluster {
  outlierDetection?: Record<string, unknown>;
  healthyPanicThreshold?: number;
  localityWeighted?: boolean;
}

export interface ExplainInput {
  readonly service: string;
  readonly port: number;
  readonly subset?: string;
  readonly proxy: ProxyIdentity;
  readonly cluster: EnvoyCluster;
  readonly configDumpCluster?: ConfigDumpCluster;
  /** The objects, when known (live or bundle): policy sources, pods behind addresses, the proxy's node. */
  readonly snapshot?: Snapshot;
  /** `--fail LOCALITY|CLUSTER|ADDRESS` given by the user. */
  readonly fail?: readonly string[];
}

const UNHEALTHY_FLAGS = new Set(['failed_outlier_check', 'failed_eds_health', 'failed_active_hc']);

function healthOf(h: EnvoyHost): ExplainedEndpoint['health'] {
  if (h.health.edsHealthStatus === 'DRAINING' || h.flags.includes('eds_status_draining')) return 'draining';
  if (h.flags.some((f) => f === 'failed_eds_health' || f === 'failed_active_hc')) return 'unhealthy';
  if (h.flags.some((f) => f.startsWith('degraded_'))) return 'degraded';
  return 'healthy';
}

function isUnhealthy(h: EnvoyHost): boolean {
  return h.flags.some((f) => UNHEALTHY_FLAGS.has(f));
}

interface PodRef {
  ctx: ContextSnapshot;
  pod: KubeObject;
}

/** Pods by IP across every context (endpoints are pod IPs; the same IP in two clusters is ambiguous and skipped). */
const podsByIpCache = new WeakMap<Snapshot, Map<string, PodRef | null>>();

function podsByIp(snapshot: Snapshot | undefined): Map<string, PodRef | null> {
  const hit = snapshot && podsByIpCache.get(snapshot);
  if (hit) return hit;
  const m = new Map<string, PodRef | null>();
  if (snapshot) podsByIpCache.set(snapshot, m);
  for (const ctx of snapshot?.contexts ?? []) {
    for (const pod of ctx.objects.Pod) {
      const ips = new Set<string>([pod.status?.podIP, ...((pod.status?.podIPs ?? []) as {ip: string}[]).map((p) => p.ip)].filter(Boolean));
      for (const ip of ips) m.set(ip, m.has(ip) ? null : {ctx, pod});
    }
  }
  return m;
}

const gatewaysCache = new WeakMap<Snapshot, Map<string, ContextSnapshot>>();

/** East-west gateway addresses of every context: remote-network endpoints are reached through them. */
function gatewaysByAddress(snapshot: Snapshot | undefined): Map<string, ContextSnapshot> {
  const hit = snapshot && gatewaysCache.get(snapshot);
  if (hit) return hit;
  const m = new Map<string, ContextSnapshot>();
  for (const ctx of snapshot?.contexts ?? []) for (const a of eastWestGatewayAddresses(ctx)) m.set(a, ctx);
  if (snapshot) gatewaysCache.set(snapshot, m);
  return m;
}

function findService(snapshot: Snapshot | undefined, ctxName: string | undefined, fqdn: string): {ctx: ContextSnapshot; svc?: KubeObject; se?: KubeObject} | undefined {
  const ctxs = snapshot?.contexts ?? [];
  const ctx = ctxs.find((c) => c.name === ctxName) ?? ctxs[0];
  if (!ctx) return undefined;
  const m = /^([^.]+)\.([^.]+)\.svc\.(.+)$/.exec(fqdn);
  if (m) {
    const svc = ctx.index.get('Service', m[2]!, m[1]!);
    if (svc) return {ctx, svc};
  }
  const se = ctx.objects.ServiceEntry.find((s) => ((s.spec?.hosts ?? []) as string[]).includes(fqdn));
  return se ? {ctx, se} : {ctx};
}

/** Parse the numeric fields of an Istio duration-free outlier config for display. */
function odValue(od: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = od?.[key];
  return typeof v === 'number' ? v : undefined;
}

export function explain(input: ExplainInput): Explanation {
  const notes: string[] = [];
  const hosts = input.cluster.hosts;
  const byIp = podsByIp(input.snapshot);
  const found = findService(input.snapshot, input.proxy.context, input.service);
  const ctx = found?.ctx;

  // The proxy's own locality: bootstrap node (what Envoy and istiod use), else its pod's node.
  let proxyPod: PodRef | undefined;
  if (input.snapshot && input.proxy.pod && input.proxy.namespace) {
    const c = input.snapshot.contexts.find((x) => x.name === input.proxy.context) ?? ctx;
    const pod = c?.index.get('Pod', input.proxy.namespace, input.proxy.pod);
    if (c && pod) proxyPod = {ctx: c, pod};
  }
  let proxyLocality: Locality = {region: '', zone: '', subZone: ''};
  let localitySource: Explanation['proxy']['localitySource'] = 'unknown';
  let proxy: ClientProxy | undefined;
  if (proxyPod) {
    // Same derivation as doctor's model (labels, cluster, network).
    const pl = proxyPod.pod.metadata.labels ?? {};
    const fromLabel = !!(pl[LABEL.locality] ?? pl[LABEL.legacyLocality]);
    proxy = clientProxyForPod(proxyPod.ctx, proxyPod.pod);
    proxyLocality = proxy.locality;
    localitySource = isEmptyLocality(proxyLocality) ? 'unknown' : fromLabel ? 'pod-label' : 'node';
  }
  if (input.proxy.bootstrapLocality && !isEmptyLocality(input.proxy.bootstrapLocality)) {
    if (proxy && formatLocality(proxyLocality) !== formatLocality(input.proxy.bootstrapLocality) && !isEmptyLocality(proxyLocality)) {
      notes.push(`the proxy's bootstrap locality (${formatLocality(input.proxy.bootstrapLocality)}) differs from its node's (${formatLocality(proxyLocality)}): the proxy was started before the node labels changed; restart it`);
    }
    proxyLocality = input.proxy.bootstrapLocality;
    localitySource = 'config_dump';
    proxy = proxy ? {...proxy, locality: proxyLocality} : {locality: proxyLocality, labels: augmentLabels({}, {locality: proxyLocality}), cluster: input.proxy.context ?? ''};
  }
  if (isEmptyLocality(proxyLocality)) {
    notes.push(
      proxyPod || input.proxy.bootstrapLocality
        ? "the proxy's own locality is empty: Istio then gives every endpoint the same priority (no locality preference, no failover); label the node with topology.kubernetes.io/region and zone and restart the pod"
        : "the proxy's own locality is not known here (give --config-dump, or read from a pod): reasons are relative to an unknown locality",
    );
  }

  // The effective policy and where each part came from.
  const policy = resolvePolicy(input, ctx, found?.svc, found?.se, notes);

  // Endpoints as Envoy has them, matched to pods (or another cluster's east-west gateway) where possible.
  const gateways = gatewaysByAddress(input.snapshot);
  const modelEndpoints: ModelEndpoint[] = hosts.map((h) => {
    const gw = h.ip ? gateways.get(h.ip) : undefined;
    if (gw) {
      const cluster = clusterIdOf(gw);
      const network = contextNetwork(gw);
      return {
        address: h.address,
        ...(h.port !== undefined ? {port: h.port} : {}),
        locality: h.locality,
        labels: augmentLabels({}, {cluster, locality: h.locality, ...(network ? {network} : {})}),
        cluster,
        ...(network ? {network} : {}),
        weight: h.weight,
        source: {kind: 'EastWestGateway', context: gw.name, name: `east-west gateway of ${gw.name}`},
      };
    }
    const ref = h.ip ? byIp.get(h.ip) ?? undefined : undefined;
    const cluster = ref ? clusterIdOf(ref.ctx) : '';
    const labels = augmentLabels(ref?.pod.metadata.labels, {cluster: cluster || undefined, locality: h.locality, node: ref?.pod.spec?.nodeName as string | undefined});
    return {
      address: h.address,
      ...(h.port !== undefined ? {port: h.port} : {}),
      locality: h.locality,
      labels,
      cluster,
      weight: h.weight,
      source: ref ? {kind: 'Pod', context: ref.ctx.name, namespace: ref.pod.metadata.namespace, name: ref.pod.metadata.name} : {kind: 'ServiceEntryEndpoint', context: ctx?.name ?? '', name: h.hostname ?? h.address},
    };
  });

  // What the configuration implies, when it is known.
  let expected: Map<string, {priority: number; reason: string}> | undefined;
  if (policy.known) {
    const res = assignPriorities(modelEndpoints, proxy, policy.setting, {failoverEnabled: policy.explanation.failoverApplied.value});
    expected = new Map(res.assignments.map((a) => [a.endpoint.address, {priority: a.priority, reason: a.reason}]));
    for (const n of res.notes) if (!notes.includes(n)) notes.push(n);
  }

  const endpoints: ExplainedEndpoint[] = hosts.map((h, i) => {
    const me = modelEndpoints[i]!;
    const exp = expected?.get(h.address);
    const reason = exp ? exp.reason : inferReason(h, proxyLocality);
    return {
      address: h.address,
      ...(h.port !== undefined ? {port: h.port} : {}),
      ...(h.hostname ? {hostname: h.hostname} : {}),
      ...(me.source.kind === 'Pod' ? {context: me.source.context, pod: `${me.source.namespace}/${me.source.name}`} : {}),
      ...(me.source.kind === 'EastWestGateway' ? {context: me.source.context, via: me.source.name} : {}),
      locality: h.locality,
      priority: h.priority,
      ...(exp ? {expectedPriority: exp.priority} : {}),
      weight: h.weight,
      health: healthOf(h),
      outlier: h.health.failedOutlierCheck ? 'ejected' : 'ok',
      flags: h.flags,
      stats: h.stats,
      reason,
    };
  });
  endpoints.sort((a, b) => a.priority - b.priority || compareText(a.address, b.address));

  // Envoy's actual priorities versus the model.
  if (expected) {
    const mismatched = endpoints.filter((e) => e.expectedPriority !== undefined && e.expectedPriority !== e.priority);
    if (mismatched.length) {
      const allZero = hosts.every((h) => h.priority === 0);
      notes.push(
        allZero && policy.explanation.failoverApplied.value
          ? `Envoy has every host at priority 0 although the configuration asks for locality failover: the proxy has not received it (stale config, an outlierDetection missing at this port, or the proxy's locality unknown to istiod)`
          : `${mismatched.length} endpoint(s) have a different priority in Envoy than the configuration implies (e.g. ${mismatched[0]!.address}: Envoy ${mismatched[0]!.priority}, expected ${mismatched[0]!.expectedPriority}); the proxy's config may be stale or its locality differs from what istiod sees`,
      );
    }
  }

  const panicThreshold = policy.explanation.panicThreshold.value;
  const priorities = summarize(hosts, new Set(), panicThreshold);
  const whatIf = whatIfs(input, hosts, endpoints, proxyLocality, policy.explanation, panicThreshold);
  const verdict = verdictOf(priorities, endpoints, policy.explanation, whatIf, proxyLocality);

  return {
    service: input.service,
    port: input.port,
    proxy: {
      ...(input.proxy.context ? {context: input.proxy.context} : {}),
      ...(input.proxy.namespace ? {namespace: input.proxy.namespace} : {}),
      ...(input.proxy.pod ? {pod: input.proxy.pod} : {}),
      kind: input.proxy.kind,
      locality: proxyLocality,
      localitySource,
      ...(input.proxy.via ? {via: input.proxy.via} : {}),
    },
    cluster: input.cluster.name,
    policy: policy.explanation,
    endpoints,
    priorities,
    whatIf,
    verdict,
    notes,
  };
}

interface ResolvedPolicy {
  known: boolean;
  setting?: LocalityLbSetting;
  explanation: PolicyExplanation;
}

function resolvePolicy(input: ExplainInput, ctx: ContextSnapshot | undefined, svc: KubeObject | undefined, se: KubeObject | undefined, notes: string[]): ResolvedPolicy {
  const cdOd = input.configDumpCluster?.outlierDetection;
  const cdPanic = input.configDumpCluster?.healthyPanicThreshold;
  if (!ctx || (!svc && !se)) {
    // No objects: only Envoy's own view. Priorities above 0 mean Istio applied failover.
    const applied = input.cluster.hosts.some((h) => h.priority > 0) || !!cdOd || input.cluster.outlierDetectionConfigured;
    const mep = typeof cdOd?.max_ejection_percent === 'number' ? (cdOd.max_ejection_percent as number) : ENVOY.maxEjectionPercent;
    notes.push('the Istio configuration was not read (no cluster or bundle objects for this service): reasons are inferred from localities');
    return {
      known: false,
      explanation: {
        configurationRead: false,
        ...(cdOd ? {outlierDetection: {value: cdOd, source: 'config_dump'}} : {}),
        failoverApplied: {value: applied, source: cdOd ? 'outlier_detection in config_dump' : input.cluster.hosts.some((h) => h.priority > 0) ? 'Envoy has priorities above 0' : applied ? 'outlier detection seen in /clusters' : 'no sign of outlier detection in /clusters'},
        maxEjectionPercent: {value: mep, source: cdOd?.max_ejection_percent !== undefined ? 'config_dump' : 'envoy-default'},
        panicThreshold: {value: cdPanic ?? (applied ? 0 : ENVOY.panicThreshold), source: cdPanic !== undefined ? 'config_dump' : 'inferred'},
      },
    };
  }
  const host = input.service;
  const serviceNs = (svc ?? se)!.metadata.namespace;
  const dr = destinationRuleFor(ctx, host, {clientNs: input.proxy.namespace, serviceNs});
  const eff = effectivePolicy(dr, input.port, input.subset);
  const loc = localitySetting(ctx, eff.policy, svc);
  const applied = failoverApplied(loc, eff.policy);
  const od = eff.outlierDetection as Record<string, unknown> | undefined;
  const drSource = dr ? `destination-rule ${dr.metadata.namespace}/${dr.metadata.name}${eff.portLevel ? ` (portLevelSettings port ${input.port})` : ''}` : 'none';
  const mep = odValue(od, 'maxEjectionPercent');
  const td = serviceTrafficDistribution(ctx, svc);
  const panic = panicThresholdFor(!!od, odValue(od, 'minHealthPercent'), loc.force);
  return {
    known: true,
    ...(loc.setting ? {setting: loc.setting} : {}),
    explanation: {
      configurationRead: true,
      ...(dr ? {destinationRule: {namespace: dr.metadata.namespace!, name: dr.metadata.name, context: ctx.name}} : {}),
      outlierDetection: {value: od ?? null, source: od ? drSource : 'none'},
      localityLbSetting: {value: (loc.setting as Record<string, unknown> | undefined) ?? null, source: loc.source === 'destination-rule' ? drSource : loc.source},
      failoverApplied: {
        value: applied,
        source: applied ? (loc.force ? 'service-traffic-distribution (forced)' : 'outlierDetection present') : loc.setting ? 'no outlierDetection' : 'locality LB disabled',
      },
      maxEjectionPercent: {value: mep ?? ENVOY.maxEjectionPercent, source: mep !== undefined ? drSource : 'envoy-default'},
      panicThreshold: {value: cdPanic ?? panic, source: cdPanic !== undefined ? 'config_dump' : od ? `${drSource} minHealthPercent` : loc.force ? 'service-traffic-distribution' : 'envoy-default'},
      ...(td ? {trafficDistribution: td} : {}),
    },
  };
}

function inferReason(h: EnvoyHost, proxy: Locality): string {
  if (isEmptyLocality(h.locality)) return `priority ${h.priority}; the endpoint has no locality`;
  if (isEmptyLocality(proxy)) return `priority ${h.priority}; the proxy's locality is unknown`;
  if (h.locality.region !== proxy.region) return `priority ${h.priority}; other region (${h.locality.region})`;
  if (h.locality.zone !== proxy.zone) return `priority ${h.priority}; same region, other zone (${h.locality.zone})`;
  if (h.locality.subZone !== proxy.subZone) return `priority ${h.priority}; same zone, other subzone (${h.locality.subZone || '-'})`;
  return `priority ${h.priority}; same locality as the proxy`;
}

function summarize(hosts: readonly EnvoyHost[], failed: ReadonlySet<EnvoyHost>, panicThreshold: number): PrioritySummary[] {
  const levels = hostsFromFlags(hosts.map((h) => ({priority: h.priority, flags: failed.has(h) ? [...h.flags, 'failed_eds_health'] : h.flags})));
  const loads = priorityLoad(levels, {panicThreshold});
  return levels.map((l, i) => ({
    priority: l.priority,
    hosts: l.hosts,
    healthy: l.healthy,
    loadPercent: loads[i]!.loadPercent,
    ...(loads[i]!.panic ? {panic: true} : {}),
    localities: [...new Set(hosts.filter((h) => h.priority === l.priority).map((h) => formatLocality(h.locality) || '(none)'))].sort(),
  }));
}

function whatIfs(input: ExplainInput, hosts: readonly EnvoyHost[], endpoints: readonly ExplainedEndpoint[], proxy: Locality, policy: PolicyExplanation, panic: number): WhatIf[] {
  const out: WhatIf[] = [];
  const p0 = hosts.filter((h) => h.priority === 0);
  const scenarios: {scenario: string; failed: EnvoyHost[]}[] = [];
  for (const loc of [...new Set(p0.map((h) => formatLocality(h.locality)))].sort()) {
    scenarios.push({scenario: `locality ${loc || '(none)'} fails`, failed: hosts.filter((h) => formatLocality(h.locality) === loc)});
  }
  const byContext = new Map<string, EnvoyHost[]>();
  endpoints.forEach((e) => {
    if (!e.context) return;
    const h = hosts.find((x) => x.address === e.address)!;
    byContext.set(e.context, [...(byContext.get(e.context) ?? []), h]);
  });
  if (input.proxy.context && byContext.size > 1 && byContext.has(input.proxy.context)) {
    scenarios.push({scenario: `the local cluster ${input.proxy.context} fails`, failed: byContext.get(input.proxy.context)!});
  }
  for (const f of input.fail ?? []) {
    const failed = hosts.filter((h) => {
      const loc = formatLocality(h.locality);
      const e = endpoints.find((x) => x.address === h.address);
      return h.address === f || h.ip === f || loc === f || loc.startsWith(`${f}/`) || e?.context === f || e?.pod === f || h.hostname === f;
    });
    scenarios.push({scenario: `--fail ${f}`, failed});
  }
  const n = hosts.length;
  const alreadyEjected = hosts.filter((h) => h.health.failedOutlierCheck).length;
  const cap = maxEjectable(n, policy.maxEjectionPercent.value);
  for (const s of scenarios) {
    const failedSet = new Set(s.failed);
    const now = summarize(hosts, failedSet, panic);
    const w: WhatIf = {scenario: s.scenario, failed: s.failed.map((h) => h.address), priorities: now.map((p) => ({priority: p.priority, loadPercent: p.loadPercent})), summary: ''};
    if (s.failed.length === 0) {
      w.summary = 'matches no endpoint';
      out.push(w);
      continue;
    }
    // If the failure shows only as errors (the pods stay Ready), outlier detection must eject the
    // hosts, and Envoy ejects at most `cap` hosts of the whole cluster.
    if (policy.failoverApplied.value) {
      const failing = s.failed.filter((h) => !h.health.failedOutlierCheck && !isUnhealthy(h));
      const canEject = Math.max(0, cap - alreadyEjected);
      if (failing.length > canEject) {
        const ejected = new Set(failing.sort((a, b) => a.priority - b.priority).slice(0, canEject));
        const stillIn = failing.filter((h) => !ejected.has(h));
        const after = summarize(hosts, new Set([...ejected]), panic);
        let toFailing = 0;
        for (const p of after) {
          const healthyHosts = hosts.filter((h) => h.priority === p.priority && !isUnhealthy(h) && !ejected.has(h));
          const bad = stillIn.filter((h) => h.priority === p.priority).length;
          if (healthyHosts.length) toFailing += (p.loadPercent * bad) / healthyHosts.length;
        }
        w.toFailingPercent = Math.round(toFailing);
      }
    }
    const lead = now.find((p) => p.loadPercent > 0);
    const dest = now.filter((p) => p.loadPercent > 0).map((p) => `${p.loadPercent}% to priority ${p.priority} (${p.localities.join(', ')})`);
    w.summary =
      now.every((p) => p.healthy === 0)
        ? 'no healthy host left: requests fail with 503 "no healthy upstream"'
        : `${dest.join(', ')}${lead && lead.priority > 0 ? ' — traffic fails over' : ''}` +
          (w.toFailingPercent !== undefined ? `; but if the hosts keep answering with errors (pods stay Ready), outlier detection may eject only ${cap} of ${n} hosts (maxEjectionPercent ${policy.maxEjectionPercent.value}), so about ${w.toFailingPercent}% keeps going to failing hosts` : '');
    out.push(w);
  }
  void proxy;
  return out;
}

function verdictOf(priorities: readonly PrioritySummary[], endpoints: readonly ExplainedEndpoint[], policy: PolicyExplanation, whatIf: readonly WhatIf[], proxy: Locality): string {
  if (endpoints.length === 0) return 'The proxy has no endpoint for this service: requests fail with 503 "no healthy upstream".';
  if (priorities.every((p) => p.healthy === 0)) return 'No healthy endpoint: every host is ejected or unhealthy, requests fail with 503 "no healthy upstream".';
  const used = priorities.filter((p) => p.loadPercent > 0);
  const split = used.map((p) => `${p.loadPercent}% to priority ${p.priority} (${p.localities.join(', ')})`).join(', ');
  if (priorities.length === 1) {
    const locs = priorities[0]!.localities;
    if (!policy.failoverApplied.value && locs.length > 1) {
      return `No locality preference: every endpoint is priority 0 (${policy.failoverApplied.source}), so traffic is spread over ${locs.length} localities (${locs.join(', ')}) and there is no failover order.`;
    }
    const where = locs.length === 1 && locs[0] === '(none)' ? `${priorities[0]!.hosts} host(s) without locality` : locs.join(', ');
    return `All traffic goes to priority 0 (${where}); there is no lower priority to fail over to.`;
  }
  const from = formatLocality(proxy) || 'this proxy';
  const p0 = priorities[0]!;
  if (p0.loadPercent < 100) {
    // Already failing over (or spilling): say why, not what would happen.
    const down = p0.hosts - p0.healthy;
    return `Traffic from ${from} ${p0.loadPercent === 0 ? 'has failed over' : 'is spilling over'}: priority 0 (${p0.localities.join(', ')}) has ${p0.healthy} of ${p0.hosts} host(s) healthy (${down} ejected or unhealthy), so ${split}.`;
  }
  const first = whatIf[0];
  const lead = `Traffic from ${from}: ${split}`;
  return first ? `${lead}; if ${first.scenario.replace(/ fails$/, '')} fails: ${first.summary}.` : `${lead}.`;
}
