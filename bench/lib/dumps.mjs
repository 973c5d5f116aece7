/**
 * Synthetic Envoy admin /clusters dumps of a sidecar in a large mesh: C clusters × H hosts, in the
 * JSON Envoy prints for /clusters?format=json (protobuf pretty JSON: one-space indent, snake_case,
 * defaults omitted, stats as strings) and in the plain-text /clusters format, line for line as
 * source/server/admin/clusters_handler.cc writes them. The same state in both files.
 *
 * Cluster i is `outbound|PORT||svc-i.NS.svc.cluster.local` (NS as in the mesh generator), with a
 * few non-service clusters (BlackHoleCluster, PassthroughCluster, inbound|…, xds-grpc…) first.
 * Hosts: 10 a cluster over two regions and three zones, priorities as Istio gives them to a proxy
 * in us-east1/us-east1-a (same zone 0, same region 1, other region 2); one host in 7 ejected.
 */
import {createWriteStream} from 'node:fs';
import {once} from 'node:events';
import {SIZES, namespaceOf} from './mesh.mjs';

const REGIONS = ['us-east1', 'us-west1'];
const MESH = SIZES.large; // cluster names follow the large mesh's namespaces

export function dumpClusterName(i) {
  // Two ports a service: the first MESH.services clusters are its 9090 ones, the next its 8080 ones.
  const svc = i % MESH.services;
  return `outbound|${i < MESH.services ? 9090 : 8080}||svc-${svc}.${namespaceOf(MESH, svc)}.svc.cluster.local`;
}

/** The service explain is asked about, and its Envoy cluster (in the middle of the dump). */
export function explainTarget(clusters) {
  const i = Math.max(MESH.services, Math.floor(clusters * 0.73)); // port 8080, deep in the file
  const svc = i % MESH.services;
  return {service: `svc-${svc}.${namespaceOf(MESH, svc)}.svc.cluster.local`, port: 8080, cluster: dumpClusterName(i), index: i};
}

function hostsOf(i, hostsPerCluster) {
  const out = [];
  for (let h = 0; h < hostsPerCluster; h++) {
    const region = REGIONS[h % 5 === 4 ? 1 : 0];
    const zone = `${region}-${'abc'[h % 3]}`;
    const priority = region !== 'us-east1' ? 2 : zone === 'us-east1-a' ? 0 : 1;
    const n = i * hostsPerCluster + h;
    const rq = (n * 7919) % 100000;
    out.push({
      ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      port: 8080,
      region,
      zone,
      priority,
      ejected: n % 7 === 3,
      stats: {cx_active: n % 5, cx_connect_fail: n % 3, cx_total: rq + 17, rq_active: n % 4, rq_error: n % 11, rq_success: rq, rq_timeout: n % 2, rq_total: rq + (n % 11)},
    });
  }
  return out;
}

const SPECIAL = ['BlackHoleCluster', 'InboundPassthroughCluster', 'PassthroughCluster', 'agent', 'prometheus_stats', 'sds-grpc', 'xds-grpc', 'zipkin'];

function jsonCluster(name, hosts, outlier) {
  const cb = (p) => ` {\n${p ? '       "priority": "HIGH",\n' : ''}       "max_connections": 4294967295,\n       "max_pending_requests": 4294967295,\n       "max_requests": 4294967295,\n       "max_retries": 4294967295\n      }`;
  let s = `  {\n   "name": ${JSON.stringify(name)},\n   "observability_name": ${JSON.stringify(name)},\n   "eds_service_name": ${JSON.stringify(name)},\n   "added_via_api": true,\n`;
  if (outlier) s += `   "success_rate_ejection_threshold": {\n    "value": 63.2\n   },\n`;
  s += `   "circuit_breakers": {\n    "thresholds": [\n     ${cb(false).trimStart()},\n     ${cb(true).trimStart()}\n    ]\n   },\n   "host_statuses": [`;
  s += hosts
    .map((h) => {
      const stats = Object.entries(h.stats)
        .map(([k, v]) => `      {\n       "name": "${k}",\n${v ? `       "value": "${v}",\n` : ''}       "type": "${k === 'cx_active' || k === 'rq_active' ? 'GAUGE' : 'COUNTER'}"\n      }`)
        .join(',\n');
      return (
        `\n    {\n     "address": {\n      "socket_address": {\n       "address": "${h.ip}",\n       "port_value": ${h.port}\n      }\n     },\n     "stats": [\n${stats}\n     ],\n` +
        `     "health_status": {\n      "eds_health_status": "HEALTHY"${h.ejected ? ',\n      "failed_outlier_check": true' : ''}\n     },\n` +
        (outlier ? `     "success_rate": {\n      "value": ${h.ejected ? 41.5 : 99.7}\n     },\n` : '') +
        `     "weight": 1,\n     "locality": {\n      "region": "${h.region}",\n      "zone": "${h.zone}"\n     }${h.priority ? `,\n     "priority": ${h.priority}` : ''}\n    }`
      );
    })
    .join(',');
  return s + '\n   ]\n  }';
}

