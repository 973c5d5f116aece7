import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo103} from '../../src/checks/fo103-port-level-policy-drops-failover.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const service = (name: string, ns: string, labels: O = {}, ports: O[] = [{port: 5000, name: 'http'}]): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: ns, labels},
  spec: {selector: {app: name}, ports},
});
const dr = (spec: O, apiVersion = 'networking.istio.io/v1', ns = 'sample', name = 'helloworld'): O => ({apiVersion, kind: 'DestinationRule', metadata: {name, namespace: ns}, spec});
const meshCm = (mesh: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: stringify(mesh)}});
const FQDN = 'helloworld.sample.svc.cluster.local';
const OD = {consecutive5xxErrors: 5, interval: '10s'};
const LB = {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: [{from: 'us-east', to: 'us-west'}]}};
const CP = {http: {maxRequestsPerConnection: 1}};
const base = [namespace('sample', {'istio-injection': 'enabled'}), namespace('istio-system'), service('helloworld', 'sample')];

interface Case {
  name: string;
  yaml: string;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'entry for the Service port with only connectionPool drops outlierDetection and loadBalancer',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: OD, loadBalancer: LB, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}})),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'v1beta1 rule, same trap',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: OD, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}}, 'networking.istio.io/v1beta1')),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'entry for a port the Service does not have: nothing replaced',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: OD, loadBalancer: LB, portLevelSettings: [{port: {number: 9080}, connectionPool: CP}]}})),
    expect: [],
  },
  {
    name: 'done right: the entry repeats outlierDetection and loadBalancer',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: OD, loadBalancer: LB, portLevelSettings: [{port: {number: 5000}, connectionPool: CP, outlierDetection: OD, loadBalancer: LB}]}})),
    expect: [],
  },
  {
    name: 'nothing at the top level to drop',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {connectionPool: CP, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}})),
    expect: [],
  },
  {
    name: 'entry has a loadBalancer without the localityLbSetting of the top level',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: OD, loadBalancer: LB, portLevelSettings: [{port: {number: 5000}, outlierDetection: OD, loadBalancer: {simple: 'LEAST_REQUEST'}}]}})),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'TLS origination (SIMPLE) dropped by the entry',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {tls: {mode: 'SIMPLE'}, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}})),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'ISTIO_MUTUAL dropped: auto mTLS puts it back',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {tls: {mode: 'ISTIO_MUTUAL'}, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}})),
    expect: [],
  },
  {
    name: 'ISTIO_MUTUAL dropped with enableAutoMtls: false → fires',
    yaml: y(...base, meshCm({enableAutoMtls: false}), dr({host: FQDN, trafficPolicy: {tls: {mode: 'ISTIO_MUTUAL'}, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}})),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'subset entry drops the subset\'s outlierDetection',
    yaml: y(...base, dr({host: FQDN, subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: {outlierDetection: OD, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}}]})),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'subset entry drops the top-level outlierDetection the subset would inherit',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: OD}, subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: {portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}}]})),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'ambient service without waypoint: DR ignored, no finding',
    yaml: y(
      namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
      service('helloworld', 'sample'),
      dr({host: FQDN, trafficPolicy: {outlierDetection: OD, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}}),
    ),
    expect: [],
  },
  {
    name: 'ambient service with waypoint: fires',
    yaml: y(
      namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
      service('helloworld', 'sample', {'istio.io/use-waypoint': 'waypoint'}),
      dr({host: FQDN, trafficPolicy: {outlierDetection: OD, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}}),
    ),
    expect: ['FO103 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'wildcard rule in the root namespace with the trap',
    yaml: y(...base, dr({host: '*.svc.cluster.local', trafficPolicy: {outlierDetection: OD, portLevelSettings: [{port: {number: 5000}, connectionPool: CP}]}}, 'networking.istio.io/v1', 'istio-system', 'defaults')),
    expect: ['FO103 DestinationRule istio-system/defaults @c1'],
  },
  {
    name: 'ServiceEntry port (seed 002 HTTPS: HTTP port 80, targetPort 443, tls SIMPLE) dropped by an entry',
    yaml: y(
      namespace('default'),
      {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'ServiceEntry',
        metadata: {name: 'external-svc-dns', namespace: 'default'},
        spec: {hosts: ['mydb.com'], ports: [{number: 80, name: 'http-port', protocol: 'HTTP', targetPort: 443}], resolution: 'DNS', endpoints: [{address: 'dynamodb.us-east-1.amazonaws.com', locality: 'us-east1'}]},
      },
      dr({host: 'mydb.com', trafficPolicy: {tls: {mode: 'SIMPLE'}, outlierDetection: OD, portLevelSettings: [{port: {number: 80}, connectionPool: CP}]}}, 'networking.istio.io/v1beta1', 'default', 'mydynamodb'),
    ),
    expect: ['FO103 DestinationRule default/mydynamodb @c1'],
  },
];

describe('FO103 port-level-policy-drops-failover', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo103.run(snapshotFromYaml({c1: c.yaml})))).toEqual([...c.expect].sort());
    });
  }

  it('names what is dropped and patches the whole portLevelSettings array with the entry completed', () => {
    const [f] = fo103.run(
      snapshotFromYaml({
        c1: y(
          ...base,
          dr({
            host: FQDN,
            trafficPolicy: {
              outlierDetection: OD,
              loadBalancer: LB,
              portLevelSettings: [
                {port: {number: 9080}, connectionPool: CP},
                {port: {number: 5000}, connectionPool: CP},
              ],
            },
          }),
        ),
      }),
    );
    expect(f!.severity).toBe('error');
    expect(f!.details).toEqual({entries: [{path: 'spec.trafficPolicy.portLevelSettings[1]', port: 5000, hosts: [FQDN], dropped: ['outlierDetection', 'loadBalancer']}]});
    expect(f!.remediation!.patch).toEqual({
      type: 'merge',
      body: {
        spec: {
          trafficPolicy: {
            portLevelSettings: [
              {port: {number: 9080}, connectionPool: CP},
              {port: {number: 5000}, connectionPool: CP, outlierDetection: OD, loadBalancer: LB},
            ],
          },
        },
      },
    });
    expect(f!.message).toContain('no locality priorities and no failover');
  });

  it('loadBalancer present without localityLbSetting: only the localityLbSetting is copied in', () => {
    const [f] = fo103.run(
      snapshotFromYaml({
        c1: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: OD, loadBalancer: LB, portLevelSettings: [{port: {number: 5000}, outlierDetection: OD, loadBalancer: {simple: 'LEAST_REQUEST'}}]}})),
      }),
    );
    expect(f!.remediation!.patch!.body).toEqual({
      spec: {trafficPolicy: {portLevelSettings: [{port: {number: 5000}, outlierDetection: OD, loadBalancer: {simple: 'LEAST_REQUEST', localityLbSetting: LB.localityLbSetting}}]}},
    });
  });
});
