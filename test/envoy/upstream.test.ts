/**
 * The parsers against real upstream output (istio/istio and envoyproxy/envoy test data), read in
 * place from ../shared/reference/upstream; skipped where that directory is absent.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {
  clustersFromConfigDump,
  findCluster,
  loadClustersDump,
  parseClustersJson,
  parseClustersText,
  parseConfigDump,
  parseIstioClusterName,
  type ClustersDump,
  type EnvoyHost,
} from '../../src/envoy/index.js';
import {hasUpstream, upstream, upstreamDir} from './generate.js';

const ISTIOCTL_CLUSTERS = 'istio/istio/istioctl/pkg/writer/envoy/clusters/testdata';
const ENVOY_HANDLER = 'envoyproxy/envoy/test/server/admin/clusters_handler_test.cc.extracted';
const read = (rel: string): string => readFileSync(upstream(rel), 'utf8');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Go text/tabwriter with minwidth 0, padding 5, padchar ' ', no flags (istioctl's table writer). */
function tabwriter(rows: string[][], padding = 5): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => {
    if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  });
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]! + padding) : cell)).join('')).join('\n') + '\n';
}

const normalise = (s: string): string[] => s.trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' '));

/** istioctl proxy-config endpoints (clusters.go PrintEndpointsSummary), rebuilt from our host model. */
function istioctlEndpointsTable(dump: ClustersDump): string {
  const rows: {addr: string; port: number; endpoint: string; status: string; outlier: string; cluster: string}[] = [];
  for (const c of dump.clusters) {
    for (const h of c.hosts) {
      // istioctl prints socket addresses as address:port (no IPv6 brackets), pipes as unix://path.
      const socket = h.ip !== undefined && h.port !== undefined && !h.address.startsWith('envoy://');
      rows.push({
        addr: socket ? h.ip! : h.address,
        port: socket ? h.port! : 0,
        endpoint: socket ? `${h.ip}:${h.port}` : h.address,
        status: h.health.edsHealthStatus,
        outlier: h.health.failedOutlierCheck ? 'FAILED' : 'OK',
        cluster: c.name,
      });
    }
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => cmp(a.addr, b.addr) || a.port - b.port || cmp(a.cluster, b.cluster));
  return tabwriter([['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], ...rows.map((r) => [r.endpoint, r.status, r.outlier, r.cluster])]);
}

/** The parts of a host both formats carry (stats and success rates are mocked differently in Envoy's test). */
function comparable(h: EnvoyHost): unknown {
  return {address: h.address, ip: h.ip, port: h.port, hostname: h.hostname, locality: h.locality, priority: h.priority, weight: h.weight, health: h.health};
}

describe.skipIf(!hasUpstream)('upstream /clusters dumps', () => {
  it('parses every upstream /clusters file, JSON and text, without error', async () => {
    // Every /clusters output upstream: istioctl's input and its -o json goldens (the clustersummary*
    // tables are not dumps), Envoy's handler/request expectations, and the docs excerpt.
    const DUMP_NAMES = new Set(['clusters.json', 'clustersnofiltered.txt', 'clusterfiltered.txt', 'clustermultihostsfiltered.txt', 'clusters_health_flags_excerpt.txt']);
    const clusterDumps = walk(upstreamDir).filter(
      (f) => DUMP_NAMES.has(path.basename(f)) || /\.extracted\/(ClustersJsonAndText|VerifyTextOutput)\..*\.expected\.(json|txt)$/.test(f),
    );
    expect(clusterDumps.length).toBe(10);
    for (const f of clusterDumps) {
      const dump = await loadClustersDump(f);
      expect(dump.clusters.length, f).toBeGreaterThan(0);
      expect(dump.warnings, f).toEqual([]);
      for (const c of dump.clusters) for (const h of c.hosts) expect(h.address, f).not.toBe('unknown');
    }
  });

  it("rebuilds istioctl's endpoint table from clusters.json byte for byte (clustersummary.txt)", () => {
    const dump = parseClustersJson(read(`${ISTIOCTL_CLUSTERS}/clusters.json`));
    const golden = read(`${ISTIOCTL_CLUSTERS}/clustersummary.txt`);
    const table = istioctlEndpointsTable(dump);
    expect(normalise(table)).toEqual(normalise(golden));
    expect(table).toBe(golden);
  });

  it("matches istioctl's filtered table (clustersummaryfiltered.txt) for each of its four filters", () => {
    const golden = read(`${ISTIOCTL_CLUSTERS}/clustersummaryfiltered.txt`);
    const text = read(`${ISTIOCTL_CLUSTERS}/clusters.json`);
    // --cluster: the parser's own filter
    const byCluster = parseClustersJson(text, {cluster: 'outbound|15014||istio-policy.istio-system.svc.cluster.local'});
    expect(istioctlEndpointsTable(byCluster)).toBe(golden);
    const all = parseClustersJson(text);
    const keep = (pred: (h: EnvoyHost) => boolean): ClustersDump => ({
      ...all,
      clusters: all.clusters.map((c) => ({...c, hosts: c.hosts.filter(pred)})).filter((c) => c.hosts.length > 0),
    });
    expect(istioctlEndpointsTable(keep((h) => h.ip === '172.17.0.14'))).toBe(golden); // --address
    expect(istioctlEndpointsTable(keep((h) => h.port === 15014))).toBe(golden); // --port
    expect(istioctlEndpointsTable(keep((h) => h.health.edsHealthStatus === 'UNHEALTHY'))).toBe(golden); // --status unhealthy
  });

  it('reads the mixed snake/camel clusters.json: omitted stats are 0, the pipe is unix://, the ejected host is HEALTHY+failed_outlier_check', () => {
    const dump = parseClustersJson(read(`${ISTIOCTL_CLUSTERS}/clusters.json`));
    expect(dump.clusters).toHaveLength(7);
    expect(dump.clusters.reduce((n, c) => n + c.hosts.length, 0)).toBe(9);
    const pipe = dump.clusters.find((c) => c.name === 'inbound_9092')!.hosts[0]!;
    expect(pipe.address).toBe('unix:///sock/mixer.socket');
    expect(pipe.ip).toBeUndefined();
    expect(pipe.stats).toEqual({cx_connect_fail: 64, cx_total: 72, rq_error: 78, rq_success: 300076, rq_timeout: 0, rq_total: 300076, cx_active: 8, rq_active: 0});
    const reviews = findCluster(dump, {service: 'reviews.default.svc.cluster.local', port: 9080})!;
    const ejected = reviews.hosts.find((h) => h.address === '172.17.0.27:9080')!;
    expect(ejected.health.edsHealthStatus).toBe('HEALTHY');
    expect(ejected.health.failedOutlierCheck).toBe(true);
    expect(ejected.flags).toEqual(['failed_outlier_check']);
    expect(reviews.outlierDetectionConfigured).toBe(true); // an ejection proves a detector
    expect(reviews.hosts.filter((h) => h.flags.length === 0)).toHaveLength(2);
    const policy = dump.clusters.find((c) => c.name.includes('istio-policy'))!.hosts[0]!;
    expect(policy.flags).toEqual(['failed_eds_health']);
    expect(policy.priority).toBe(0);
    expect(policy.weight).toBe(1);
  });

  it("istioctl's -o json outputs (bare ClusterStatus arrays, camelCase) give the same model as its input", () => {
    const input = parseClustersJson(read(`${ISTIOCTL_CLUSTERS}/clusters.json`));
    const all = parseClustersJson(read(`${ISTIOCTL_CLUSTERS}/clustersnofiltered.txt`));
    expect(all.clusters).toEqual(input.clusters);
    const one = parseClustersJson(read(`${ISTIOCTL_CLUSTERS}/clusterfiltered.txt`));
    expect(one.clusters).toEqual(input.clusters.filter((c) => c.name.includes('istio-policy')));
    const multi = parseClustersJson(read(`${ISTIOCTL_CLUSTERS}/clustermultihostsfiltered.txt`));
    expect(multi.clusters).toEqual(input.clusters.filter((c) => c.name === 'outbound|9080||reviews.default.svc.cluster.local'));
  });

  for (const rev of ['0745d27a', 'ab02e201']) {
    it(`Envoy ClustersJsonAndText ${rev}: expected.json and expected.txt give the same host`, () => {
      const json = parseClustersJson(read(`${ENVOY_HANDLER}/ClustersJsonAndText.${rev}.expected.json`));
      const text = parseClustersText(read(`${ENVOY_HANDLER}/ClustersJsonAndText.${rev}.expected.txt`));
      for (const d of [json, text]) {
        expect(d.warnings).toEqual([]);
        expect(d.clusters).toHaveLength(1);
        const c = d.clusters[0]!;
        expect(c).toMatchObject({name: 'fake_cluster', observabilityName: 'observability_name', edsServiceName: 'potato_launcher', addedViaApi: true, outlierDetectionConfigured: true});
        const h = c.hosts[0]!;
        expect(h).toMatchObject({address: '1.2.3.4:80', ip: '1.2.3.4', port: 80, hostname: 'foo.com', priority: 6, weight: 5, successRate: 43.2, localOriginSuccessRate: 93.2});
        expect(h.locality).toEqual({region: 'test_region', zone: 'test_zone', subZone: 'test_sub_zone'});
        expect(h.stats).toEqual({arest_counter: 5, rest_counter: 10, test_counter: 10, atest_gauge: 10, test_gauge: 11});
        expect(h.health).toMatchObject({failedActiveHealthCheck: true, failedOutlierCheck: true, failedActiveDegradedCheck: true, pendingDynamicRemoval: true, pendingActiveHc: false});
      }
      expect(comparable(json.clusters[0]!.hosts[0]!)).toEqual(comparable(text.clusters[0]!.hosts[0]!));
      const textFlags = text.clusters[0]!.hosts[0]!.flags;
      const jsonFlags = json.clusters[0]!.hosts[0]!.flags;
      if (rev === '0745d27a') {
        expect(json.clusters[0]!.hosts[0]!.health.edsHealthStatus).toBe('DEGRADED');
        expect(jsonFlags).toEqual(textFlags);
        expect(textFlags).toEqual(['failed_active_hc', 'failed_outlier_check', 'degraded_active_hc', 'degraded_eds_health', 'pending_dynamic_removal']);
      } else {
        // The mock sets DEGRADED_EDS_HEALTH and EDS_STATUS_DRAINING together, which no real EDS
        // update does; JSON has room for one EDS status (DRAINING wins), so degraded_eds_health
        // exists only in the text.
        expect(json.clusters[0]!.hosts[0]!.health.edsHealthStatus).toBe('DRAINING');
        expect(textFlags).toEqual(['failed_active_hc', 'failed_outlier_check', 'degraded_active_hc', 'degraded_eds_health', 'pending_dynamic_removal', 'eds_status_draining']);
        expect(jsonFlags).toEqual(textFlags.filter((f) => f !== 'degraded_eds_health'));
      }
    });
  }

  it('Envoy VerifyTextOutput: the same cluster name twice merges into one cluster with one host', () => {
    const d = parseClustersText(read('envoyproxy/envoy/test/server/admin/clusters_request_test.cc.extracted/VerifyTextOutput.15c1dd32.expected.txt'));
    expect(d.clusters.map((c) => c.name)).toEqual(['test_cluster']);
    const h = d.clusters[0]!.hosts[0]!;
    expect(d.clusters[0]!.hosts).toHaveLength(1);
    expect(h).toMatchObject({hostname: 'test_hostname', priority: 1, weight: 1, successRate: 1, localOriginSuccessRate: 1, stats: {test_counter: 10, test_gauge: 11}});
    expect(h.health).toEqual({
      edsHealthStatus: 'DRAINING',
      failedOutlierCheck: true,
      failedActiveHealthCheck: true,
      failedActiveDegradedCheck: true,
      pendingDynamicRemoval: true,
      pendingActiveHc: true,
      excludedViaImmediateHcFail: true,
      activeHcTimeout: true,
      failedDegradedOutlierDetection: false,
    });
  });

  it("Envoy's HostUtility flag strings parse to the flags they name, in order", () => {
    const tsv = read('envoyproxy/envoy/test/common/upstream/host_utility_test.cc.extracted/HostUtilityTest_All.51483e6a.expected.tsv');
    const rows = tsv.trim().split('\n').slice(1).map((l) => l.split('\t') as [string, string]);
    expect(rows.length).toBe(7);
    for (const [set, str] of rows) {
      const d = parseClustersText(`c::1.1.1.1:1::health_flags::${str}\n`);
      const flags = d.clusters[0]!.hosts[0]!.flags;
      const expected = set === '(none)' ? [] : set.startsWith('ALL') ? str.slice(1).split('/') : set.split(',').map((s) => s.toLowerCase());
      expect(flags).toEqual(expected);
      // And back: the model renders to Envoy's string.
      expect(flags.length ? `/${flags.join('/')}` : 'healthy').toBe(str);
    }
  });

  it('the docs health_flags excerpt (a grep, no cluster header) gives 7 hosts, 4 failing active HC, OD not knowable', () => {
    const d = parseClustersText(read('envoyproxy/envoy/docs/root/start/sandboxes/locality_load_balancing.rst.extracted/clusters_health_flags_excerpt.txt'));
    const hosts = d.clusters[0]!.hosts;
    expect(hosts).toHaveLength(7);
    expect(hosts.filter((h) => h.health.failedActiveHealthCheck)).toHaveLength(4);
    expect(hosts.filter((h) => h.flags.length === 0)).toHaveLength(3);
    expect(d.clusters[0]!.outlierDetectionKnown).toBe(false);
  });
});

describe.skipIf(!hasUpstream)('upstream config dumps', () => {
  const CONFIGS = [
    'istio/istio/istioctl/pkg/proxyconfig/testdata/config_dump.json',
    'istio/istio/istioctl/pkg/writer/envoy/configdump/testdata/endpoint/configdump.json',
    'istio/istio/istioctl/pkg/writer/compare/testdata/configdump.json',
    'istio/istio/istioctl/pkg/describe/testdata/describe/http_config.json',
    'istio/istio/istioctl/pkg/describe/testdata/describe/tls_config.json',
    'istio/istio/pkg/test/framework/components/echo/common/testdata/config_dump.json',
    'istio/istio/istioctl/cmd/testdata/authz/productpage_config_dump.json',
  ];

  it('parses every upstream config dump without error', () => {
    for (const f of CONFIGS) {
      const d = parseConfigDump(read(f));
      expect(d.apiVersion, f).toBe('v3');
      expect(d.warnings, f).toEqual([]);
    }
  });

  it('reads the bootstrap node of a real sidecar dump (locality, version, id parts)', () => {
    const d = parseConfigDump(read('istio/istio/pkg/test/framework/components/echo/common/testdata/config_dump.json'));
    expect(d.node).toMatchObject({
      proxyType: 'sidecar',
      ip: '10.40.3.59',
      podName: 'a-6bb6dbdcc5-z58cx',
      podNamespace: 'apps-1-99281',
      namespace: 'apps-1-99281',
      cluster: 'a.apps-1-99281',
      istioVersion: '1.0-dev',
      locality: {region: 'us-central1', zone: 'us-central1-a', subZone: ''},
      labels: {},
    });
    expect(d.clusters).toHaveLength(87);
    expect(d.clusters.filter((c) => c.source === 'dynamic_active')).toHaveLength(84);
    expect(d.clusters.filter((c) => c.type === 'EDS')).toHaveLength(68);
    expect(d.clusters.find((c) => c.name === 'BlackHoleCluster')).toMatchObject({type: 'STATIC', lbPolicy: 'ROUND_ROBIN', source: 'dynamic_active'});
  });

  it('links a subset cluster to its DestinationRule through Istio filter metadata (describe/http_config.json)', () => {
    const d = parseConfigDump(read('istio/istio/istioctl/pkg/describe/testdata/describe/http_config.json'));
    const c = d.clusters.find((x) => x.name === 'outbound|9080|v1|productpage.default.svc.cluster.local')!;
    expect(c).toMatchObject({type: 'EDS', lbPolicy: 'LEAST_REQUEST', edsServiceName: c.name});
    expect(c.istio).toEqual({
      config: '/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/productpage',
      destinationRule: {apiVersion: 'networking.istio.io/v1alpha3', namespace: 'default', name: 'productpage'},
      subset: 'v1',
      defaultOriginalPort: 9080,
      services: [{host: 'productpage.default.svc.cluster.local', namespace: 'default', name: 'productpage'}],
    });
    expect(c.outlierDetection).toBeUndefined();
    expect(c.commonLbConfig).toBeUndefined();
  });

  it("matches istioctl's cluster and endpoint summary of the waypoint dump (config_dump_summary.txt)", () => {
    const d = parseConfigDump(read('istio/istio/istioctl/pkg/proxyconfig/testdata/config_dump.json'));
    const golden = read('istio/istio/istioctl/pkg/proxyconfig/testdata/config_dump_summary.txt');
    expect(d.node).toMatchObject({proxyType: 'waypoint', istioVersion: '1.21.0-1226', podName: 'httpbin-istio-waypoint-58f646c5ff-dbfkz', namespace: 'default'});
    // Cluster table: SERVICE FQDN, PORT, SUBSET, DIRECTION, TYPE.
    const clusterRows = d.clusters
      .map((c) => {
        const p = parseIstioClusterName(c.name);
        return p ? `cluster/${c.name} ${p.host} ${p.port} ${p.protocol ?? p.subset} ${p.direction} ${c.type}` : `cluster/${c.name} cluster/${c.name} - - - ${c.type}`;
      })
      .sort();
    const goldenClusters = normalise(golden).filter((l) => l.startsWith('cluster/')).sort();
    expect(clusterRows).toEqual(goldenClusters);
    const vip = d.clusters.find((c) => c.name.startsWith('inbound-vip|8000'))!;
    expect(vip.commonLbConfig).toEqual({localityWeightedLb: false, zoneAwareLb: false, raw: {}});
    expect(vip.commonLbConfig!.healthyPanicThreshold).toBeUndefined();
    // Endpoint table: NAME STATUS LOCALITY CLUSTER (the internal address keeps istioctl's envoy:// form).
    const epRows = d.endpoints.flatMap((e) => e.endpoints.map((x) => `endpoint/${x.address} ${x.healthStatus} ${e.clusterName}`)).sort();
    expect(epRows).toEqual(normalise(golden).filter((l) => l.startsWith('endpoint/')).sort());
    const internal = d.endpoints.find((e) => e.clusterName.startsWith('inbound-vip|8100'))!.endpoints[0]!;
    expect(internal).toMatchObject({ip: '192.168.195.248', port: 800, weight: 1, priority: 0, localityWeight: 1});
  });

  it("matches istioctl's EDS table (proxy-config eds) for every endpoint of configdump.json", () => {
    const d = parseConfigDump(read('istio/istio/istioctl/pkg/writer/envoy/configdump/testdata/endpoint/configdump.json'));
    const golden = read('istio/istio/istioctl/pkg/writer/envoy/configdump/testdata/endpoint/emptyfilter_output.txt');
    expect(d.endpoints).toHaveLength(37);
    const loc = (l: {region: string; zone: string; subZone: string}): string => [l.region, l.zone, l.subZone].filter(Boolean).join('/');
    const rows = d.endpoints.flatMap((e) =>
      e.endpoints.map((x) => [x.address.startsWith('unix://') ? x.address.slice('unix://'.length) : x.address, x.healthStatus, loc(x.locality), e.clusterName].join(' ').replace(/\s+/g, ' ')),
    );
    const goldenRows = normalise(golden).slice(1);
    expect([...rows].sort()).toEqual([...goldenRows].sort());
    expect(normalise(golden)[0]).toBe('NAME STATUS LOCALITY CLUSTER');
  });

  it('turns the EDS of a config dump into the /clusters host model', () => {
    const d = parseConfigDump(read('istio/istio/istioctl/pkg/writer/envoy/configdump/testdata/endpoint/configdump.json'));
    const dump = clustersFromConfigDump(d);
    expect(dump.format).toBe('config_dump');
    const reviews = findCluster(dump, {service: 'reviews.default.svc.cluster.local', port: 9080})!;
    expect(reviews.hosts.map((h) => h.address)).toEqual(['10.244.0.192:9080', '10.244.0.193:9080', '10.244.0.195:9080']);
    expect(reviews.outlierDetectionKnown).toBe(false); // EDS only: the cluster's settings are not in this dump
    expect(reviews.hosts.every((h) => h.health.edsHealthStatus === 'HEALTHY' && h.flags.length === 0 && h.priority === 0)).toBe(true);
  });
});
