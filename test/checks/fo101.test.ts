import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo101} from '../../src/checks/fo101-outlier-detection-missing.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

// ---- fixture builders (objects → YAML) ----
type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const R = 'topology.kubernetes.io/region';
const Z = 'topology.kubernetes.io/zone';
const node = (name: string, region: string, zone: string): O => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels: {[R]: region, [Z]: zone}}});
const namespace = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels, annotations}});
const service = (name: string, ns: string, opts: {ports?: O[]; labels?: O; annotations?: O; spec?: O} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: ns, labels: opts.labels ?? {}, annotations: opts.annotations ?? {}},
  spec: {selector: {app: name}, ports: opts.ports ?? [{port: 5000, name: 'http'}], ...(opts.spec ?? {})},
});
let ip = 0;
const pod = (name: string, ns: string, app: string, nodeName: string, labels: Record<string, string> = {}): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: ns, labels: {app, ...labels}},
  spec: {nodeName, containers: [{name: 'app'}, {name: 'istio-proxy'}]},
  status: {phase: 'Running', podIP: `10.0.0.${++ip}`},
});
const dr = (name: string, ns: string, host: string, spec: O = {}, apiVersion = 'networking.istio.io/v1', meta: O = {}): O => ({
  apiVersion,
  kind: 'DestinationRule',
  metadata: {name, namespace: ns, ...meta},
  spec: {host, ...spec},
});
const OD = {consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m'};
const FAILOVER = {localityLbSetting: {enabled: true, failover: [{from: 'us-east', to: 'us-west'}]}};
const twoZones = [node('n1', 'us-east', 'us-east-1a'), node('n2', 'us-east', 'us-east-1b')];
const oneZone = [node('n1', 'us-east', 'us-east-1a')];
/** helloworld in sample, one pod on each given node. */
const hello = (nodes: O[], svcOpts: Parameters<typeof service>[2] = {}): O[] => [
  namespace('sample', {'istio-injection': 'enabled'}),
  namespace('istio-system'),
  ...nodes,
  service('helloworld', 'sample', svcOpts),
  ...nodes.map((n, i) => pod(`helloworld-${i}`, 'sample', 'helloworld', (n.metadata as {name: string}).name)),
];
const FQDN = 'helloworld.sample.svc.cluster.local';
const meshCm = (mesh: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: stringify(mesh)}});

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
  severity?: string[];
  clientNamespaces?: string[];
}

