import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo102} from '../../src/checks/fo102-max-ejection-blocks-failover.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

// ---- fixture builders (objects → YAML) ----
type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const node = (name: string, region: string, zone: string, subzone?: string, beta = false): O => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    labels: beta
      ? {'failure-domain.beta.kubernetes.io/region': region, 'failure-domain.beta.kubernetes.io/zone': zone}
      : {'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': zone, ...(subzone ? {'topology.istio.io/subzone': subzone} : {})},
  },
});
const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const service = (name: string, ns: string, opts: {labels?: O; spec?: O; port?: number} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: ns, labels: opts.labels ?? {}},
  spec: {selector: {app: name}, ports: [{port: opts.port ?? 5000, name: 'http'}], ...(opts.spec ?? {})},
});
let ip = 0;
const pod = (name: string, ns: string, app: string, nodeName: string, opts: {labels?: Record<string, string>; sidecar?: boolean} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: ns, labels: {app, ...(opts.labels ?? {})}},
  spec: {nodeName, containers: [{name: 'app'}, ...(opts.sidecar === false ? [] : [{name: 'istio-proxy'}])]},
  status: {phase: 'Running', podIP: `10.1.0.${++ip}`},
});
const dr = (name: string, ns: string, host: string, spec: O = {}, apiVersion = 'networking.istio.io/v1'): O => ({
  apiVersion,
  kind: 'DestinationRule',
  metadata: {name, namespace: ns},
  spec: {host, ...spec},
});
const istiod = (tag: string): O => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'istiod', namespace: 'istio-system'},
  spec: {template: {spec: {containers: [{name: 'discovery', image: `docker.io/istio/pilot:${tag}`}]}}},
});
const FQDN = 'helloworld.sample.svc.cluster.local';
const OD = {consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m'};
const ZONES_A_B = [node('na', 'us-east', 'us-east-1a'), node('nb', 'us-east', 'us-east-1b')];

/** Seed 000: ambient multicluster, a waypoint per cluster, failoverPriority [cluster], one helloworld pod per cluster. */
function seed000(cluster: string, network: string | undefined, od: O): string {
  return y(
    namespace('istio-system', network ? {'topology.istio.io/network': network} : {}),
    namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
    node(`${cluster}-node`, 'us-central1', 'us-central1-a'),
    service('helloworld', 'sample', {labels: {'istio.io/use-waypoint': 'waypoint', 'istio.io/global': 'true'}}),
    pod(`helloworld-v1-${cluster}`, 'sample', 'helloworld', `${cluster}-node`, {sidecar: false}),
    pod(`curl-${cluster}`, 'sample', 'curl', `${cluster}-node`, {sidecar: false}),
    {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: {name: 'waypoint', namespace: 'sample', labels: {'istio.io/waypoint-for': 'service'}}, spec: {gatewayClassName: 'istio-waypoint'}},
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: 'waypoint', namespace: 'sample', labels: {'istio.io/global': 'true', 'gateway.networking.k8s.io/gateway-name': 'waypoint'}},
      spec: {selector: {'gateway.networking.k8s.io/gateway-name': 'waypoint'}, ports: [{port: 15008, name: 'mesh'}]},
    },
    pod(`waypoint-${cluster}`, 'sample', 'waypoint', `${cluster}-node`, {labels: {'gateway.networking.k8s.io/gateway-name': 'waypoint'}}),
    ...(network
      ? [{
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {name: 'istio-eastwestgateway', namespace: 'istio-system', labels: {'topology.istio.io/network': network}},
          spec: {type: 'LoadBalancer', selector: {istio: 'eastwestgateway'}, ports: [{port: 15443, name: 'tls'}]},
          status: {loadBalancer: {ingress: [{ip: network === 'network1' ? '34.1.1.1' : '34.2.2.2'}]}},
        }]
      : []),
    dr('helloworld', 'sample', FQDN, {
      trafficPolicy: {
        outlierDetection: od,
        loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failoverPriority: ['topology.istio.io/cluster']}},
      },
    }),
  );
}

