/** Pieces shared by the /clusters parsers: health flags and address display forms. Pure. */
import type {EdsHealthStatus, HostHealth} from './types.js';
import {EDS_HEALTH_BY_NUMBER} from './types.js';

const EDS_NAMES: ReadonlySet<string> = new Set(EDS_HEALTH_BY_NUMBER);

export function healthyHealth(): HostHealth {
  return {
    edsHealthStatus: 'HEALTHY',
    failedOutlierCheck: false,
    failedActiveHealthCheck: false,
    failedActiveDegradedCheck: false,
    pendingDynamicRemoval: false,
    pendingActiveHc: false,
    excludedViaImmediateHcFail: false,
    activeHcTimeout: false,
    failedDegradedOutlierDetection: false,
  };
}

/** A HealthStatus given as a name or an enum number; undefined when it is neither. */
export function edsHealthFrom(v: unknown): EdsHealthStatus | undefined {
  if (typeof v === 'string') {
    const up = v.toUpperCase();
    return EDS_NAMES.has(up) ? (up as EdsHealthStatus) : undefined;
  }
  if (typeof v === 'number') return EDS_HEALTH_BY_NUMBER[v];
  return undefined;
}

/**
 * The health_flags Envoy's text output would print for this health, in Envoy's order
 * (HostUtility::healthFlagsToString). EDS TIMEOUT becomes failed_eds_health as in
 * HostImplBase::setEdsHealthFlag.
 */
export function flagsFromHealth(h: HostHealth): string[] {
  const f: string[] = [];
  if (h.failedActiveHealthCheck) f.push('failed_active_hc');
  if (h.failedOutlierCheck) f.push('failed_outlier_check');
  if (h.edsHealthStatus === 'UNHEALTHY' || h.edsHealthStatus === 'TIMEOUT') f.push('failed_eds_health');
  if (h.failedActiveDegradedCheck) f.push('degraded_active_hc');
  if (h.edsHealthStatus === 'DEGRADED') f.push('degraded_eds_health');
  if (h.pendingDynamicRemoval) f.push('pending_dynamic_removal');
  if (h.pendingActiveHc) f.push('pending_active_hc');
  if (h.excludedViaImmediateHcFail) f.push('excluded_via_immediate_hc_fail');
  if (h.activeHcTimeout) f.push('active_hc_timeout');
  if (h.edsHealthStatus === 'DRAINING') f.push('eds_status_draining');
  if (h.failedDegradedOutlierDetection) f.push('degraded_outlier_detection');
  return f;
}

/**
 * HostHealth from text health_flags. The EDS status follows Envoy's JSON renderer
 * (clusters_handler.cc setHealthFlag): draining wins, then failed_eds_health, then degraded_eds_health.
 */
export function healthFromFlags(flags: readonly string[]): HostHealth {
  const h = healthyHealth();
  let failedEds = false;
  let degradedEds = false;
  let draining = false;
  for (const flag of flags) {
    switch (flag) {
      case 'failed_active_hc': h.failedActiveHealthCheck = true; break;
      case 'failed_outlier_check': h.failedOutlierCheck = true; break;
      case 'failed_eds_health': failedEds = true; break;
      case 'degraded_active_hc': h.failedActiveDegradedCheck = true; break;
      case 'degraded_eds_health': degradedEds = true; break;
      case 'pending_dynamic_removal': h.pendingDynamicRemoval = true; break;
      case 'pending_active_hc': h.pendingActiveHc = true; break;
      case 'excluded_via_immediate_hc_fail': h.excludedViaImmediateHcFail = true; break;
      case 'active_hc_timeout': h.activeHcTimeout = true; break;
      case 'eds_status_draining': draining = true; break;
      case 'degraded_outlier_detection': h.failedDegradedOutlierDetection = true; break;
      default: break; // unknown (newer Envoy) flags stay in `flags` only
    }
  }
  h.edsHealthStatus = draining ? 'DRAINING' : failedEds ? 'UNHEALTHY' : degradedEds ? 'DEGRADED' : 'HEALTHY';
  return h;
}

/**
 * The value of a text `health_flags` line: 'healthy', '/flag/flag…', or (for synthetic admin
 * endpoints of newer Envoy) a lower-case HealthStatus name. undefined when it is none of these.
 */
export function parseHealthFlagsValue(v: string): {flags: string[]; health: HostHealth} | undefined {
  if (v === 'healthy') return {flags: [], health: healthyHealth()};
  if (v.startsWith('/')) {
    const flags = v.split('/').filter((s) => s.length > 0);
    return {flags, health: healthFromFlags(flags)};
  }
  const eds = edsHealthFrom(v);
  if (eds && v === v.toLowerCase()) {
    const health = healthyHealth();
    health.edsHealthStatus = eds;
    return {flags: flagsFromHealth(health), health};
  }
  return undefined;
}

const PORT_RE = /^\d{1,5}$/;

/** `ip:port` for IPv4/hostnames, `[ip]:port` for IPv6 (Envoy's Address::asString). */
export function socketDisplay(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Split `1.2.3.4:80` or `[fd00::1]:80`; undefined when there is no numeric port. */
export function splitIpPort(s: string): {ip: string; port: number} | undefined {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s.charCodeAt(close + 1) !== 58 /* : */) return undefined;
    const port = s.slice(close + 2);
    return PORT_RE.test(port) ? {ip: s.slice(1, close), port: Number(port)} : undefined;
  }
  const colon = s.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const ip = s.slice(0, colon);
  if (ip.includes(':')) return undefined; // a bare IPv6 address has no port
  const port = s.slice(colon + 1);
  return PORT_RE.test(port) ? {ip, port: Number(port)} : undefined;
}

export interface AddressParts {
  address: string;
  ip?: string;
  port?: number;
}

/** envoy://listener/endpoint_id; Istio's endpoint ids are `ip:port`, which also give ip and port. */
export function internalAddress(listener: string, endpointId: string): AddressParts {
  const out: AddressParts = {address: `envoy://${listener}/${endpointId}`};
  const ipPort = splitIpPort(endpointId);
  if (ipPort) {
    out.ip = ipPort.ip;
    out.port = ipPort.port;
  }
  return out;
}

/** A unix socket path as Envoy prints it (path, or '@name' for the abstract namespace). */
export function pipeAddress(path: string): AddressParts {
  return {address: `unix://${path}`};
}

/**
 * The address part of a text /clusters host line (Envoy's Address::asString): `ip:port`,
 * `[v6]:port`, a socket path (`/sock/x` or `@abstract`), or `envoy://listener/endpoint_id`.
 */
export function parseTextAddress(s: string): AddressParts {
  if (s.startsWith('envoy://')) {
    const rest = s.slice('envoy://'.length);
    const slash = rest.indexOf('/');
    return slash < 0 ? {address: s} : internalAddress(rest.slice(0, slash), rest.slice(slash + 1));
  }
  if (s.startsWith('/') || s.startsWith('@')) return pipeAddress(s);
  if (s.startsWith('unix://')) return {address: s};
  const ipPort = splitIpPort(s);
  return ipPort ? {address: socketDisplay(ipPort.ip, ipPort.port), ip: ipPort.ip, port: ipPort.port} : {address: s};
}