function textCluster(name, hosts, outlier) {
  const out = [`${name}::observability_name::${name}`];
  if (outlier) {
    out.push(`${name}::outlier::success_rate_average::97.1`, `${name}::outlier::success_rate_ejection_threshold::63.2`, `${name}::outlier::local_origin_success_rate_average::-1`, `${name}::outlier::local_origin_success_rate_ejection_threshold::-1`);
  }
  for (const p of ['default_priority', 'high_priority']) for (const k of ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries']) out.push(`${name}::${p}::${k}::4294967295`);
  out.push(`${name}::added_via_api::true`, `${name}::eds_service_name::${name}`);
  for (const h of hosts) {
    const a = `${name}::${h.ip}:${h.port}`;
    for (const k of Object.keys(h.stats).sort()) out.push(`${a}::${k}::${h.stats[k]}`);
    out.push(
      `${a}::hostname::`,
      `${a}::health_flags::${h.ejected ? '/failed_outlier_check' : 'healthy'}`,
      `${a}::weight::1`,
      `${a}::region::${h.region}`,
      `${a}::zone::${h.zone}`,
      `${a}::sub_zone::`,
      `${a}::canary::false`,
      `${a}::priority::${h.priority}`,
      `${a}::success_rate::${outlier ? (h.ejected ? 41.5 : 99.7) : -1}`,
      `${a}::local_origin_success_rate::-1`,
    );
  }
  return out.join('\n') + '\n';
}

async function writeAll(file, parts) {
  const ws = createWriteStream(file);
  let bytes = 0;
  let buf = [];
  let len = 0;
  for (const p of parts) {
    buf.push(p);
    len += p.length;
    if (len > 1 << 20) {
      const s = buf.join('');
      bytes += Buffer.byteLength(s);
      if (!ws.write(s)) await once(ws, 'drain');
      buf = [];
      len = 0;
    }
  }
  const s = buf.join('');
  bytes += Buffer.byteLength(s);
  ws.end(s);
  await once(ws, 'finish');
  return bytes;
}

/** Write `clusters` × `hostsPerCluster` as JSON and as text. Returns the byte sizes. */
export async function writeDumps(jsonFile, textFile, {clusters, hostsPerCluster}) {
  const all = function* () {
    for (const s of SPECIAL) yield {name: s, hosts: [], outlier: false};
    for (let i = SPECIAL.length; i < clusters; i++) yield {name: dumpClusterName(i), hosts: hostsOf(i, hostsPerCluster), outlier: i % 3 !== 2};
  };
  const json = await writeAll(
    jsonFile,
    (function* () {
      yield '{\n "cluster_statuses": [\n';
      let first = true;
      for (const c of all()) {
        yield (first ? '' : ',\n') + jsonCluster(c.name, c.hosts, c.outlier);
        first = false;
      }
      yield '\n ]\n}\n';
    })(),
  );
  const text = await writeAll(
    textFile,
    (function* () {
      for (const c of all()) yield textCluster(c.name, c.hosts, c.outlier);
    })(),
  );
  return {json, text};
}
