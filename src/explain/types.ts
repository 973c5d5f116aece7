import type {Locality} from '../istio/locality.js';

/** The explain output of PRODUCT.md §2.2; field names are a contract (add, never rename). */
export interface Explanation {
  service: string;
  port: number;
  proxy: {
    context?: string;
    namespace?: string;
    pod?: string;
    kind: 'sidecar' | 'waypoint' | 'gateway' | 'file';
    locality: Locality;
    /** Where the proxy's locality was read: the bootstrap node of config_dump, the pod's node, a pod label, or unknown. */
    localitySource: 'config_dump' | 'node' | 'pod-label' | 'unknown';
    /** How the admin was reached (port-forward, exec, url, file). */
    via?: string;
  };
  cluster: string;
  policy: PolicyExplanation;
  endpoints: ExplainedEndpoint[];
  priorities: PrioritySummary[];
  whatIf: WhatIf[];
  verdict: string;
  /** Disagreements between Envoy and the configuration, and other caveats. */
  notes: string[];
}

export interface Sourced<T> {
  value: T;
  /** destination-rule (ns/name), port-level, subset, service-traffic-distribution, mesh-default, envoy-default, config_dump, unknown */
  source: string;
}

export interface PolicyExplanation {
  /** Whether the Istio objects were read (live or bundle); from a dump alone, only Envoy's view is known. */
  configurationRead: boolean;
  destinationRule?: {namespace: string; name: string; context: string};
  outlierDetection?: Sourced<Record<string, unknown> | null>;
  localityLbSetting?: Sourced<Record<string, unknown> | null>;
  /** Istio applies locality priorities (outlier detection present, or forced by trafficDistribution). */
  failoverApplied: Sourced<boolean>;
  maxEjectionPercent: Sourced<number>;
  panicThreshold: Sourced<number>;
  trafficDistribution?: string;
}

export interface ExplainedEndpoint {
  address: string;
  port?: number;
  hostname?: string;
  context?: string;
  pod?: string;
  /** For a remote network's endpoints: the east-west gateway they are reached through. */
  via?: string;
  locality: Locality;
  priority: number;
  /** The priority the Istio model predicts for this proxy, when the configuration is known. */
  expectedPriority?: number;
  weight: number;
  health: 'healthy' | 'unhealthy' | 'degraded' | 'draining';
  outlier: 'ok' | 'ejected';
  flags: string[];
  stats: Record<string, number>;
  reason: string;
}

export interface PrioritySummary {
  priority: number;
  hosts: number;
  healthy: number;
  loadPercent: number;
  panic?: boolean;
  localities: string[];
}

export interface WhatIf {
  /** e.g. "locality us-east-1/us-east-1a fails", "cluster cluster1 fails", "--fail 10.0.0.1". */
  scenario: string;
  failed: string[];
  /** The split when the failed hosts leave the healthy set (readiness, EDS, or successful ejection). */
  priorities: {priority: number; loadPercent: number}[];
  /** When failures are only seen by outlier detection: the share still sent to failing hosts (max ejection cap). */
  toFailingPercent?: number;
  summary: string;
}
