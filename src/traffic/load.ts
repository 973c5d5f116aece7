/**
 * Envoy's priority load (PRODUCT.md §6, part 2): how much of the traffic each priority level gets,
 * given its healthy/degraded/excluded host counts. A model of Envoy's
 * load_balancer_impl.cc recalculatePerPriorityState, recalculatePerPriorityPanic,
 * isHostSetInPanic and recalculateLoadInTotalPanic, in the same integer arithmetic.
 * Istio never sets overprovisioning_factor or weighted_priority_health, so host COUNTS are used.
 * Pure: no I/O.
 */
import {ENVOY} from '../istio/constants.js';

export interface PriorityHosts {
  priority: number;
  /** All hosts of the priority, excluded ones included. */
  hosts: number;
  /** Healthy and not excluded. */
  healthy: number;
  /** Degraded (degraded_active_hc, degraded_eds_health) and not unhealthy or excluded. */
  degraded: number;
  /** Left out of the health denominator: pending_active_hc, excluded_via_immediate_hc_fail, eds_status_draining. */
  excluded: number;
}

export interface PriorityLoad {
  priority: number;
  /** min(100, 140·healthy / (hosts − excluded)), integer. */
  healthPercent: number;
  /** The same for degraded hosts. */
  degradedPercent: number;
  /** Share of all requests this priority receives (healthy + degraded load). */
  loadPercent: number;
  healthyLoadPercent: number;
  degradedLoadPercent: number;
  /** In panic: the priority keeps its share but spreads it over ALL its hosts, unhealthy ones included. */
  panic: boolean;
}

export type PriorityLoadResult = PriorityLoad[] & {
  /** Nothing healthy or degraded and panic disabled (threshold 0): Envoy answers 503 "no healthy upstream"; the 100% on P0 is nominal. */
  readonly noHealthyUpstream: boolean;
  /** Every priority in panic: load split by host count across all priorities. */
  readonly totalPanic: boolean;
};

/** A host's state for the load model, from its Envoy health flags. */
export type HostState = 'healthy' | 'degraded' | 'unhealthy' | 'excluded';

const UNHEALTHY = new Set(['failed_active_hc', 'failed_outlier_check', 'failed_eds_health', 'eds_status_draining', 'active_hc_timeout']);
const DEGRADED = new Set(['degraded_active_hc', 'degraded_eds_health']);
/** Envoy's excludeBasedOnHealthFlag (draining: with the default-on exclude_host_in_eds_status_draining). */
const EXCLUDED = new Set(['pending_active_hc', 'excluded_via_immediate_hc_fail', 'eds_status_draining']);
/** /clusters JSON field names for the same flags. */
const ALIASES: Readonly<Record<string, string>> = {
  failed_active_health_check: 'failed_active_hc',
  failed_active_degraded_check: 'degraded_active_hc',
};

function normalizeFlag(f: string): string {
  const k = f.trim().toLowerCase();
  return ALIASES[k] ?? k;
}

/**
 * A host's state from its health flags ("/failed_outlier_check" or "failed_outlier_check";
 * "healthy" or none = healthy), as Envoy's coarseHealth and excluded-host partition see it.
 */
export function hostState(flags: readonly string[]): HostState {
  // The text format joins flags in one string ("/failed_active_hc/pending_active_hc").
  const set = new Set(flags.flatMap((f) => f.split('/')).map(normalizeFlag).filter((f) => f !== ''));
  for (const f of set) if (EXCLUDED.has(f)) return 'excluded';
  for (const f of set) if (UNHEALTHY.has(f)) return 'unhealthy';
  for (const f of set) if (DEGRADED.has(f)) return 'degraded';
  return 'healthy';
}

/** Per-priority host counts from a host list (e.g. parsed Envoy /clusters), priorities 0..max without gaps. */
export function hostsFromFlags(hosts: readonly {priority?: number; flags: readonly string[]}[]): PriorityHosts[] {
  const max = hosts.reduce((m, h) => Math.max(m, h.priority ?? 0), -1);
  const out: PriorityHosts[] = [];
  for (let p = 0; p <= max; p++) out.push({priority: p, hosts: 0, healthy: 0, degraded: 0, excluded: 0});
  for (const h of hosts) {
    const lvl = out[h.priority ?? 0]!;
    lvl.hosts++;
    const s = hostState(h.flags);
    if (s === 'healthy') lvl.healthy++;
    else if (s === 'degraded') lvl.degraded++;
    else if (s === 'excluded') lvl.excluded++;
  }
  return out;
}

/**
 * The panic threshold Envoy uses for an Istio cluster: minHealthPercent (default 0 = off) when
 * outlier detection is set, else Envoy's 50; forced to 0 when Istio sends unhealthy endpoints
 * (PILOT_SEND_UNHEALTHY_ENDPOINTS or the Service's trafficDistribution).
 */
export function panicThresholdFor(outlierDetection: boolean, minHealthPercent: number | undefined, sendUnhealthy: boolean): number {
  if (sendUnhealthy) return 0;
  if (outlierDetection) return minHealthPercent !== undefined && minHealthPercent > 0 ? minHealthPercent : 0;
  return ENVOY.panicThreshold;
}

const pct = (n: number, d: number): number => (d > 0 ? Math.min(100, Math.floor((ENVOY.overprovisioningFactor * n) / d)) : 0);

