/**
 * The traffic model's data (PRODUCT.md §6): endpoints as one client proxy's Envoy cluster sees them,
 * and the priorities Istio gives them. Shared by doctor and explain; everything here is plain data.
 */
import type {Locality} from '../istio/locality.js';

export interface ModelEndpoint {
  /** IP, DNS hostname (DNS ServiceEntry), or east-west gateway address. */
  address: string;
  port?: number;
  locality: Locality;
  /** As Istio sees them: pod/WE labels + AugmentLabels (region, zone, subzone, cluster, hostname, network when not set). */
  labels: Readonly<Record<string, string>>;
  /** Istio cluster ID (the context name when unknown). */
  cluster: string;
  network?: string;
  /** Default 1. */
  weight: number;
  source: {kind: 'Pod' | 'WorkloadEntry' | 'ServiceEntryEndpoint' | 'EastWestGateway'; context: string; namespace?: string; name: string};
}

/** The client proxy (sidecar, waypoint or gateway pod) whose view of the service is modelled. */
export interface ClientProxy {
  locality: Locality;
  labels: Readonly<Record<string, string>>;
  cluster: string;
  network?: string;
}

export interface PriorityAssignment {
  endpoint: ModelEndpoint;
  priority: number;
  reason: string;
}

export interface PriorityResult {
  /** Sorted by priority then address. */
  assignments: PriorityAssignment[];
  /** E.g. distribute leaves a locality out; endpoints without locality under distribute. */
  dropped: {endpoint: ModelEndpoint; reason: string}[];
  /** distribute: locality string -> weight. */
  localityWeights?: Record<string, number>;
  mode: 'none' | 'default-tiers' | 'failover' | 'failover-priority' | 'distribute';
  notes: string[];
}