const cases: Case[] = [
  {
    name: 'failover intent without outlierDetection → error on the DestinationRule',
    contexts: {c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}}))},
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
    severity: ['error'],
  },
  {
    name: 'done right: failover with outlierDetection',
    contexts: {c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER, outlierDetection: OD}}))},
    expect: [],
  },
  {
    name: 'v1beta1 DestinationRule is read the same way',
    contexts: {c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}}, 'networking.istio.io/v1beta1'))},
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'port-level trap: a portLevelSettings entry for the Service port drops the top-level outlierDetection',
    contexts: {
      c1: y(
        ...hello(twoZones),
        dr('helloworld', 'sample', FQDN, {
          trafficPolicy: {loadBalancer: FAILOVER, outlierDetection: OD, portLevelSettings: [{port: {number: 5000}, connectionPool: {tcp: {maxConnections: 10}}}]},
        }),
      ),
    },
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
    severity: ['error'],
  },
  {
    name: 'a portLevelSettings entry for a port the Service does not have changes nothing',
    contexts: {
      c1: y(
        ...hello(twoZones),
        dr('helloworld', 'sample', FQDN, {
          trafficPolicy: {loadBalancer: FAILOVER, outlierDetection: OD, portLevelSettings: [{port: {number: 9999}, connectionPool: {tcp: {maxConnections: 10}}}]},
        }),
      ),
    },
    expect: [],
  },
  {
    name: 'distribute works without outlierDetection',
    contexts: {
      c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: true, distribute: [{from: 'us-east/*', to: {'us-east/*': 100}}]}}}})),
    },
    expect: [],
  },
  {
    name: 'enabled: false turns locality load balancing off: nothing to miss',
    contexts: {c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: {localityLbSetting: {enabled: false}}}}))},
    expect: [],
  },
  {
    name: 'trafficDistribution forces failover without outlierDetection (no DR)',
    contexts: {c1: y(...hello(twoZones, {spec: {trafficDistribution: 'PreferClose'}}))},
    expect: [],
  },
  {
    name: 'traffic-distribution annotation on the Service, DR without localityLbSetting: forced, no finding',
    contexts: {
      c1: y(...hello(twoZones, {annotations: {'networking.istio.io/traffic-distribution': 'PreferClose'}}), dr('helloworld', 'sample', FQDN, {trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}})),
    },
    expect: [],
  },
  {
    name: 'trafficDistribution overridden by a DR localityLbSetting without outlierDetection → error',
    contexts: {c1: y(...hello(twoZones, {spec: {trafficDistribution: 'PreferClose'}}), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}}))},
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'no DR, no intent, endpoints in two zones → info on the Service',
    contexts: {c1: y(...hello(twoZones))},
    expect: ['FO101 Service sample/helloworld @c1'],
    severity: ['info'],
  },
  {
    name: 'no intent: the mesh\'s own services in the Istio namespace (istiod, gateways) spread over zones → nothing',
    contexts: {c1: y(namespace('istio-system'), ...twoZones, service('istiod', 'istio-system'), ...twoZones.map((n, i) => pod(`istiod-${i}`, 'istio-system', 'istiod', (n.metadata as {name: string}).name)))},
    expect: [],
  },
  {
    name: 'no DR, no intent, endpoints in one zone → nothing',
    contexts: {c1: y(...hello(oneZone))},
    expect: [],
  },
  {
    name: 'DR without localityLbSetting or outlierDetection, endpoints in two zones → info on the DR',
    contexts: {c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}}))},
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
    severity: ['info'],
  },
  {
    name: 'mesh failover intent and no DR, endpoints in two zones → error on the Service',
    contexts: {c1: y(...hello(twoZones), meshCm({localityLbSetting: {enabled: true, failover: [{from: 'us-east', to: 'us-west'}]}}))},
    expect: ['FO101 Service sample/helloworld @c1'],
    severity: ['error'],
  },
  {
    name: 'mesh disables locality load balancing: no info',
    contexts: {c1: y(...hello(twoZones), meshCm({localityLbSetting: {enabled: false}}))},
    expect: [],
  },
  {
    name: 'host `helloworld.sample` is not the Service FQDN: the rule does not apply (single zone → nothing)',
    contexts: {c1: y(...hello(oneZone), dr('helloworld', 'sample', 'helloworld.sample', {trafficPolicy: {loadBalancer: FAILOVER}}))},
    expect: [],
  },
  {
    name: 'short host `helloworld` resolves in the DR namespace → applies',
    contexts: {c1: y(...hello(oneZone), dr('helloworld', 'sample', 'helloworld', {trafficPolicy: {loadBalancer: FAILOVER}}))},
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'wildcard DR host applies',
    contexts: {c1: y(...hello(twoZones), dr('all-sample', 'sample', '*.sample.svc.cluster.local', {trafficPolicy: {loadBalancer: FAILOVER}}))},
    expect: ['FO101 DestinationRule sample/all-sample @c1'],
  },
  {
    name: 'DR in the root namespace applies',
    contexts: {c1: y(...hello(twoZones), dr('mesh-wide', 'istio-system', '*.local', {trafficPolicy: {loadBalancer: FAILOVER}}))},
    expect: ['FO101 DestinationRule istio-system/mesh-wide @c1'],
  },
  {
    name: 'a DR in the service namespace wins over the root namespace one',
    contexts: {
      c1: y(
        ...hello(twoZones),
        dr('mesh-wide', 'istio-system', '*.local', {trafficPolicy: {loadBalancer: FAILOVER}}),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER, outlierDetection: OD}}),
      ),
    },
    expect: [],
  },
  {
    name: 'subsets that set their own outlierDetection: the subset-less cluster is not flagged',
    contexts: {
      c1: y(
        ...hello(twoZones),
        dr('helloworld', 'sample', FQDN, {
          trafficPolicy: {loadBalancer: FAILOVER},
          subsets: [
            {name: 'v1', labels: {version: 'v1'}, trafficPolicy: {outlierDetection: OD}},
            {name: 'v2', labels: {version: 'v2'}, trafficPolicy: {outlierDetection: OD}},
          ],
        }),
      ),
    },
    expect: [],
  },
  {
    name: 'subsets inheriting a top-level policy without outlierDetection → error',
    contexts: {
      c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}, subsets: [{name: 'v1', labels: {version: 'v1'}}]})),
    },
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'subset OD survives a top-level port entry (Istio merges the subset over the port entry)',
    contexts: {
      c1: y(
        ...hello(twoZones),
        dr('helloworld', 'sample', FQDN, {
          trafficPolicy: {loadBalancer: FAILOVER, portLevelSettings: [{port: {number: 5000}, loadBalancer: FAILOVER}]},
          subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: {outlierDetection: OD}}],
        }),
      ),
    },
    expect: [],
  },
  {
    name: 'intent in subset v1 only: subset v2 (no intent, one zone) is not flagged',
    contexts: {
      c1: y(
        ...hello(oneZone),
        dr('helloworld', 'sample', FQDN, {
          trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}},
          subsets: [
            {name: 'v1', labels: {version: 'v1'}, trafficPolicy: {outlierDetection: OD, loadBalancer: FAILOVER}},
            {name: 'v2', labels: {version: 'v2'}},
          ],
        }),
      ),
    },
    expect: [],
  },
  {
    name: 'intent in the entry of another port only: port 5000 (no intent, one zone) is not flagged',
    contexts: {
      c1: y(
        ...hello(oneZone, {ports: [{port: 5000, name: 'http'}, {port: 9080, name: 'http-admin'}]}),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {portLevelSettings: [{port: {number: 9080}, outlierDetection: OD, loadBalancer: FAILOVER}]}}),
      ),
    },
    expect: [],
  },
  {
    name: 'intent at the top level, an entry for one port without outlierDetection → error (not info)',
    contexts: {
      c1: y(
        ...hello(oneZone),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER, outlierDetection: OD, portLevelSettings: [{port: {number: 5000}, connectionPool: {tcp: {maxConnections: 1}}}]}}),
      ),
    },
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
    severity: ['error'],
  },
  {
    name: 'ambient service without a waypoint: ztunnel ignores DRs (FO302 reports it)',
    contexts: {
      c1: y(
        namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
        ...twoZones,
        service('helloworld', 'sample'),
        pod('h1', 'sample', 'helloworld', 'n1'),
        pod('h2', 'sample', 'helloworld', 'n2'),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}}),
      ),
    },
    expect: [],
  },
  {
    name: 'ambient service bound to a waypoint → error',
    contexts: {
      c1: y(
        namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
        ...twoZones,
        service('helloworld', 'sample', {labels: {'istio.io/use-waypoint': 'waypoint'}}),
        pod('h1', 'sample', 'helloworld', 'n1'),
        pod('h2', 'sample', 'helloworld', 'n2'),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}}),
      ),
    },
    expect: ['FO101 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'a DR in a client namespace applies to the clients there',
    clientNamespaces: ['frontend'],
    contexts: {
      c1: y(
        ...hello(twoZones),
        namespace('frontend'),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER, outlierDetection: OD}}),
        dr('helloworld-from-frontend', 'frontend', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}}),
      ),
    },
    expect: ['FO101 DestinationRule frontend/helloworld-from-frontend @c1'],
  },
  {
    name: 'same-host rules merge: the older one without trafficPolicy takes the newer one\'s policy',
    contexts: {
      c1: y(
        ...hello(twoZones),
        dr('a-subsets', 'sample', FQDN, {subsets: [{name: 'v1', labels: {version: 'v1'}}]}, 'networking.istio.io/v1', {creationTimestamp: '2024-01-01T00:00:00Z'}),
        dr('b-policy', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER, outlierDetection: OD}}, 'networking.istio.io/v1', {creationTimestamp: '2024-02-01T00:00:00Z'}),
      ),
    },
    expect: [],
  },
  {
    name: 'ServiceEntry with endpoints in two regions and no DR → info on the ServiceEntry; headless Service ignored',
    contexts: {
      c1: y(
        namespace('default'),
        node('n1', 'us-east1', 'us-east1-b'),
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
        service('headless', 'default', {spec: {clusterIP: 'None'}}),
        pod('hl-1', 'default', 'headless', 'n1'),
      ),
    },
    expect: ['FO101 ServiceEntry default/external-svc-dns @c1'],
    severity: ['info'],
  },
  {
    name: 'seed 002: ServiceEntry + DR with outlierDetection only → nothing',
    contexts: {
      c1: y(
        namespace('default'),
        {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'ServiceEntry',
          metadata: {name: 'external-svc-dns', namespace: 'default'},
          spec: {
            hosts: ['mydb.com'],
            ports: [{number: 80, name: 'http', protocol: 'HTTP'}],
            resolution: 'DNS',
            endpoints: [
              {address: 'dynamodb.us-east-1.amazonaws.com', locality: 'us-east1'},
              {address: 'dynamodb.us-west-1.amazonaws.com', locality: 'us-west'},
            ],
          },
        },
        dr('mydynamodb', 'default', 'mydb.com', {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1, interval: '15s', baseEjectionTime: '1m'}}}, 'networking.istio.io/v1beta1'),
      ),
    },
    expect: [],
  },
];