/** Seed 002: the DynamoDB ServiceEntry (DNS, two regions) with a DestinationRule that only sets outlierDetection. */
function seed002(extraOd: O = {}): string {
  return y(
    namespace('default'),
    node('gke-1', 'us-east1', 'us-east1-b', undefined, true),
    pod('sleep-1', 'default', 'sleep', 'gke-1'),
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'ServiceEntry',
      metadata: {name: 'external-svc-dns', namespace: 'default'},
      spec: {
        hosts: ['mydb.com'],
        location: 'MESH_EXTERNAL',
        ports: [{number: 80, name: 'http', protocol: 'HTTP'}],
        resolution: 'DNS',
        endpoints: [
          {address: 'dynamodb.us-east-1.amazonaws.com', locality: 'us-east1', ports: {http: 80}},
          {address: 'dynamodb.us-west-1.amazonaws.com', locality: 'us-west', ports: {http: 80}},
        ],
      },
    },
    dr('mydynamodb', 'default', 'mydb.com', {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1, interval: '15s', baseEjectionTime: '1m', ...extraOd}}}, 'networking.istio.io/v1beta1'),
  );
}

/** Seed 004: one cluster, region cn-north-4, zone cn-north-4b, subzones beijing/tianjin/shenyang, sleep in tianjin. */
function seed004(od: O = {consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m'}): string {
  const subzones = ['beijing', 'tianjin', 'shenyang'];
  return y(
    namespace('sample', {'istio-injection': 'enabled'}),
    ...subzones.map((s) => node(`node-${s}`, 'cn-north-4', 'cn-north-4b', s)),
    service('helloworld', 'sample', {labels: {app: 'helloworld', service: 'helloworld'}}),
    ...subzones.map((s) => pod(`helloworld-${s}`, 'sample', 'helloworld', `node-${s}`, {labels: {version: s}})),
    service('sleep', 'sample', {port: 80}),
    pod('sleep-1', 'sample', 'sleep', 'node-tianjin'),
    dr('helloworld', 'sample', FQDN, {
      trafficPolicy: {
        connectionPool: {http: {maxRequestsPerConnection: 1}},
        loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: [{from: 'cn-north-4', to: 'cn-south-1'}]}},
        outlierDetection: od,
      },
    }),
  );
}

/** helloworld with `a` pods in us-east-1a and `b` in us-east-1b, a sleep client in 1a. */
function zonal(a: number, b: number, drSpec: O, extra: O[] = []): string {
  return y(
    namespace('sample', {'istio-injection': 'enabled'}),
    ...ZONES_A_B,
    service('helloworld', 'sample'),
    ...Array.from({length: a}, (_, i) => pod(`hw-a-${i}`, 'sample', 'helloworld', 'na')),
    ...Array.from({length: b}, (_, i) => pod(`hw-b-${i}`, 'sample', 'helloworld', 'nb')),
    pod('sleep-1', 'sample', 'sleep', 'na'),
    dr('helloworld', 'sample', FQDN, drSpec),
    ...extra,
  );
}

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
  severity?: string[];
}

