import {describe, expect, it} from 'vitest';
import {
  clustersFromConfigDump,
  DumpError,
  durationMs,
  findCluster,
  findClusterConfig,
  findEndpoints,
  outlierDetectionView,
  parseConfigDump,
} from '../../src/envoy/index.js';
import {camelize, fixture} from './generate.js';

const HW = 'outbound|5000||helloworld.sample.svc.cluster.local';
const HW_V2 = 'outbound|5000|v2|helloworld.sample.svc.cluster.local';

function error(fn: () => unknown): DumpError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DumpError);
    return e as DumpError;
  }
  throw new Error('expected a DumpError');
}

describe('parseConfigDump', () => {
  it('reads the bootstrap node: id parts, locality, Istio metadata and pod labels', () => {
    const d = parseConfigDump(fixture('config-dump.json'));
    expect(d.apiVersion).toBe('v3');
    expect(d.node).toMatchObject({
      id: 'sidecar~10.0.1.9~sleep-7d9c8b6f5-abcde.sample~sample.svc.cluster.local',
      cluster: 'sleep.sample',
      proxyType: 'sidecar',
      ip: '10.0.1.9',
      podName: 'sleep-7d9c8b6f5-abcde',
      podNamespace: 'sample',
      namespace: 'sample',
      istioVersion: '1.30.1',
      clusterId: 'cluster1',
      locality: {region: 'cn-north-4', zone: 'cn-north-4b', subZone: 'tianjin'},
      labels: {app: 'sleep', 'security.istio.io/tlsMode': 'istio', 'topology.istio.io/locality': 'cn-north-4.cn-north-4b.tianjin'},
    });
    expect(d.node!.metadata.NETWORK).toBe('network1');
    expect(d.warnings).toEqual(['config_dump JSON: 1 configs entries of unknown @type skipped']);
  });

  it('reads the failover settings of a cluster: outlier detection, panic threshold, locality-weighted LB, DR link', () => {
    const d = parseConfigDump(fixture('config-dump.json'));
    const c = findClusterConfig(d, HW)!;
    expect(c).toMatchObject({source: 'dynamic_active', type: 'EDS', lbPolicy: 'LEAST_REQUEST', edsServiceName: HW, lastUpdated: '2026-01-02T03:04:06.000Z'});
    expect(c.outlierDetection).toEqual({
      consecutive_5xx: 1,
      interval: '1s',
      base_ejection_time: '60s',
      max_ejection_percent: 100,
      enforcing_consecutive_5xx: 100,
      enforcing_success_rate: 0,
      consecutive_gateway_failure: 0,
      enforcing_consecutive_gateway_failure: 0,
    });
    expect(outlierDetectionView(c.outlierDetection!)).toEqual({
      consecutive5xx: 1,
      consecutiveGatewayFailure: 0,
      enforcingConsecutive5xx: 100,
      enforcingConsecutiveGatewayFailure: 0,
      interval: '1s',
      baseEjectionTime: '60s',
      maxEjectionPercent: 100,
    });
    // healthy_panic_threshold {} is an explicit 0: panic mode off.
    expect(c.commonLbConfig).toMatchObject({healthyPanicThreshold: 0, localityWeightedLb: true, zoneAwareLb: false});
    expect(c.istio).toEqual({
      config: '/apis/networking.istio.io/v1/namespaces/sample/destination-rule/helloworld',
      destinationRule: {apiVersion: 'networking.istio.io/v1', namespace: 'sample', name: 'helloworld'},
      defaultOriginalPort: 5000,
      services: [{host: 'helloworld.sample.svc.cluster.local', name: 'helloworld', namespace: 'sample'}],
    });
    const v2 = findClusterConfig(d, HW_V2)!;
    expect(v2.lbPolicy).toBe('ROUND_ROBIN'); // omitted enum zero
    expect(v2.outlierDetection).toBeUndefined();
    expect(v2.commonLbConfig).toBeUndefined();
    expect(v2.istio).toMatchObject({subset: 'v2', destinationRule: {apiVersion: 'networking.istio.io/v1alpha3', namespace: 'sample', name: 'helloworld'}});
    const agent = findClusterConfig(d, 'agent')!;
    expect(agent).toMatchObject({source: 'static', type: 'STATIC'});
    expect(agent.loadAssignment!.endpoints).toEqual([{address: '127.0.0.1:15020', ip: '127.0.0.1', port: 15020, locality: {region: '', zone: '', subZone: ''}, priority: 0, weight: 1, healthStatus: 'UNKNOWN'}]);
  });

  it('reads EDS endpoints with locality, priority, weights and health (omitted: priority 0, weight 1, UNKNOWN)', () => {
    const d = parseConfigDump(fixture('config-dump.json'));
    const eds = findEndpoints(d, HW)!;
    expect(eds.overprovisioningFactor).toBe(140);
    expect(eds.endpoints.map((e) => [e.address, e.priority, e.weight, e.localityWeight, e.healthStatus, e.locality.zone, e.hostname])).toEqual([
      ['10.0.1.5:5000', 0, 1, 2, 'HEALTHY', 'cn-north-4b', undefined],
      ['10.0.1.6:5000', 0, 1, 2, 'UNHEALTHY', 'cn-north-4b', undefined],
      ['10.9.7.2:5000', 2, 3, 1, 'DRAINING', 'cn-south-1a', 'hw-remote'],
      ['10.9.7.3:5000', 2, 1, 1, 'UNKNOWN', 'cn-south-1a', undefined],
    ]);
    expect(findEndpoints(d, HW_V2)).toBeUndefined(); // no EDS pushed for it
    expect(findEndpoints(d, 'agent')!.source).toBe('inline');
  });

  it('camelCase (protojson) dumps read the same', () => {
    const snake = parseConfigDump(fixture('config-dump.json'));
    const camel = parseConfigDump(JSON.stringify(camelize(JSON.parse(fixture('config-dump.json')))));
    // outlierDetection and commonLbConfig.raw are returned as given, so only their spelling differs.
    const strip = (d: typeof snake): unknown => ({...d, clusters: d.clusters.map((c) => ({...c, outlierDetection: c.outlierDetection && outlierDetectionView(c.outlierDetection), commonLbConfig: c.commonLbConfig && {...c.commonLbConfig, raw: undefined}}))});
    expect(strip(camel)).toEqual(strip(snake));
    expect(findClusterConfig(camel, HW)!.outlierDetection).toHaveProperty('consecutive5xx', 1);
  });

  it('tolerates v2 (envoy.admin.v2alpha) dumps', () => {
    const d = parseConfigDump(fixture('config-dump-v2.json'));
    expect(d.apiVersion).toBe('v2');
    expect(d.node).toMatchObject({proxyType: 'router', podName: 'istio-ingressgateway-5d8f7', namespace: 'istio-system', istioVersion: '1.4.3', labels: {}, locality: {region: 'us-central1', zone: 'us-central1-b', subZone: ''}});
    const c = d.clusters[0]!;
    expect(c.commonLbConfig!.healthyPanicThreshold).toBe(25);
    expect(outlierDetectionView(c.outlierDetection!)).toEqual({interval: '10s'}); // consecutive_errors is v2-only
    expect(c.outlierDetection).toHaveProperty('consecutive_errors', 3);
  });

  it('with a cluster filter builds only that cluster and its endpoints', () => {
    const d = parseConfigDump(fixture('config-dump.json'), {cluster: HW});
    expect(d.clusters.map((c) => c.name)).toEqual([HW]);
    expect(d.endpoints.map((e) => e.clusterName)).toEqual([HW]);
    expect(d.node).toBeDefined();
  });

  it('gives clear errors for input that is not a config dump', () => {
    expect(error(() => parseConfigDump('')).message).toBe('config_dump JSON: empty input');
    expect(error(() => parseConfigDump('{"configs": [')).message).toMatch(/^config_dump JSON: unexpected end of input at byte 13$/);
    expect(error(() => parseConfigDump('{"cluster_statuses": []}')).message).toMatch(/this is a \/clusters dump/);
    expect(error(() => parseConfigDump('{"foo": 1}')).message).toBe('not an Envoy /config_dump: no "configs" list');
    expect(error(() => parseConfigDump('[]')).message).toMatch(/the JSON is a list/);
  });
});

