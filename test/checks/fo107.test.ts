import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo101} from '../../src/checks/fo101-outlier-detection-missing.js';
import {fo102} from '../../src/checks/fo102-max-ejection-blocks-failover.js';
import {fo103} from '../../src/checks/fo103-port-level-policy-drops-failover.js';
import {fo104} from '../../src/checks/fo104-outlier-detection-disabled.js';
import {fo105} from '../../src/checks/fo105-failover-region-unknown.js';
import {fo106} from '../../src/checks/fo106-failover-target-empty.js';
import {fo107} from '../../src/checks/fo107-invalid-locality-setting.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const dr = (trafficPolicy: O, extra: O = {}, apiVersion = 'networking.istio.io/v1'): O => ({
  apiVersion,
  kind: 'DestinationRule',
  metadata: {name: 'helloworld', namespace: 'sample'},
  spec: {host: 'helloworld.sample.svc.cluster.local', trafficPolicy, ...extra},
});
const lls = (setting: O): O => ({outlierDetection: {consecutive5xxErrors: 5}, loadBalancer: {localityLbSetting: setting}});
const meshCm = (mesh: O): O => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'istio', namespace: 'istio-system'}, data: {mesh: stringify(mesh)}});
const KEY = 'FO107 DestinationRule sample/helloworld @c1';

interface Case {
  name: string;
  yaml: string;
  expect: string[];
  severity?: string[];
}

const cases: Case[] = [
  {name: 'distribute + failover → error', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 100}}], failover: [{from: 'us-east', to: 'us-west'}]}))), expect: [KEY], severity: ['error']},
  {name: 'failover + failoverPriority with the region label → error', yaml: y(dr(lls({failover: [{from: 'us-east', to: 'us-west'}], failoverPriority: ['topology.kubernetes.io/region']}))), expect: [KEY], severity: ['error']},
  {name: 'failover + failoverPriority with subzone label → error', yaml: y(dr(lls({failover: [{from: 'us-east', to: 'us-west'}], failoverPriority: ['topology.istio.io/subzone']}))), expect: [KEY]},
  {name: 'failover + failoverPriority with non-topology labels → allowed', yaml: y(dr(lls({failover: [{from: 'us-east', to: 'us-west'}], failoverPriority: ['topology.istio.io/cluster', 'my-label']}))), expect: []},
  {name: 'failover + failoverPriority "region=value" override is not the bare label → allowed (webhook matches exact strings)', yaml: y(dr(lls({failover: [{from: 'us-east', to: 'us-west'}], failoverPriority: ['topology.kubernetes.io/region=us-east']}))), expect: []},
  {name: 'from = to → error', yaml: y(dr(lls({failover: [{from: 'us-east', to: 'us-east'}]}))), expect: [KEY], severity: ['error']},
  {name: 'zone in from → error', yaml: y(dr(lls({failover: [{from: 'us-east/us-east-1a', to: 'us-west'}]}))), expect: [KEY]},
  {name: '* in to → error', yaml: y(dr(lls({failover: [{from: 'us-east', to: '*'}]}))), expect: [KEY]},
  {name: 'distribute weights summing to 90 → error', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 80, 'us-west/*': 10}}]}))), expect: [KEY]},
  {name: 'distribute weight 0 → error', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 100, 'us-west/*': 0}}]}))), expect: [KEY]},
  {name: 'distribute weight above 100 → error', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 150}}]}))), expect: [KEY]},
  {name: 'distribute wildcard in the middle → error', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-*/zone': 100}}]}))), expect: [KEY]},
  {name: 'distribute overlapping from → error', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 100}}, {from: 'us-east/us-east-1a', to: {'us-east/*': 100}}]}))), expect: [KEY]},
  {name: 'valid distribute', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 80, 'us-west/*': 20}}, {from: 'us-west/*', to: {'us-west/*': 100}}]}))), expect: []},
  {name: 'distribute + failoverPriority → warning', yaml: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 100}}], failoverPriority: ['topology.istio.io/cluster']}))), expect: [KEY], severity: ['warning']},
  {name: 'two failover rules from the same region → warning', yaml: y(dr(lls({failover: [{from: 'us-east', to: 'us-west'}, {from: 'us-east', to: 'eu-west'}]}))), expect: [KEY], severity: ['warning']},
  {name: 'seed 004 setting is valid', yaml: y(dr(lls({enabled: true, failover: [{from: 'cn-north-4', to: 'cn-south-1'}]}), {}, 'networking.istio.io/v1beta1')), expect: []},
  {name: 'seed 000 setting is valid', yaml: y(dr(lls({enabled: true, failoverPriority: ['topology.istio.io/cluster']}))), expect: []},
  {
    name: 'port-level and subset settings are validated too',
    yaml: y(
      dr(
        {portLevelSettings: [{port: {number: 5000}, loadBalancer: {localityLbSetting: {failover: [{from: 'a', to: 'a'}]}}}]},
        {subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: 'b', to: 'b/z'}]}}}}]},
      ),
    ),
    expect: [KEY],
  },
  {
    name: 'an error and a warning in one rule → two findings',
    yaml: y(dr(lls({failover: [{from: 'us-east', to: 'us-east'}, {from: 'us-west', to: 'us-east'}, {from: 'us-west', to: 'eu-west'}]}))),
    expect: [KEY, KEY],
    severity: ['error', 'warning'],
  },
  {
    name: 'mesh config with distribute + failover → error on the istio ConfigMap',
    yaml: y(meshCm({localityLbSetting: {enabled: true, distribute: [{from: '*', to: {'us-east/*': 100}}], failover: [{from: 'us-east', to: 'us-west'}]}})),
    expect: ['FO107 ConfigMap istio-system/istio @c1'],
  },
  {name: 'valid mesh config', yaml: y(meshCm({localityLbSetting: {enabled: true, failover: [{from: 'us-east', to: 'us-west'}]}})), expect: []},
];