const cases: Case[] = [
  {
    name: 'seed 000 as written: N=2 hosts seen by each waypoint, k=1, floor(10·2/100)=0 < 1 → error in both clusters',
    contexts: {cluster1: seed000('cluster1', undefined, OD), cluster2: seed000('cluster2', undefined, OD)},
    expect: ['FO102 DestinationRule sample/helloworld @cluster1', 'FO102 DestinationRule sample/helloworld @cluster2'],
    severity: ['error', 'error'],
  },
  {
    name: 'seed 000 multi-network (remote cluster behind its east-west gateway, one host) → still fires',
    contexts: {cluster1: seed000('cluster1', 'network1', OD), cluster2: seed000('cluster2', 'network2', OD)},
    expect: ['FO102 DestinationRule sample/helloworld @cluster1', 'FO102 DestinationRule sample/helloworld @cluster2'],
  },
  {
    name: 'seed 000 with maxEjectionPercent: 100 → clean',
    contexts: {cluster1: seed000('cluster1', undefined, {...OD, maxEjectionPercent: 100}), cluster2: seed000('cluster2', undefined, {...OD, maxEjectionPercent: 100})},
    expect: [],
  },
  {
    name: 'seed 002 as written: two DNS endpoints, client in us-east1 → error',
    contexts: {c1: seed002()},
    expect: ['FO102 DestinationRule default/mydynamodb @c1'],
    severity: ['error'],
  },
  {
    name: 'seed 002 with maxEjectionPercent: 50 (1 of 2 ejectable) → clean',
    contexts: {c1: seed002({maxEjectionPercent: 50})},
    expect: [],
  },
  {
    name: 'seed 004: 3 hosts, 1 per subzone, default 10% → error',
    contexts: {c1: seed004()},
    expect: ['FO102 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'default 10% is enough when k=1 of N=10 (floor(10·10/100)=1)',
    contexts: {c1: zonal(1, 9, {trafficPolicy: {outlierDetection: OD}})},
    expect: [],
  },
  {
    name: 'k=2 of N=10 with the default 10% → error',
    contexts: {c1: zonal(2, 8, {trafficPolicy: {outlierDetection: OD}})},
    expect: ['FO102 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'no outlierDetection: failover not applied, nothing to eject (FO101\'s business)',
    contexts: {c1: zonal(1, 1, {trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true}}}})},
    expect: [],
  },
  {
    name: 'outlierDetection that ejects nothing (FO104\'s business)',
    contexts: {c1: zonal(1, 1, {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}})},
    expect: [],
  },
  {
    name: 'locality LB disabled: no priorities',
    contexts: {c1: zonal(1, 1, {trafficPolicy: {outlierDetection: OD, loadBalancer: {localityLbSetting: {enabled: false}}}})},
    expect: [],
  },
  {
    name: 'distribute: no priorities, no failover',
    contexts: {c1: zonal(1, 1, {trafficPolicy: {outlierDetection: OD, loadBalancer: {localityLbSetting: {distribute: [{from: 'us-east/*', to: {'us-east/*': 100}}]}}}})},
    expect: [],
  },
  {
    name: 'all endpoints in the client\'s zone: no lower tier to fail over to',
    contexts: {c1: zonal(2, 0, {trafficPolicy: {outlierDetection: OD}})},
    expect: [],
  },
  {
    name: 'Istio 1.19 (legacy rule: the first ejection is always allowed): k=1 of 2 → clean',
    contexts: {c1: zonal(1, 1, {trafficPolicy: {outlierDetection: OD}}, [namespace('istio-system'), istiod('1.19.3')])},
    expect: [],
  },
  {
    name: 'Istio 1.19, k=2 of 3: even the legacy rule ejects only 1 → warning',
    contexts: {c1: zonal(2, 1, {trafficPolicy: {outlierDetection: OD}}, [namespace('istio-system'), istiod('1.19.3')])},
    expect: ['FO102 DestinationRule sample/helloworld @c1'],
    severity: ['warning'],
  },
  {
    name: 'Istio 1.22: strict → error',
    contexts: {c1: zonal(1, 1, {trafficPolicy: {outlierDetection: OD}}, [namespace('istio-system'), istiod('1.22.1')])},
    expect: ['FO102 DestinationRule sample/helloworld @c1'],
    severity: ['error'],
  },
  {
    name: 'port-level entry with its own outlierDetection and no maxEjectionPercent → error even though the top level has 100',
    contexts: {
      c1: zonal(1, 1, {trafficPolicy: {outlierDetection: {...OD, maxEjectionPercent: 100}, portLevelSettings: [{port: {number: 5000}, outlierDetection: OD}]}}),
    },
    expect: ['FO102 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'ambient service without a waypoint: the DR is not applied',
    contexts: {
      c1: y(
        namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
        ...ZONES_A_B,
        service('helloworld', 'sample'),
        pod('hw-a', 'sample', 'helloworld', 'na', {sidecar: false}),
        pod('hw-b', 'sample', 'helloworld', 'nb', {sidecar: false}),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: OD}}),
      ),
    },
    expect: [],
  },
  {
    name: 'trafficDistribution without a DR: forced failover but no outlier detection, nothing ejected by Envoy',
    contexts: {
      c1: y(
        namespace('sample'),
        ...ZONES_A_B,
        service('helloworld', 'sample', {spec: {trafficDistribution: 'PreferClose'}}),
        pod('hw-a', 'sample', 'helloworld', 'na'),
        pod('hw-b', 'sample', 'helloworld', 'nb'),
      ),
    },
    expect: [],
  },
];

