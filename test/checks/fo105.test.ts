import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo105, nearestRegion} from '../../src/checks/fo105-failover-region-unknown.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const node = (name: string, region: string, zone: string, opts: {subzone?: string; beta?: boolean} = {}): O => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    labels: opts.beta
      ? {'failure-domain.beta.kubernetes.io/region': region, 'failure-domain.beta.kubernetes.io/zone': zone}
      : {'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': zone, ...(opts.subzone ? {'topology.istio.io/subzone': opts.subzone} : {})},
  },
});
const failoverDr = (rules: O[], extra: O = {}, name = 'helloworld'): O => ({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'DestinationRule',
  metadata: {name, namespace: 'sample'},
  spec: {
    host: 'helloworld.sample.svc.cluster.local',
    trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}, loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: rules, ...extra}}},
  },
});
const meshCm = (mesh: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: stringify(mesh)}});
const seed004Nodes = ['beijing', 'tianjin', 'shenyang'].map((s) => node(`node-${s}`, 'cn-north-4', 'cn-north-4b', {subzone: s}));
const KEY = 'FO105 DestinationRule sample/helloworld @c1';

interface Case {
  name: string;
  contexts: Record<string, string | {yaml: string; unread?: {kind: 'Node'; cause: 'forbidden'; reason: string}[]}>;
  expect: string[];
  severity?: string[];
}

