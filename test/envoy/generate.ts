/**
 * Test helpers: where the upstream reference dumps live, a renderer of the host model back into
 * Envoy's text format (for round trips), a synthetic large text dump, and a camelCase converter.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {EnvoyCluster} from '../../src/envoy/index.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared/reference/upstream next to the clone (present on dev and CI machines that have it). */
export const upstreamDir = path.resolve(projectRoot, '../shared/reference/upstream');
export const hasUpstream = existsSync(upstreamDir);
export const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function upstream(rel: string): string {
  return path.join(upstreamDir, rel);
}

export function fixture(name: string): string {
  return readFileSync(path.join(fixturesDir, name), 'utf8');
}

/** The address as Envoy's Address::asString prints it in the text format. */
function textAddress(address: string): string {
  return address.startsWith('unix://') ? address.slice('unix://'.length) : address;
}

/** Envoy's text /clusters for these clusters (the parts the model keeps), in Envoy's line order. */
export function renderClustersText(clusters: readonly EnvoyCluster[]): string {
  const out: string[] = [];
  for (const c of clusters) {
    const n = c.name;
    out.push(`${n}::observability_name::${c.observabilityName ?? n}`);
    if (c.outlierDetectionConfigured) {
      for (const k of ['success_rate_average', 'success_rate_ejection_threshold', 'local_origin_success_rate_average', 'local_origin_success_rate_ejection_threshold']) {
        out.push(`${n}::outlier::${k}::-1`);
      }
    }
    for (const p of ['default', 'high']) {
      for (const k of ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries']) out.push(`${n}::${p}_priority::${k}::1024`);
    }
    out.push(`${n}::added_via_api::${c.addedViaApi ?? false}`);
    if (c.edsServiceName) out.push(`${n}::eds_service_name::${c.edsServiceName}`);
    for (const h of c.hosts) {
      const a = `${n}::${textAddress(h.address)}`;
      for (const k of Object.keys(h.stats).sort()) out.push(`${a}::${k}::${h.stats[k]}`);
      out.push(`${a}::hostname::${h.hostname ?? ''}`);
      out.push(`${a}::health_flags::${h.flags.length ? `/${h.flags.join('/')}` : 'healthy'}`);
      out.push(`${a}::weight::${h.weight}`);
      out.push(`${a}::region::${h.locality.region}`);
      out.push(`${a}::zone::${h.locality.zone}`);
      out.push(`${a}::sub_zone::${h.locality.subZone}`);
      out.push(`${a}::canary::false`);
      out.push(`${a}::priority::${h.priority}`);
      out.push(`${a}::success_rate::${h.successRate ?? -1}`);
      out.push(`${a}::local_origin_success_rate::${h.localOriginSuccessRate ?? -1}`);
    }
  }
  return out.join('\n') + '\n';
}

export interface SyntheticOptions {
  clusters: number;
  hostsPerCluster: number;
}

export function syntheticClusterName(i: number): string {
  return `outbound|${8000 + (i % 1000)}||svc-${i}.ns-${i % 17}.svc.cluster.local`;
}

/**
 * A large text dump, produced lazily (never held whole): cluster i has hostsPerCluster hosts
 * 10.(i/256).(i%256).h, priority h%3, zone z(h%3); host 0 of every cluster is outlier-ejected.
 */
export function* syntheticTextLines(o: SyntheticOptions): Generator<string> {
  for (let i = 0; i < o.clusters; i++) {
    const n = syntheticClusterName(i);
    yield `${n}::observability_name::${n}\n`;
    yield `${n}::outlier::success_rate_average::-1\n`;
    yield `${n}::default_priority::max_connections::4294967295\n`;
    yield `${n}::added_via_api::true\n`;
    yield `${n}::eds_service_name::${n}\n`;
    for (let h = 0; h < o.hostsPerCluster; h++) {
      const a = `${n}::10.${Math.floor(i / 256) % 256}.${i % 256}.${h}:8080`;
      yield `${a}::cx_active::${h}\n${a}::rq_error::${i}\n${a}::rq_success::${i * 10 + h}\n${a}::rq_total::${i * 11 + h}\n`;
      yield `${a}::hostname::\n${a}::health_flags::${h === 0 ? '/failed_outlier_check' : 'healthy'}\n${a}::weight::1\n`;
      yield `${a}::region::r1\n${a}::zone::z${h % 3}\n${a}::sub_zone::\n${a}::canary::false\n${a}::priority::${h % 3}\n`;
      yield `${a}::success_rate::-1\n${a}::local_origin_success_rate::-1\n`;
    }
  }
}

/** Lines per host and per cluster header in syntheticTextLines. */
export const SYNTHETIC_LINES_PER_HOST = 15;
export const SYNTHETIC_LINES_PER_CLUSTER = 5;

const CAMEL_EXEMPT = new Set(['filter_metadata']);

/** protojson-style camelCase keys, leaving Struct contents (filter_metadata values) and '@type' alone. */
export function camelize(v: unknown, inStruct = false): unknown {
  if (Array.isArray(v)) return v.map((x) => camelize(x, inStruct));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const key = inStruct || k.startsWith('@') ? k : k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[key] = camelize(x, inStruct || CAMEL_EXEMPT.has(k));
  }
  return out;
}