describe('FO102 max-ejection-blocks-failover', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo102.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual([...c.expect].sort());
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
    });
  }

  it('seed 000: reports k, N, M, the 100% that stays, readiness failover, the assumed version, and patches maxEjectionPercent', () => {
    const [f] = fo102.run(snapshotFromYaml({cluster1: seed000('cluster1', undefined, OD), cluster2: seed000('cluster2', undefined, OD)}));
    expect(f!.details).toMatchObject({
      clusters: [{host: FQDN, port: 5000, k: 1, n: 2, maxEjectable: 0, maxEjectionPercent: 10, stayPercent: 100, neededMaxEjectionPercent: 50}],
      istioVersion: null,
      strictMaxEjection: true,
    });
    expect(f!.message).toContain('waypoint sample/waypoint-cluster1');
    expect(f!.message).toContain('100% of requests keep going to them');
    expect(f!.message).toContain('readiness');
    expect(f!.message).toContain('Istio version unknown');
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {outlierDetection: {maxEjectionPercent: 100}}}});
    expect(f!.remediation!.commands[0]).toBe(
      `kubectl --context cluster1 -n sample patch destinationrule helloworld --type merge -p '{"spec":{"trafficPolicy":{"outlierDetection":{"maxEjectionPercent":100}}}}'`,
    );
  });

  it('port-level outlierDetection: the patch sets maxEjectionPercent in the portLevelSettings entry (whole array)', () => {
    const [f] = fo102.run(
      snapshotFromYaml({
        c1: zonal(1, 1, {trafficPolicy: {outlierDetection: {...OD, maxEjectionPercent: 100}, portLevelSettings: [{port: {number: 5000}, outlierDetection: OD}]}}),
      }),
    );
    expect(f!.remediation!.patch!.body).toEqual({
      spec: {trafficPolicy: {portLevelSettings: [{port: {number: 5000}, outlierDetection: {...OD, maxEjectionPercent: 100}}]}},
    });
  });

  it('k=2 of N=10: 1 ejectable, 70% stays on the failing zone', () => {
    const [f] = fo102.run(snapshotFromYaml({c1: zonal(2, 8, {trafficPolicy: {outlierDetection: OD}})}));
    expect(f!.details).toMatchObject({clusters: [{k: 2, n: 10, maxEjectable: 1, stayPercent: 70, neededMaxEjectionPercent: 20}]});
  });

  it('subsets: N counts only the subset\'s hosts', () => {
    // default cluster: client zone a has 1 of 10 → 1 ejectable, fine; subset v1: 1 of 2 → nothing ejectable.
    const yaml = y(
      namespace('sample', {'istio-injection': 'enabled'}),
      ...ZONES_A_B,
      service('helloworld', 'sample'),
      pod('v1-a', 'sample', 'helloworld', 'na', {labels: {version: 'v1'}}),
      pod('v1-b', 'sample', 'helloworld', 'nb', {labels: {version: 'v1'}}),
      ...Array.from({length: 8}, (_, i) => pod(`v2-b-${i}`, 'sample', 'helloworld', 'nb', {labels: {version: 'v2'}})),
      pod('sleep-1', 'sample', 'sleep', 'na'),
      dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: OD}, subsets: [{name: 'v1', labels: {version: 'v1'}}, {name: 'v2', labels: {version: 'v2'}}]}),
    );
    const findings = fo102.run(snapshotFromYaml({c1: yaml}));
    expect(keysOf(findings)).toEqual(['FO102 DestinationRule sample/helloworld @c1']);
    expect((findings[0]!.details as {clusters: O[]}).clusters).toEqual([expect.objectContaining({subset: 'v1', k: 1, n: 2, maxEjectable: 0})]);
  });

  it('seed 002 without client pods: each endpoint locality stands for a plausible client', () => {
    const yaml = seed002().split('---\n').filter((d) => !d.includes('sleep-1')).join('---\n');
    const [f] = fo102.run(snapshotFromYaml({c1: yaml}));
    expect(f!.message).toContain('no client pod found');
    expect(f!.message).toContain('DNS endpoints are counted as one host each');
  });
});
