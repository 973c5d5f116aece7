import {describe, expect, it} from 'vitest';
import {DumpError, parseClustersJson, parseClustersText} from '../../src/envoy/index.js';
import {fixture, renderClustersText} from './generate.js';

const HW = 'outbound|5000||helloworld.sample.svc.cluster.local';

function error(fn: () => unknown): DumpError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DumpError);
    return e as DumpError;
  }
  throw new Error('expected a DumpError');
}

describe('parseClustersJson', () => {
  it('reads snake_case and camelCase dumps of the same state into the same model', () => {
    const snake = parseClustersJson(fixture('snake.json'));
    const camel = parseClustersJson(fixture('camel.json'));
    expect(camel).toEqual(snake);
    const c = snake.clusters[0]!;
    expect(c).toMatchObject({name: HW, observabilityName: HW, edsServiceName: HW, addedViaApi: true, outlierDetectionConfigured: true, outlierDetectionKnown: true});
    const [local, remote] = c.hosts as [typeof c.hosts[0], typeof c.hosts[0]];
    expect(local).toEqual({
      address: '10.0.1.5:5000',
      ip: '10.0.1.5',
      port: 5000,
      hostname: 'hw-1',
      locality: {region: 'cn-north-4', zone: 'cn-north-4b', subZone: 'tianjin'},
      priority: 0,
      weight: 2,
      health: {
        edsHealthStatus: 'HEALTHY',
        failedOutlierCheck: true,
        failedActiveHealthCheck: true,
        failedActiveDegradedCheck: false,
        pendingDynamicRemoval: false,
        pendingActiveHc: true,
        excludedViaImmediateHcFail: false,
        activeHcTimeout: true,
        failedDegradedOutlierDetection: false,
      },
      flags: ['failed_active_hc', 'failed_outlier_check', 'pending_active_hc', 'active_hc_timeout'],
      stats: {rq_error: 12, rq_success: 3, rq_total: 15, cx_active: 1},
      successRate: 20,
      localOriginSuccessRate: 55.5,
    });
    expect(remote.priority).toBe(3);
    expect(remote.health.edsHealthStatus).toBe('DEGRADED');
    expect(remote.flags).toEqual(['degraded_active_hc', 'degraded_eds_health', 'pending_dynamic_removal', 'excluded_via_immediate_hc_fail']);
    expect(remote.stats).toEqual({rq_success: 40, rq_total: 40}); // numbers or strings
    expect(remote.locality.subZone).toBe('');
    expect(remote.successRate).toBeUndefined();
  });

  it('fills omitted defaults: priority 0, weight 1, HEALTHY, no flags, stats 0, empty locality', () => {
    const d = parseClustersJson(fixture('defaults.json'));
    const [h1, h2, h3, h4, h5] = d.clusters[0]!.hosts as [any, any, any, any, any];
    for (const h of [h1, h2]) {
      expect(h.priority).toBe(0);
      expect(h.weight).toBe(1);
      expect(h.health.edsHealthStatus).toBe('HEALTHY');
      expect(h.health.failedOutlierCheck).toBe(false);
      expect(h.flags).toEqual([]);
      expect(h.locality).toEqual({region: '', zone: '', subZone: ''});
      expect(h.hostname).toBeUndefined();
    }
    expect(h1.stats).toEqual({});
    expect(h2.stats).toEqual({rq_total: 0, cx_active: 0});
    // port_value omitted is port 0; TIMEOUT is shown as Envoy's failed_eds_health; weight 0 is clamped to 1.
    expect(h3).toMatchObject({address: '10.2.0.3:0', port: 0, weight: 1, flags: ['failed_eds_health']});
    expect(h3.health.edsHealthStatus).toBe('TIMEOUT');
    // No known address kind; an unknown status name.
    expect(h4.address).toBe('unknown');
    expect(h4.health.edsHealthStatus).toBe('UNKNOWN');
    expect(h4.flags).toEqual([]);
    // Enum numbers: 2 is UNHEALTHY.
    expect(h5.health.edsHealthStatus).toBe('UNHEALTHY');
    expect(d.clusters[0]!.addedViaApi).toBe(false);
    expect(d.clusters[0]!.outlierDetectionConfigured).toBe(false);
    expect(d.clusters[0]!.outlierDetectionKnown).toBe(false); // JSON cannot prove absence
    expect(d.warnings).toEqual([
      "clusters JSON: 1 hosts have no socket, pipe or internal address (shown as 'unknown')",
      'clusters JSON: unknown eds_health_status "SOMETHING_NEW" read as UNKNOWN',
    ]);
  });

  it('reads IPv6, unix pipes (path and abstract) and envoy:// internal addresses', () => {
    const d = parseClustersJson(fixture('odd-addresses.json'));
    const hosts = d.clusters.flatMap((c) => c.hosts.map((h) => [h.address, h.ip, h.port]));
    expect(hosts).toEqual([
      ['[fd00:10:244::7]:8080', 'fd00:10:244::7', 8080],
      ['10.1.2.3:8080', '10.1.2.3', 8080],
      ['envoy://connect_originate/10.1.2.3:8080', '10.1.2.3', 8080],
      ['envoy://connect_originate/[fd00:10:244::9]:8080', 'fd00:10:244::9', 8080],
      ['unix:///var/run/secrets/workload-spiffe-uds/socket', undefined, undefined],
      ['unix://@envoy-admin', undefined, undefined],
    ]);
    const vip = d.clusters[1]!.hosts;
    expect(vip[0]!.flags).toEqual(['failed_eds_health']);
    expect(vip[1]!.flags).toEqual(['eds_status_draining']);
    expect(vip[1]!.priority).toBe(2);
  });

  it('keeps only the wanted clusters but lists every name', () => {
    const all = parseClustersJson(fixture('odd-addresses.json'));
    const one = parseClustersJson(fixture('odd-addresses.json'), {cluster: 'sds-grpc'});
    expect(one.clusters.map((c) => c.name)).toEqual(['sds-grpc']);
    expect(one.allClusterNames).toEqual(all.allClusterNames);
    expect(one.allClusterNames).toHaveLength(4);
    const pred = parseClustersJson(fixture('odd-addresses.json'), {cluster: (n) => n.includes('web.shop')});
    expect(pred.clusters.map((c) => c.name)).toEqual(['outbound|8080||web.shop.svc.cluster.local', 'inbound-vip|8080|http|web.shop.svc.cluster.local']);
    expect(parseClustersJson(fixture('odd-addresses.json'), {cluster: 'nope'}).clusters).toEqual([]);
  });

  it('round-trips through the text format: JSON → model → Envoy text → the same hosts', () => {
    for (const f of ['snake.json', 'odd-addresses.json']) {
      const json = parseClustersJson(fixture(f));
      const text = parseClustersText(renderClustersText(json.clusters));
      expect(text.warnings).toEqual([]);
      expect(text.clusters.map((c) => c.hosts)).toEqual(json.clusters.map((c) => c.hosts));
    }
  });

  it('truncated JSON gives a one-line DumpError at the end of the input', () => {
    const full = fixture('snake.json');
    const cut = full.slice(0, 700);
    const e = error(() => parseClustersJson(cut));
    expect(e.message).toBe(`clusters JSON: unexpected end of input at byte ${Buffer.byteLength(cut)}`);
    expect(e.message).not.toContain('\n');
    expect(e.exitCode).toBe(2);
    expect(error(() => parseClustersJson(full.slice(0, 1))).message).toBe('clusters JSON: unexpected end of input at byte 1');
  });

  it('malformed JSON names the byte, line and column', () => {
    const e = error(() => parseClustersJson('{"cluster_statuses": [\n  {"name": "a",, }\n]}'));
    // The second comma: 23 bytes of line 1 (with its newline) + 15 of line 2.
    expect(e.message).toBe('clusters JSON: expected double-quoted property name at byte 38 (line 2, column 16)');
    // Offsets are bytes: a multi-byte character before the error moves it.
    const e2 = error(() => parseClustersJson('{"cluster_statuses": [{"name": "é",, }]}'));
    expect(e2.message).toMatch(/at byte 36 \(line 1, column 36\)$/); // character 35, byte 36
  });

  it('rejects JSON that is not a /clusters dump, with the reason', () => {
    expect(error(() => parseClustersJson('')).message).toBe('clusters JSON: empty input');
    expect(error(() => parseClustersJson('{"foo": 1}')).message).toBe('not an Envoy /clusters dump: no cluster_statuses');
    expect(error(() => parseClustersJson('{"configs": []}')).message).toMatch(/this is a \/config_dump/);
    expect(error(() => parseClustersJson('"text"')).message).toMatch(/the JSON is string, not an object/);
    expect(error(() => parseClustersJson('{"cluster_statuses": {}}')).message).toMatch(/cluster_statuses is not a list/);
  });

  it('an Envoy with no clusters ({}) is an empty dump with a warning, not an error', () => {
    const d = parseClustersJson('{}');
    expect(d.clusters).toEqual([]);
    expect(d.warnings).toEqual(['the dump holds no clusters']);
  });

  it('skips entries that are not objects and says so', () => {
    const d = parseClustersJson('{"cluster_statuses": [1, {"name": "x", "host_statuses": [null, {"address": {"pipe": {"path": "/s"}}}]}]}');
    expect(d.clusters[0]!.hosts.map((h) => h.address)).toEqual(['unix:///s']);
    expect(d.warnings).toEqual(['clusters JSON: 1 cluster_statuses entries are not objects (skipped)', 'clusters JSON: 1 host_statuses entries are not objects (skipped)']);
  });

  it('parses a large dump quickly and builds no hosts for unwanted clusters', () => {
    const clusters = [];
    for (let i = 0; i < 2000; i++) {
      const hosts = [];
      for (let h = 0; h < 20; h++) {
        hosts.push({address: {socket_address: {address: `10.${i >> 8}.${i & 255}.${h}`, port_value: 80}}, stats: [{name: 'rq_total', value: String(h)}], health_status: {eds_health_status: 'HEALTHY'}, weight: 1, locality: {region: 'r', zone: `z${h % 3}`}});
      }
      clusters.push({name: `outbound|80||s${i}.ns.svc.cluster.local`, host_statuses: hosts});
    }
    const text = JSON.stringify({cluster_statuses: clusters});
    const t0 = performance.now();
    const d = parseClustersJson(text, {cluster: 'outbound|80||s1234.ns.svc.cluster.local'});
    const ms = performance.now() - t0;
    expect(d.clusters).toHaveLength(1);
    expect(d.clusters[0]!.hosts).toHaveLength(20);
    expect(d.allClusterNames).toHaveLength(2000);
    expect(ms).toBeLessThan(2000);
  });
});