describe('clustersFromConfigDump', () => {
  it('builds the /clusters host model from EDS, as /clusters would show it', () => {
    const d = clustersFromConfigDump(parseConfigDump(fixture('config-dump.json')));
    expect(d.format).toBe('config_dump');
    expect(d.allClusterNames).toEqual(['agent', HW, HW_V2]);
    const hw = findCluster(d, {service: 'helloworld.sample.svc.cluster.local', port: 5000})!;
    expect(hw).toMatchObject({outlierDetectionConfigured: true, outlierDetectionKnown: true, addedViaApi: true, edsServiceName: HW});
    expect(hw.hosts.map((h) => [h.address, h.priority, h.weight, h.health.edsHealthStatus, h.flags])).toEqual([
      ['10.0.1.5:5000', 0, 1, 'HEALTHY', []],
      ['10.0.1.6:5000', 0, 1, 'UNHEALTHY', ['failed_eds_health']],
      ['10.9.7.2:5000', 2, 3, 'DRAINING', ['eds_status_draining']],
      ['10.9.7.3:5000', 2, 1, 'HEALTHY', []], // EDS UNKNOWN is routed to as healthy
    ]);
    const v2 = findCluster(d, {service: 'helloworld.sample.svc.cluster.local', port: 5000, subset: 'v2'})!;
    expect(v2).toMatchObject({outlierDetectionConfigured: false, outlierDetectionKnown: true, hosts: []});
    expect(d.clusters.find((c) => c.name === 'agent')).toMatchObject({addedViaApi: false, hosts: [{address: '127.0.0.1:15020'}]});
    expect(d.warnings).toEqual(['config_dump JSON: 1 configs entries of unknown @type skipped']);
  });

  it('says when the dump has no EDS section', () => {
    const d = clustersFromConfigDump(parseConfigDump(fixture('config-dump-v2.json')));
    expect(d.clusters[0]!.hosts).toEqual([]);
    expect(d.warnings).toEqual(['the config dump has no EDS section (capture /config_dump?include_eds): EDS clusters show no hosts']);
  });

  it('durationMs reads protobuf durations', () => {
    expect(durationMs('1s')).toBe(1000);
    expect(durationMs('0.250s')).toBe(250);
    expect(durationMs('900s')).toBe(900_000);
    expect(durationMs('5m')).toBeUndefined();
    expect(durationMs(undefined)).toBeUndefined();
  });
});
