import {describe, expect, it} from 'vitest';
import {parseClustersJson} from '../../src/envoy/clusters-json.js';
import {explain} from '../../src/explain/model.js';
import {diffExplanations} from '../../src/explain/watch.js';
import {snapshotFromYaml} from '../support/snapshot.js';

// Seed 004: one region cn-north-4, zone cn-north-4b, subzones beijing/tianjin/shenyang; sleep in tianjin.
function node(name: string, subzone: string): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: {topology.kubernetes.io/region: cn-north-4, topology.kubernetes.io/zone: cn-north-4b, topology.istio.io/subzone: ${subzone}}
---
`;
}
function pod(name: string, nodeName: string, ip: string, app: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: sample, labels: {app: ${app}}}
spec: {nodeName: ${nodeName}, containers: [{name: app}, {name: istio-proxy}]}
status: {phase: Running, podIP: ${ip}}
---
`;
}
const objects = (mep?: number): string =>
  node('n-bj', 'beijing') +
  node('n-tj', 'tianjin') +
  node('n-sy', 'shenyang') +
  pod('helloworld-beijing-1', 'n-bj', '172.16.0.10', 'helloworld') +
  pod('helloworld-tianjin-1', 'n-tj', '172.16.0.136', 'helloworld') +
  pod('helloworld-shenyang-1', 'n-sy', '172.16.0.20', 'helloworld') +
  pod('sleep-1', 'n-tj', '172.16.0.50', 'sleep') +
  `apiVersion: v1
kind: Service
metadata: {name: helloworld, namespace: sample}
spec: {selector: {app: helloworld}, ports: [{name: http, port: 5000}]}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: helloworld, namespace: sample}
spec:
  host: helloworld.sample.svc.cluster.local
  trafficPolicy:
    connectionPool: {http: {maxRequestsPerConnection: 1}}
    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting:
        enabled: true
        failover: [{from: cn-north-4, to: cn-south-1}]
    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 1m${mep !== undefined ? `, maxEjectionPercent: ${mep}` : ''}}
`;

function host(ip: string, subzone: string, priority: number, extra = ''): string {
  return `{"address":{"socket_address":{"address":"${ip}","port_value":5000}},"stats":[{"name":"rq_success","value":"12"},{"name":"rq_error","value":"0"}],"health_status":{"eds_health_status":"HEALTHY"${extra}},"weight":1,"locality":{"region":"cn-north-4","zone":"cn-north-4b","sub_zone":"${subzone}"}${priority ? `,"priority":${priority}` : ''}}`;
}
const dump = (tianjinEjected: boolean): string =>
  `{"cluster_statuses":[{"name":"outbound|5000||helloworld.sample.svc.cluster.local","host_statuses":[${host('172.16.0.136', 'tianjin', 0, tianjinEjected ? ',"failed_outlier_check":true' : '')},${host('172.16.0.10', 'beijing', 1)},${host('172.16.0.20', 'shenyang', 1)}]}]}`;

function run(opts: {ejected: boolean; mep?: number; fail?: string[]}) {
  const snapshot = snapshotFromYaml({cce: objects(opts.mep)});
  const cluster = parseClustersJson(dump(opts.ejected)).clusters[0]!;
  return explain({service: 'helloworld.sample.svc.cluster.local', port: 5000, proxy: {context: 'cce', namespace: 'sample', pod: 'sleep-1', kind: 'sidecar'}, cluster, snapshot, fail: opts.fail ?? []});
}

describe('explain (seed 004, sleep in tianjin)', () => {
  it('before the failure: tianjin is priority 0 and takes 100%', () => {
    const e = run({ejected: false});
    expect(e.proxy.locality).toEqual({region: 'cn-north-4', zone: 'cn-north-4b', subZone: 'tianjin'});
    expect(e.proxy.localitySource).toBe('node');
    expect(e.endpoints.map((x) => [x.address, x.priority, x.expectedPriority, x.pod])).toEqual([
      ['172.16.0.136:5000', 0, 0, 'sample/helloworld-tianjin-1'],
      ['172.16.0.10:5000', 1, 1, 'sample/helloworld-beijing-1'],
      ['172.16.0.20:5000', 1, 1, 'sample/helloworld-shenyang-1'],
    ]);
    expect(e.priorities.map((p) => [p.priority, p.hosts, p.healthy, p.loadPercent])).toEqual([
      [0, 1, 1, 100],
      [1, 2, 2, 0],
    ]);
    expect(e.policy.maxEjectionPercent).toEqual({value: 10, source: 'envoy-default'});
    expect(e.policy.failoverApplied.value).toBe(true);
    // What if tianjin fails: removed → all to P1; erroring only → max ejection 10% of 3 hosts = 0 ejected.
    const w = e.whatIf.find((x) => x.scenario.includes('tianjin'))!;
    expect(w.priorities).toEqual([
      {priority: 0, loadPercent: 0},
      {priority: 1, loadPercent: 100},
    ]);
    expect(w.toFailingPercent).toBe(100);
    expect(e.notes.join(' ')).not.toMatch(/differs|different priority/);
  });

  it('with maxEjectionPercent 100 the erroring case fails over too', () => {
    const e = run({ejected: false, mep: 100});
    const w = e.whatIf.find((x) => x.scenario.includes('tianjin'))!;
    expect(w.toFailingPercent).toBeUndefined();
    expect(e.policy.maxEjectionPercent.value).toBe(100);
  });

  it('after the tianjin instance is ejected: 0% / 100%, and --watch reports the ejection and the split', () => {
    const before = run({ejected: false, mep: 100});
    const after = run({ejected: true, mep: 100});
    expect(after.endpoints[0]!.outlier).toBe('ejected');
    expect(after.priorities.map((p) => p.loadPercent)).toEqual([0, 100]);
    expect(after.verdict).toMatch(/100% to priority 1/);
    const diff = diffExplanations(before, after);
    expect(diff).toContain('✗ endpoint 172.16.0.136:5000 EJECTED by outlier detection');
    expect(diff.some((l) => l.includes('P0 100%, P1 0%') && l.includes('P0 0%, P1 100%'))).toBe(true);
  });

  it('--fail by address and by context', () => {
    const e = run({ejected: false, fail: ['172.16.0.10', 'nowhere']});
    expect(e.whatIf.find((x) => x.scenario === '--fail 172.16.0.10')!.failed).toEqual(['172.16.0.10:5000']);
    expect(e.whatIf.find((x) => x.scenario === '--fail nowhere')!.summary).toBe('matches no endpoint');
  });

  it('flags Envoy priorities that disagree with the configuration', () => {
    const snapshot = snapshotFromYaml({cce: objects()});
    const flat = dump(false).replace(/,"priority":1/g, '');
    const cluster = parseClustersJson(flat).clusters[0]!;
    const e = explain({service: 'helloworld.sample.svc.cluster.local', port: 5000, proxy: {context: 'cce', namespace: 'sample', pod: 'sleep-1', kind: 'sidecar'}, cluster, snapshot});
    expect(e.notes.some((n) => /every host at priority 0/.test(n))).toBe(true);
  });
});
