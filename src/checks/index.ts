import {compareText} from '../model/collate.js';
import type {Check} from './types.js';
// The explicit registry: one import per check, kept sorted by code.
// Each group of checks below is owned by one author; add lines only inside your group.
// --- FO1xx (DestinationRule policy) ---
import {fo101} from './fo101-outlier-detection-missing.js';
import {fo102} from './fo102-max-ejection-blocks-failover.js';
import {fo103} from './fo103-port-level-policy-drops-failover.js';
import {fo104} from './fo104-outlier-detection-disabled.js';
import {fo105} from './fo105-failover-region-unknown.js';
import {fo106} from './fo106-failover-target-empty.js';
import {fo107} from './fo107-invalid-locality-setting.js';
// --- end FO1xx ---
// --- FO108-FO114 ---
import {fo108} from './fo108-distribute-drops-localities.js';
import {fo109} from './fo109-failover-priority-label-missing.js';
import {fo110} from './fo110-min-health-enables-panic.js';
import {fo111} from './fo111-duplicate-destination-rules.js';
import {fo112} from './fo112-destination-rule-host-unknown.js';
import {fo113} from './fo113-tcp-outlier-blind.js';
import {fo114} from './fo114-traffic-distribution-overridden.js';
// --- end FO108-FO114 ---
// --- FO2xx/FO3xx (topology, ambient) ---
import {fo201} from './fo201-node-topology-labels-missing.js';
import {fo203} from './fo203-single-locality.js';
import {fo302} from './fo302-ambient-policy-without-waypoint.js';
import {fo303} from './fo303-waypoint-not-found.js';
import {fo304} from './fo304-waypoint-not-ready.js';
// --- end FO2xx/FO3xx ---
// --- FO4xx (multicluster) ---
import {fo401} from './fo401-global-label-missing.js';
import {fo402} from './fo402-waypoint-global-label-missing.js';
import {fo403} from './fo403-service-missing-in-peer.js';
import {fo404} from './fo404-destination-rule-drift.js';
import {fo405} from './fo405-eastwest-gateway-no-address.js';
import {fo406} from './fo406-trust-root-mismatch.js';
import {fo408} from './fo408-remote-cluster-not-connected.js';
import {fo409} from './fo409-eastwest-gateway-missing.js';
// --- end FO4xx ---
// --- FO5xx (ServiceEntry, WorkloadEntry, TLS) ---
import {fo501} from './fo501-workload-entry-fqdn-address.js';
import {fo502} from './fo502-dns-round-robin-multi-endpoint.js';
import {fo503} from './fo503-service-entry-endpoints-without-locality.js';
import {fo504} from './fo504-service-entry-locality-unmatched.js';
import {fo505} from './fo505-tls-origination-mismatch.js';
import {fo507} from './fo507-tls-sni-san-mismatch.js';
// --- end FO5xx ---
// --- FO6xx (live Envoy state) ---
import {fo601} from './fo601-endpoints-ejected.js';
import {fo602} from './fo602-traffic-spilling.js';
import {fo603} from './fo603-priorities-not-applied.js';
import {fo604} from './fo604-proxy-locality-unknown.js';
import {fo605} from './fo605-no-healthy-upstream.js';
// --- end FO6xx ---
// --- FO202/FO204/FO301/FO407/FO506 ---
import {fo202} from './fo202-deprecated-topology-labels.js';
import {fo204} from './fo204-locality-label-malformed.js';
import {fo301} from './fo301-namespace-not-in-mesh.js';
import {fo407} from './fo407-network-label-missing.js';
import {fo506} from './fo506-exposed-services-selector-unmatched.js';
// --- end FO202/FO204/FO301/FO407/FO506 ---

export const CHECKS: readonly Check[] = Object.freeze(
  [
    // --- FO1xx list ---
    fo101,
    fo102,
    fo103,
    fo104,
    fo105,
    fo106,
    fo107,
    // --- end FO1xx list ---
    // --- FO108-FO114 list ---
    fo108,
    fo109,
    fo110,
    fo111,
    fo112,
    fo113,
    fo114,
    // --- end FO108-FO114 list ---
    // --- FO2xx/FO3xx list ---
    fo201,
    fo203,
    fo302,
    fo303,
    fo304,
    // --- end FO2xx/FO3xx list ---
    // --- FO4xx list ---
    fo401,
    fo402,
    fo403,
    fo404,
    fo405,
    fo406,
    fo408,
    fo409,
    // --- end FO4xx list ---
    // --- FO5xx list ---
    fo501,
    fo502,
    fo503,
    fo504,
    fo505,
    fo507,
    // --- end FO5xx list ---
    // --- FO6xx list ---
    fo601,
    fo602,
    fo603,
    fo604,
    fo605,
    // --- end FO6xx list ---
    // --- FO202/FO204/FO301/FO407/FO506 list ---
    fo202,
    fo204,
    fo301,
    fo407,
    fo506,
    // --- end FO202/FO204/FO301/FO407/FO506 list ---
  ].sort((a: Check, b: Check) => compareText(a.meta.code, b.meta.code)),
);

export function checkByCode(code: string): Check | undefined {
  return CHECKS.find((c) => c.meta.code === code.toUpperCase());
}