describe('FO101 outlier-detection-missing', () => {
  for (const c of cases) {
    it(c.name, () => {
      const snap = snapshotFromYaml(c.contexts, c.clientNamespaces ? {clientNamespaces: c.clientNamespaces} : {});
      const findings = fo101.run(snap);
      expect(keysOf(findings)).toEqual([...c.expect].sort());
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
    });
  }

  it('port-level trap: the patch amends the matching portLevelSettings entry (whole array, merge patch)', () => {
    const snap = snapshotFromYaml({
      c1: y(
        ...hello(twoZones),
        dr('helloworld', 'sample', FQDN, {
          trafficPolicy: {
            loadBalancer: FAILOVER,
            outlierDetection: OD,
            portLevelSettings: [
              {port: {number: 5000}, connectionPool: {tcp: {maxConnections: 10}}},
              {port: {number: 9999}, connectionPool: {tcp: {maxConnections: 1}}},
            ],
          },
        }),
      ),
    });
    const [f] = fo101.run(snap);
    expect(f!.remediation!.patch).toEqual({
      type: 'merge',
      body: {
        spec: {
          trafficPolicy: {
            portLevelSettings: [
              {
                port: {number: 5000},
                connectionPool: {tcp: {maxConnections: 10}},
                outlierDetection: {consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100},
              },
              {port: {number: 9999}, connectionPool: {tcp: {maxConnections: 1}}},
            ],
          },
        },
      },
    });
    expect(f!.remediation!.commands[0]).toMatch(/^kubectl --context c1 -n sample patch destinationrule helloworld --type merge -p '/);
    expect(f!.message).toContain('portLevelSettings entry replaces the top-level policy');
    expect(f!.details).toMatchObject({hosts: [FQDN], intent: 'destination-rule'});
  });

  it('top-level gap: the patch adds trafficPolicy.outlierDetection only', () => {
    const snap = snapshotFromYaml({c1: y(...hello(twoZones), dr('helloworld', 'sample', FQDN, {trafficPolicy: {loadBalancer: FAILOVER}}))});
    const [f] = fo101.run(snap);
    expect(f!.remediation!.patch!.body).toEqual({
      spec: {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100}}},
    });
  });

  it('no DR: the remediation is a new DestinationRule (snippet + kubectl apply heredoc)', () => {
    const snap = snapshotFromYaml({c1: y(...hello(twoZones))});
    const [f] = fo101.run(snap);
    expect(f!.remediation!.snippet).toContain(`host: ${FQDN}`);
    expect(f!.remediation!.snippet).toContain('outlierDetection:');
    expect(f!.remediation!.commands[0]).toMatch(/^kubectl --context c1 apply -f - <<'EOF'\n/);
  });

  it('seed 000: ambient waypoint, failoverPriority cluster + outlierDetection → no FO101', () => {
    const ctx = (name: string): string =>
      y(
        namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
        node(`${name}-n1`, 'r1', 'z1'),
        service('helloworld', 'sample', {labels: {'istio.io/use-waypoint': 'waypoint', 'istio.io/global': 'true'}}),
        pod(`helloworld-${name}`, 'sample', 'helloworld', `${name}-n1`),
        dr('helloworld', 'sample', FQDN, {
          trafficPolicy: {
            outlierDetection: {consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m'},
            loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failoverPriority: ['topology.istio.io/cluster']}},
          },
        }),
      );
    expect(fo101.run(snapshotFromYaml({cluster1: ctx('cluster1'), cluster2: ctx('cluster2')}))).toEqual([]);
  });
});
