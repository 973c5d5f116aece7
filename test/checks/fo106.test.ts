import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo106} from '../../src/checks/fo106-failover-target-empty.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const node = (name: string, region: string, zone: string): O => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels: {'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': zone}}});
const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const service = (name: string, ns: string, labels: O = {}): O => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns, labels}, spec: {selector: {app: name}, ports: [{port: 5000, name: 'http'}]}});
let ip = 0;
const pod = (name: string, nodeName: string, labels: Record<string, string> = {}, app = 'helloworld'): O => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name, namespace: 'sample', labels: {app, ...labels}},
  spec: {nodeName, containers: [{name: 'app'}, {name: 'istio-proxy'}]},
  status: {phase: 'Running', podIP: `10.2.0.${++ip}`},
});
const dr = (setting: O, extra: O = {}): O => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: {name: 'helloworld', namespace: 'sample'},
  spec: {host: 'helloworld.sample.svc.cluster.local', trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}, loadBalancer: {localityLbSetting: setting}}, ...extra},
});
const nodes = [node('east', 'us-east', 'us-east-1a'), node('west', 'us-west', 'us-west-1a'), node('eu', 'eu-west', 'eu-west-1a')];
const base = [namespace('sample', {'istio-injection': 'enabled'}), ...nodes, service('helloworld', 'sample')];
const EAST_TO_WEST = {enabled: true, failover: [{from: 'us-east', to: 'us-west'}]};
const KEY = 'FO106 DestinationRule sample/helloworld @c1';

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'target region us-west exists (a node there) but helloworld runs only in us-east and eu-west → warning',
    contexts: {c1: y(...base, pod('hw-east', 'east'), pod('hw-eu', 'eu'), pod('sleep', 'west', {}, 'sleep'), dr(EAST_TO_WEST))},
    expect: [KEY],
  },
  {
    name: 'done right: an endpoint in us-west',
    contexts: {c1: y(...base, pod('hw-east', 'east'), pod('hw-west', 'west'), dr(EAST_TO_WEST))},
    expect: [],
  },
  {
    name: 'the us-west endpoint is in another cluster of the run (same name, same namespace) → fine',
    contexts: {
      c1: y(...base, pod('hw-east', 'east'), dr(EAST_TO_WEST)),
      c2: y(namespace('sample'), node('w2', 'us-west', 'us-west-1b'), service('helloworld', 'sample'), pod('hw-west-c2', 'w2')),
    },
    expect: [],
  },
  {
    name: 'unknown target region is FO105\'s, not this check\'s',
    contexts: {c1: y(...base, pod('hw-east', 'east'), dr({failover: [{from: 'us-east', to: 'mars-1'}]}))},
    expect: [],
  },
  {
    name: 'a later rule with the same from is ignored by Istio (FO107), not judged here',
    contexts: {c1: y(...base, pod('hw-east', 'east'), pod('hw-west', 'west'), dr({failover: [{from: 'us-east', to: 'us-west'}, {from: 'us-east', to: 'eu-west'}]}))},
    expect: [],
  },
  {
    name: 'subset v1 has no endpoint in us-west while v2 has → warning for the subset',
    contexts: {
      c1: y(...base, pod('v1-east', 'east', {version: 'v1'}), pod('v2-west', 'west', {version: 'v2'}), dr(EAST_TO_WEST, {subsets: [{name: 'v1', labels: {version: 'v1'}}]})),
    },
    expect: [KEY],
  },
  {
    name: 'locality LB disabled: rules are inert',
    contexts: {c1: y(...base, pod('hw-east', 'east'), dr({enabled: false, failover: [{from: 'us-east', to: 'us-west'}]}))},
    expect: [],
  },
  {
    name: 'no endpoint at all: another problem',
    contexts: {c1: y(...base, dr(EAST_TO_WEST))},
    expect: [],
  },
  {
    name: 'ServiceEntry with an endpoint in the target region → fine; without → warning',
    contexts: {
      c1: y(
        namespace('default'),
        node('gke-1', 'us-east1', 'b'),
        {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'ServiceEntry',
          metadata: {name: 'db', namespace: 'default'},
          spec: {hosts: ['mydb.com'], ports: [{number: 80, name: 'http', protocol: 'HTTP'}], resolution: 'DNS', endpoints: [{address: 'a.example.com', locality: 'us-east1'}, {address: 'b.example.com', locality: 'us-west'}]},
        },
        {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'ServiceEntry',
          metadata: {name: 'db2', namespace: 'default'},
          spec: {hosts: ['mydb2.com'], ports: [{number: 80, name: 'http', protocol: 'HTTP'}], resolution: 'DNS', endpoints: [{address: 'c.example.com', locality: 'us-east1'}]},
        },
        ...['mydb.com', 'mydb2.com'].map((h, i) => ({
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'DestinationRule',
          metadata: {name: `dr${i + 1}`, namespace: 'default'},
          spec: {host: h, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}, loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-west'}]}}}},
        })),
      ),
    },
    expect: ['FO106 DestinationRule default/dr2 @c1'],
  },
  {
    name: 'ambient service without a waypoint: DR ignored',
    contexts: {
      c1: y(namespace('sample', {'istio.io/dataplane-mode': 'ambient'}), ...nodes, service('helloworld', 'sample'), pod('hw-east', 'east'), dr(EAST_TO_WEST)),
    },
    expect: [],
  },
];

describe('FO106 failover-target-empty', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo106.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual([...c.expect].sort());
      for (const f of findings) expect(f.severity).toBe('warning');
    });
  }

  it('names the regions that have endpoints; patches `to` only when one other region is the obvious choice', () => {
    const [f] = fo106.run(snapshotFromYaml({c1: y(...base, pod('hw-east', 'east'), pod('hw-eu', 'eu'), dr(EAST_TO_WEST))}));
    expect(f!.details).toMatchObject({gaps: [{from: 'us-east', to: 'us-west', endpointRegions: ['eu-west', 'us-east']}]});
    expect(f!.message).toContain('has endpoints only in eu-west and us-east');
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east', to: 'eu-west'}]}}}}});
  });

  it('several candidate regions: no guessed patch', () => {
    const yaml = y(...base, node('ap', 'ap-south', 'ap-south-1a'), pod('hw-east', 'east'), pod('hw-eu', 'eu'), pod('hw-ap', 'ap'), dr(EAST_TO_WEST));
    const [f] = fo106.run(snapshotFromYaml({c1: yaml}));
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.commands).toContain('kubectl --context c1 -n sample edit destinationrule helloworld');
  });
});