/** Dense levels 0..max (missing priorities are empty host sets; duplicates summed). */
function dense(levels: readonly PriorityHosts[]): PriorityHosts[] {
  const max = levels.reduce((m, l) => Math.max(m, l.priority), -1);
  const out: PriorityHosts[] = [];
  for (let p = 0; p <= max; p++) out.push({priority: p, hosts: 0, healthy: 0, degraded: 0, excluded: 0});
  for (const l of levels) {
    const o = out[l.priority]!;
    o.hosts += l.hosts;
    o.healthy += l.healthy;
    o.degraded += l.degraded;
    o.excluded += l.excluded;
  }
  return out;
}

/**
 * The share of requests each priority level receives. Load goes to healthy hosts of the lowest
 * priorities first (health = min(100, 140·healthy/(hosts−excluded))), then to degraded hosts;
 * loads are normalised when the total availability is under 100 and the rounding remainder goes to
 * the first priority with health. Panic (checked only when the total is under 100): a priority
 * whose healthy+degraded share is under the threshold keeps its load but spreads it over all its
 * hosts; when every priority panics, load is split by host count; with threshold 0 and nothing
 * available, 100% goes to P0 and Envoy answers "no healthy upstream".
 */
export function priorityLoad(levels: readonly PriorityHosts[], opts: {panicThreshold: number}): PriorityLoadResult {
  const lv = dense(levels);
  const n = lv.length;
  const health = lv.map((l) => pct(l.healthy, l.hosts - l.excluded));
  const degraded = lv.map((l) => pct(l.degraded, l.hosts - l.excluded));
  const healthyLoad = new Array<number>(n).fill(0);
  const degradedLoad = new Array<number>(n).fill(0);
  const panic = new Array<boolean>(n).fill(false);
  const normTotal = Math.min(100, health.reduce((s, x) => s + x, 0) + degraded.reduce((s, x) => s + x, 0));
  let noHealthyUpstream = false;
  let totalPanic = false;

  if (normTotal > 0) {
    let remaining = 100;
    for (let i = 0; i < n; i++) {
      healthyLoad[i] = Math.min(remaining, Math.floor((health[i]! * 100) / normTotal));
      remaining -= healthyLoad[i]!;
    }
    for (let i = 0; i < n; i++) {
      degradedLoad[i] = Math.min(remaining, Math.floor((degraded[i]! * 100) / normTotal));
      remaining -= degradedLoad[i]!;
    }
    if (remaining > 0) {
      const h = health.findIndex((x) => x > 0);
      if (h >= 0) healthyLoad[h]! += remaining;
      else degradedLoad[degraded.findIndex((x) => x > 0)]! += remaining;
    }
  }

  const threshold = opts.panicThreshold;
  if (n === 0) {
    noHealthyUpstream = true;
  } else if (threshold <= 0 && normTotal === 0) {
    healthyLoad[0] = 100;
    noHealthyUpstream = true;
  } else if (normTotal < 100) {
    for (let i = 0; i < n; i++) {
      const count = lv[i]!.hosts - lv[i]!.excluded;
      const avail = count > 0 ? (100 * (lv[i]!.healthy + lv[i]!.degraded)) / count : 0;
      panic[i] = avail < threshold;
    }
    if (panic.every(Boolean)) {
      totalPanic = true;
      const total = lv.reduce((s, l) => s + l.hosts, 0);
      degradedLoad.fill(0);
      if (total === 0) {
        healthyLoad.fill(0);
        healthyLoad[0] = 100;
        noHealthyUpstream = true;
      } else {
        let remaining = 100;
        for (let i = 0; i < n; i++) {
          healthyLoad[i] = Math.floor((100 * lv[i]!.hosts) / total);
          remaining -= healthyLoad[i]!;
        }
        healthyLoad[lv.findIndex((l) => l.hosts > 0)]! += remaining;
      }
    }
  }

  const out = lv.map((l, i) => ({
    priority: l.priority,
    healthPercent: health[i]!,
    degradedPercent: degraded[i]!,
    loadPercent: healthyLoad[i]! + degradedLoad[i]!,
    healthyLoadPercent: healthyLoad[i]!,
    degradedLoadPercent: degradedLoad[i]!,
    panic: panic[i]!,
  }));
  return Object.assign(out, {noHealthyUpstream, totalPanic});
}

export interface LocalityHosts {
  locality: string;
  /** The locality's load_balancing_weight (Istio: the sum of its endpoints' weights; distribute: the computed weight). */
  weight: number;
  hosts: number;
  healthy: number;
  excluded: number;
}

/**
 * Within one priority, when the cluster has locality_weighted_lb_config (Istio sets it with
 * failover/failoverPriority under outlier detection, or with distribute): each locality's share of
 * that priority's healthy traffic, weight × min(1, 1.4 · healthy/(hosts − excluded)) normalised
 * (Envoy HostSetImpl::effectiveLocalityWeight). Without locality_weighted_lb_config Envoy ignores
 * locality weights and balances over the priority's hosts. `share` is 0..1.
 */
export function localityShares(localities: readonly LocalityHosts[]): {locality: string; effectiveWeight: number; share: number}[] {
  const eff = localities.map((l) => {
    const count = l.hosts - l.excluded;
    if (count <= 0) return 0;
    return l.weight * Math.min(1, (ENVOY.overprovisioningFactor / 100) * (l.healthy / count));
  });
  const total = eff.reduce((s, x) => s + x, 0);
  return localities.map((l, i) => ({locality: l.locality, effectiveWeight: eff[i]!, share: total > 0 ? eff[i]! / total : 0}));
}