describe('FO107 invalid-locality-setting', () => {
  for (const c of cases) {
    it(c.name, () => {
      const findings = fo107.run(snapshotFromYaml({c1: c.yaml}));
      expect(keysOf(findings)).toEqual([...c.expect].sort());
      if (c.severity) expect(findings.map((f) => f.severity)).toEqual(c.severity);
      for (const f of findings) expect(f.remediation?.commands.length).toBeGreaterThan(0);
    });
  }

  it('distribute + failover: the patch drops failover (what Istio applies today is distribute)', () => {
    const [f] = fo107.run(snapshotFromYaml({c1: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 100}}], failover: [{from: 'us-east', to: 'us-west'}]})))}));
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failover: null}}}}});
  });

  it('failover + topology failoverPriority: the patch removes only the topology labels', () => {
    const [f] = fo107.run(
      snapshotFromYaml({c1: y(dr(lls({failover: [{from: 'us-east', to: 'us-west'}], failoverPriority: ['topology.istio.io/cluster', 'topology.kubernetes.io/zone']})))}),
    );
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failoverPriority: ['topology.istio.io/cluster']}}}}});
  });

  it('zone paths become regions; a self-failover rule is removed', () => {
    const [f] = fo107.run(snapshotFromYaml({c1: y(dr(lls({failover: [{from: 'us-east/us-east-1a', to: 'us-west/us-west-2b'}, {from: 'eu', to: 'eu'}]})))}));
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east', to: 'us-west'}]}}}}});
  });

  it('duplicate from: the patch keeps the first rule only', () => {
    const [f] = fo107.run(snapshotFromYaml({c1: y(dr(lls({failover: [{from: 'us-east', to: 'us-west'}, {from: 'us-east', to: 'eu-west'}]})))}));
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {loadBalancer: {localityLbSetting: {failover: [{from: 'us-east', to: 'us-west'}]}}}}});
  });

  it('bad weights: no guessed patch, an edit command instead', () => {
    const [f] = fo107.run(snapshotFromYaml({c1: y(dr(lls({distribute: [{from: 'us-east/*', to: {'us-east/*': 80, 'us-west/*': 10}}]})))}));
    expect(f!.remediation!.patch).toBeUndefined();
    expect(f!.remediation!.commands).toEqual(['kubectl --context c1 -n sample edit destinationrule helloworld']);
    expect(f!.message).toContain('sum to 90');
  });

  it('malformed objects (wrong types where lists are expected) never throw in any FO1xx check', () => {
    const yaml = y(
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'sample'}},
      {apiVersion: 'v1', kind: 'Node', metadata: {name: 'n1', labels: {'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z'}}},
      {apiVersion: 'v1', kind: 'Service', metadata: {name: 'helloworld', namespace: 'sample'}, spec: {selector: {app: 'helloworld'}, ports: [{port: 5000}]}},
      {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 'sample', labels: {app: 'helloworld'}}, spec: {nodeName: 'n1'}, status: {phase: 'Running'}},
      dr({portLevelSettings: 'oops', outlierDetection: {consecutive5xxErrors: 0}, loadBalancer: {localityLbSetting: {failover: 'x', distribute: {from: 'a'}, failoverPriority: 'k'}}}, {subsets: null}),
      {apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name: 'other', namespace: 'sample'}, spec: {host: 'x.sample.svc.cluster.local', trafficPolicy: null, subsets: [{name: 'v1', trafficPolicy: {portLevelSettings: [null, {port: null}]}}]}},
      {apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {name: 'se', namespace: 'sample'}, spec: {hosts: 'nope', ports: null, resolution: 'DNS', endpoints: 'x'}},
    );
    const snap = snapshotFromYaml({c1: yaml});
    for (const check of [fo101, fo102, fo103, fo104, fo105, fo106, fo107]) expect(() => check.run(snap), check.meta.code).not.toThrow();
  });
});
