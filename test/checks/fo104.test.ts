import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo104} from '../../src/checks/fo104-outlier-detection-disabled.js';
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
const dr = (spec: O, name = 'helloworld', meta: O = {}, apiVersion = 'networking.istio.io/v1'): O => ({apiVersion, kind: 'DestinationRule', metadata: {name, namespace: 'sample', ...meta}, spec});
const FQDN = 'helloworld.sample.svc.cluster.local';
const base = [namespace('sample'), service('helloworld', 'sample')];
const withOd = (od: O): string => y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: od}}));

interface Case {
  name: string;
  yaml: string;
  expect: string[];
}

const cases: Case[] = [
  {name: 'consecutive5xxErrors: 0 and nothing else → error', yaml: withOd({consecutive5xxErrors: 0, interval: '10s'}), expect: ['FO104 DestinationRule sample/helloworld @c1']},
  {name: 'v1beta1, same', yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}}, 'helloworld', {}, 'networking.istio.io/v1beta1')), expect: ['FO104 DestinationRule sample/helloworld @c1']},
  {name: 'consecutiveGatewayErrors: 0 too → error', yaml: withOd({consecutive5xxErrors: 0, consecutiveGatewayErrors: 0}), expect: ['FO104 DestinationRule sample/helloworld @c1']},
  {name: 'gateway errors enforced → fine', yaml: withOd({consecutive5xxErrors: 0, consecutiveGatewayErrors: 3}), expect: []},
  {name: 'split mode: local-origin failures eject → fine', yaml: withOd({consecutive5xxErrors: 0, splitExternalLocalOriginErrors: true}), expect: []},
  {name: 'empty outlierDetection: Envoy default 5×5xx ejects → fine', yaml: withOd({}), expect: []},
  {name: 'consecutive5xxErrors unset → fine', yaml: withOd({interval: '1s'}), expect: []},
  {name: 'deprecated consecutiveErrors is ignored by Istio ≥ 1.x: still disabled', yaml: withOd({consecutive5xxErrors: 0, consecutiveErrors: 5}), expect: ['FO104 DestinationRule sample/helloworld @c1']},
  {
    name: 'disabled in the portLevelSettings entry of a Service port → error',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}, portLevelSettings: [{port: {number: 5000}, outlierDetection: {consecutive5xxErrors: 0}}]}})),
    expect: ['FO104 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'disabled in an entry for a port the Service does not have → fine',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}, portLevelSettings: [{port: {number: 9999}, outlierDetection: {consecutive5xxErrors: 0}}]}})),
    expect: [],
  },
  {
    name: 'disabled at the top level, but every Service port has its own working entry → fine',
    yaml: y(...base, dr({host: FQDN, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}, portLevelSettings: [{port: {number: 5000}, outlierDetection: {consecutive5xxErrors: 5}}]}})),
    expect: [],
  },
  {
    name: 'disabled in a subset → error',
    yaml: y(...base, dr({host: FQDN, subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}}]})),
    expect: ['FO104 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'rule for a host not in the contexts read: judged by itself → error',
    yaml: y(namespace('sample'), dr({host: 'elsewhere.sample.svc.cluster.local', trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}}, 'elsewhere')),
    expect: ['FO104 DestinationRule sample/elsewhere @c1'],
  },
  {
    name: 'a newer same-host rule whose policy Istio drops (the older one has a trafficPolicy) → not reported',
    yaml: y(
      ...base,
      dr({host: FQDN, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}}, 'a-old', {creationTimestamp: '2024-01-01T00:00:00Z'}),
      dr({host: FQDN, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}}, 'b-new', {creationTimestamp: '2024-02-01T00:00:00Z'}),
    ),
    expect: [],
  },
  {
    name: 'ambient without waypoint: the rule is ignored',
    yaml: y(namespace('sample', {'istio.io/dataplane-mode': 'ambient'}), service('helloworld', 'sample'), dr({host: FQDN, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 0}}})),
    expect: [],
  },
];

describe('FO104 outlier-detection-disabled', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo104.run(snapshotFromYaml({c1: c.yaml})))).toEqual([...c.expect].sort());
    });
  }

  it('patches consecutive5xxErrors to 5 where it is 0', () => {
    const [f] = fo104.run(snapshotFromYaml({c1: withOd({consecutive5xxErrors: 0, interval: '10s'})}));
    expect(f!.severity).toBe('error');
    expect(f!.remediation!.patch).toEqual({type: 'merge', body: {spec: {trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}}}});
    expect(f!.details).toMatchObject({locations: ['spec.trafficPolicy.outlierDetection']});
  });

  it('port entry: patches the whole portLevelSettings array', () => {
    const [f] = fo104.run(
      snapshotFromYaml({c1: y(...base, dr({host: FQDN, trafficPolicy: {portLevelSettings: [{port: {number: 5000}, outlierDetection: {consecutive5xxErrors: 0, interval: '5s'}}]}}))}),
    );
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {portLevelSettings: [{port: {number: 5000}, outlierDetection: {consecutive5xxErrors: 5, interval: '5s'}}]}}});
  });
});
