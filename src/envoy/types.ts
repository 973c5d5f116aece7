/**
 * The host model shared by the /clusters JSON parser, the /clusters text parser and the
 * config_dump EDS fallback. Field meanings follow envoy.admin.v3.Clusters
 * (api/envoy/admin/v3/clusters.proto) and Envoy's text renderer (source/server/admin/clusters_handler.cc).
 */
import type {Locality} from '../istio/locality.js';
import {UserError} from '../sources/errors.js';

export type {Locality} from '../istio/locality.js';

/** envoy.config.core.v3.HealthStatus names. */
export type EdsHealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'DEGRADED' | 'DRAINING' | 'TIMEOUT' | 'UNKNOWN';

/** HealthStatus enum numbers (core/v3/health_check.proto), for dumps that carry numbers instead of names. */
export const EDS_HEALTH_BY_NUMBER: readonly EdsHealthStatus[] = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'];

/**
 * Envoy's health flag names, in the order HostUtility::healthFlagsToString prints them
 * (source/common/upstream/host_utility.cc; HEALTH_FLAG_ENUM_VALUES in envoy/upstream/upstream.h).
 * 'degraded_outlier_detection' is the newest flag (JSON `failed_degraded_outlier_detection`);
 * its text spelling is inferred from the enum name.
 */
export const HEALTH_FLAGS = [
  'failed_active_hc',
  'failed_outlier_check',
  'failed_eds_health',
  'degraded_active_hc',
  'degraded_eds_health',
  'pending_dynamic_removal',
  'pending_active_hc',
  'excluded_via_immediate_hc_fail',
  'active_hc_timeout',
  'eds_status_draining',
  'degraded_outlier_detection',
] as const;

export type HealthFlag = (typeof HEALTH_FLAGS)[number];

export interface HostHealth {
  /**
   * What EDS said. JSON: `eds_health_status` (omitted → HEALTHY). Text: derived from the flags the
   * way Envoy's JSON renderer does (eds_status_draining → DRAINING, else failed_eds_health →
   * UNHEALTHY, else degraded_eds_health → DEGRADED, else HEALTHY). Envoy maps EDS TIMEOUT to
   * failed_eds_health, so /clusters shows a timed-out endpoint as UNHEALTHY.
   */
  edsHealthStatus: EdsHealthStatus;
  failedOutlierCheck: boolean;
  failedActiveHealthCheck: boolean;
  failedActiveDegradedCheck: boolean;
  pendingDynamicRemoval: boolean;
  pendingActiveHc: boolean;
  excludedViaImmediateHcFail: boolean;
  activeHcTimeout: boolean;
  /** Newest Envoy only (outlier detection with detect_degraded_hosts). */
  failedDegradedOutlierDetection: boolean;
}

export interface EnvoyHost {
  /** Display form: `ip:port`, `[v6]:port`, `unix:///path` (or `unix://@abstract`), `envoy://listener/endpoint_id`, or `unknown`. */
  address: string;
  /** For socket addresses; for envoy:// internal addresses, taken from an `ip:port` endpoint_id (Istio's HBONE form). */
  ip?: string;
  port?: number;
  hostname?: string;
  locality: Locality;
  /** Omitted → 0. */
  priority: number;
  /** Omitted → 1 (Envoy never holds a host weight below 1). */
  weight: number;
  health: HostHealth;
  /** Envoy's health_flags names, in Envoy's order; [] means "healthy". Unknown names from text dumps are kept. */
  flags: string[];
  /** Per-host stats: cx_active, cx_connect_fail, cx_total, rq_active, rq_error, rq_success, rq_timeout, rq_total … */
  stats: Record<string, number>;
  /** Outlier success rate (external origin), 0–100; absent when Envoy has no data (-1). */
  successRate?: number;
  localOriginSuccessRate?: number;
}

export interface EnvoyCluster {
  name: string;
  observabilityName?: string;
  edsServiceName?: string;
  addedViaApi?: boolean;
  /**
   * Evidence that the cluster has an outlier detector. Text: the four `C::outlier::` lines are
   * printed exactly when one exists. JSON: Envoy only emits the ejection thresholds when the
   * success-rate computation produced one (enough hosts and request volume), so JSON usually
   * says nothing; true here then comes from a threshold, a host success rate or an ejected host.
   * See outlierDetectionKnown.
   */
  outlierDetectionConfigured: boolean;
  /**
   * Whether outlierDetectionConfigured is conclusive. Text dumps: always. JSON: only when true;
   * a JSON `false` means "no evidence", not "not configured" (read config_dump's outlier_detection).
   */
  outlierDetectionKnown: boolean;
  hosts: EnvoyHost[];
}

/**
 * The highest priority an Envoy endpoint can have: LocalityLbEndpoints.priority is
 * `[(validate.rules).uint32 = {lte: 128}]` (envoy/config/endpoint/v3/endpoint_components.proto),
 * so Envoy rejects anything above. A dump with more was not written by Envoy: its hosts are
 * skipped with a warning (the traffic model allocates one level per priority).
 */
export const MAX_PRIORITY = 128;

/** A priority Envoy can have: an integer 0..MAX_PRIORITY. */
export function validPriority(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_PRIORITY;
}

export type DumpFormat = 'json' | 'text' | 'config_dump';

export interface ClustersDump {
  /** The clusters kept (all, or those the `cluster` option selected), in dump order. */
  clusters: EnvoyCluster[];
  /** 'config_dump' when built from EDS in a /config_dump (see clustersFromConfigDump). */
  format: DumpFormat;
  /** Every cluster name in the dump, kept or not, in dump order (for "did you mean" hints). */
  allClusterNames: string[];
  warnings: string[];
}

export type ClusterSelector = string | ((name: string) => boolean);

export interface ParseOptions {
  /** Keep only this cluster (exact name) or the clusters the predicate accepts; others are not built. */
  cluster?: ClusterSelector;
}

/** Malformed or unrecognised Envoy admin output. One line, no stack trace for the user (exit code 2). */
export class DumpError extends UserError {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '), 2);
    this.name = 'DumpError';
  }
}

/** Compile a ClusterSelector into a predicate (undefined = keep everything). */
export function selectorPredicate(sel: ClusterSelector | undefined): ((name: string) => boolean) | undefined {
  if (sel === undefined) return undefined;
  if (typeof sel === 'function') return sel;
  return (name) => name === sel;
}