const cases: Case[] = [
  {
    name: 'seed 004 as written: failover to cn-south-1 in a single-region (cn-north-4) cluster → error',
    contexts: {c1: y(...seed004Nodes, failoverDr([{from: 'cn-north-4', to: 'cn-south-1'}]))},
    expect: [KEY],
    severity: ['error'],
  },
  {
    name: 'typo us-east-1 for the nodes\' us-east1 → error',
    contexts: {c1: y(node('n1', 'us-east1', 'us-east1-b'), node('n2', 'us-west1', 'us-west1-a'), failoverDr([{from: 'us-east-1', to: 'us-west1'}]))},
    expect: [KEY],
  },
  {
    name: 'both regions on nodes → fine',
    contexts: {c1: y(node('n1', 'us-east1', 'us-east1-b'), node('n2', 'us-west1', 'us-west1-a'), failoverDr([{from: 'us-east1', to: 'us-west1'}]))},
    expect: [],
  },
  {
    name: 'beta (failure-domain) node labels count',
    contexts: {c1: y(node('n1', 'us-east1', 'us-east1-b', {beta: true}), node('n2', 'us-west1', 'us-west1-a', {beta: true}), failoverDr([{from: 'us-east1', to: 'us-west1'}]))},
    expect: [],
  },
  {
    name: 'seed 002: the target region exists only as a ServiceEntry endpoint locality → fine',
    contexts: {
      c1: y(
        node('gke-1', 'us-east1', 'us-east1-b', {beta: true}),
        {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'ServiceEntry',
          metadata: {name: 'external-svc-dns', namespace: 'default'},
          spec: {hosts: ['mydb.com'], ports: [{number: 80, name: 'http-port', protocol: 'HTTP', targetPort: 443}], resolution: 'DNS', endpoints: [{address: 'dynamodb.us-east-1.amazonaws.com', locality: 'us-east1'}, {address: 'dynamodb.us-west-1.amazonaws.com', locality: 'us-west'}]},
        },
        {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'DestinationRule',
          metadata: {name: 'mydynamodb', namespace: 'default'},
          spec: {host: 'mydb.com', trafficPolicy: {tls: {mode: 'SIMPLE'}, loadBalancer: {simple: 'ROUND_ROBIN', localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-west'}]}}, outlierDetection: {consecutive5xxErrors: 1}}},
        },
      ),
    },
    expect: [],
  },
  {
    name: 'a WorkloadEntry locality counts',
    contexts: {
      c1: y(
        node('n1', 'us-east1', 'a'),
        {apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: {name: 'vm-1', namespace: 'sample'}, spec: {address: '10.9.9.9', locality: 'on-prem/dc1'}},
        failoverDr([{from: 'us-east1', to: 'on-prem'}]),
      ),
    },
    expect: [],
  },
  {
    name: 'the region is on the nodes of another context of the run → fine',
    contexts: {c1: y(node('n1', 'us-east1', 'a'), failoverDr([{from: 'us-east1', to: 'eu-west1'}])), c2: y(node('m1', 'eu-west1', 'b'))},
    expect: [],
  },
  {
    name: 'a remote secret names a cluster not read in this run → warning',
    contexts: {
      c1: y(
        node('n1', 'us-east1', 'a'),
        {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'istio-remote-secret-cluster-eu', namespace: 'istio-system', labels: {'istio/multiCluster': 'true'}}},
        failoverDr([{from: 'us-east1', to: 'eu-west1'}]),
      ),
    },
    expect: [KEY],
    severity: ['warning'],
  },
  {
    name: 'remote secret for a cluster that is read → still an error',
    contexts: {
      c1: y(
        node('n1', 'us-east1', 'a'),
        {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'istio-remote-secret-c2', namespace: 'istio-system', labels: {'istio/multiCluster': 'true'}}},
        failoverDr([{from: 'us-east1', to: 'eu-west1'}]),
      ),
      c2: y(node('m1', 'us-east1', 'b')),
    },
    expect: [KEY],
    severity: ['error'],
  },
  {
    name: 'nodes of a context could not be read → warning',
    contexts: {c1: y(node('n1', 'us-east1', 'a'), failoverDr([{from: 'us-east1', to: 'eu-west1'}])), c2: {yaml: '', unread: [{kind: 'Node', cause: 'forbidden', reason: 'nodes is forbidden'}]}},
    expect: [KEY],
    severity: ['warning'],
  },
  {
    name: 'enabled: false — the rules are inert',
    contexts: {c1: y(node('n1', 'us-east1', 'a'), failoverDr([{from: 'us-east1', to: 'nowhere'}], {enabled: false}))},
    expect: [],
  },
  {
    name: 'zone paths and wildcards are FO107\'s',
    contexts: {c1: y(node('n1', 'us-east1', 'a'), failoverDr([{from: 'us-east1/a', to: '*'}]))},
    expect: [],
  },
  {
    name: 'mesh config failover naming an unknown region → on the istio ConfigMap',
    contexts: {c1: y(node('n1', 'us-east1', 'a'), meshCm({localityLbSetting: {enabled: true, failover: [{from: 'us-east1', to: 'us-wets1'}]}}))},
    expect: ['FO105 ConfigMap istio-system/istio @c1'],
  },
];

describe('FO105 failover-region-unknown', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo105.run(snapshotFromYaml(c.contexts));
      expect(keysOf(findings)).toEqual([...c.expect].sort());
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
    });
  }

  it('seed 004: names cn-south-1 (to), lists the regions seen, suggests nothing for a far name', () => {
    const [f] = fo105.run(snapshotFromYaml({c1: y(...seed004Nodes, failoverDr([{from: 'cn-north-4', to: 'cn-south-1'}]))}));
    expect(f!.details).toMatchObject({unknown: [{side: 'to', value: 'cn-south-1', path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0].to'}], knownRegions: ['cn-north-4']});
    expect((f!.details as {unknown: O[]}).unknown[0]).not.toHaveProperty('suggestion');
    expect(f!.message).toContain('Regions seen: cn-north-4');
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.commands[0]).toBe('kubectl --context c1 get nodes -L topology.kubernetes.io/region,topology.kubernetes.io/zone');
  });

  it('typo: suggests the nearest region and patches it in', () => {
    const [f] = fo105.run(snapshotFromYaml({c1: y(node('n1', 'us-east1', 'us-east1-b'), node('n2', 'us-west1', 'us-west1-a'), failoverDr([{from: 'us-east-1', to: 'us-west1'}]))}));
    expect(f!.message).toContain('did you mean "us-east1"?');
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east1', to: 'us-west1'}]}}}}});
  });

  it('nearestRegion: close names only, never the excluded one', () => {
    expect(nearestRegion('us-east-1', ['us-east1', 'eu-west1'])).toBe('us-east1');
    expect(nearestRegion('cn-south-1', ['cn-north-4'])).toBeUndefined();
    expect(nearestRegion('US-EAST1', ['us-east1'])).toBe('us-east1');
    expect(nearestRegion('us-west2', ['us-west1'], 'us-west1')).toBeUndefined();
  });
});
