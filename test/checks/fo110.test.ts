import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {fo110} from '../../src/checks/fo110-min-health-enables-panic.js';
import {keysOf, snapshotFromYaml} from '../support/snapshot.js';

type O = Record<string, unknown>;
const y = (...objs: O[]): string => objs.map((o) => stringify(o)).join('---\n');
const namespace = (name: string, labels: Record<string, string> = {}): O => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}});
const service = (name: string, ns: string, spec: O = {}, ports: O[] = [{port: 5000, name: 'http'}]): O => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {name, namespace: ns},
  spec: {selector: {app: name}, ports, ...spec},
});
const dr = (name: string, ns: string, host: string, spec: O = {}): O => ({apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: {name, namespace: ns}, spec: {host, ...spec}});
const istiod = (env: O[]): O => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'istiod', namespace: 'istio-system'},
  spec: {template: {spec: {containers: [{name: 'discovery', image: 'docker.io/istio/pilot:1.30.3', env}]}}},
});
const FQDN = 'helloworld.sample.svc.cluster.local';
const base = [namespace('sample', {'istio-injection': 'enabled'}), namespace('istio-system'), service('helloworld', 'sample')];
const od = (extra: O = {}): O => ({consecutive5xxErrors: 5, ...extra});

interface Case {
  name: string;
  contexts: Record<string, string>;
  expect: string[];
}

const cases: Case[] = [
  {
    name: 'minHealthPercent 50 → warning',
    contexts: {c1: y(...base, dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 50})}}))},
    expect: ['FO110 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'done right: no minHealthPercent',
    contexts: {c1: y(...base, dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od()}}))},
    expect: [],
  },
  {
    name: 'minHealthPercent 0 explicitly: panic stays off',
    contexts: {c1: y(...base, dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 0})}}))},
    expect: [],
  },
  {
    name: 'in a portLevelSettings entry for a Service port → warning',
    contexts: {
      c1: y(...base, dr('helloworld', 'sample', FQDN, {trafficPolicy: {portLevelSettings: [{port: {number: 5000}, outlierDetection: od({minHealthPercent: 30})}]}})),
    },
    expect: ['FO110 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'top-level value shadowed by a port entry for the only port: never used',
    contexts: {
      c1: y(
        ...base,
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 30}), portLevelSettings: [{port: {number: 5000}, outlierDetection: od()}]}}),
      ),
    },
    expect: [],
  },
  {
    name: 'in a subset → warning',
    contexts: {c1: y(...base, dr('helloworld', 'sample', FQDN, {subsets: [{name: 'v1', labels: {version: 'v1'}, trafficPolicy: {outlierDetection: od({minHealthPercent: 25})}}]}))},
    expect: ['FO110 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'the Service sets trafficDistribution: Istio forces the panic threshold to 0',
    contexts: {
      c1: y(
        namespace('sample'),
        namespace('istio-system'),
        service('helloworld', 'sample', {trafficDistribution: 'PreferClose'}),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 50})}}),
      ),
    },
    expect: [],
  },
  {
    name: 'istiod PILOT_SEND_UNHEALTHY_ENDPOINTS=true forces the threshold to 0 mesh-wide',
    contexts: {c1: y(...base, istiod([{name: 'PILOT_SEND_UNHEALTHY_ENDPOINTS', value: 'true'}]), dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 50})}}))},
    expect: [],
  },
  {
    name: 'istiod with PILOT_SEND_UNHEALTHY_ENDPOINTS=false: still a warning',
    contexts: {c1: y(...base, istiod([{name: 'PILOT_SEND_UNHEALTHY_ENDPOINTS', value: 'false'}]), dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 50})}}))},
    expect: ['FO110 DestinationRule sample/helloworld @c1'],
  },
  {
    name: 'ambient without waypoint: ztunnel ignores the rule',
    contexts: {
      c1: y(
        namespace('sample', {'istio.io/dataplane-mode': 'ambient'}),
        namespace('istio-system'),
        service('helloworld', 'sample'),
        dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 50})}}),
      ),
    },
    expect: [],
  },
  {
    name: 'a later duplicate rule whose policy Istio drops is not judged (FO111)',
    contexts: {
      c1: y(
        ...base,
        {...(dr('a-first', 'sample', FQDN, {trafficPolicy: {outlierDetection: od()}}) as O), metadata: {name: 'a-first', namespace: 'sample', creationTimestamp: '2024-01-01T00:00:00Z'}},
        {...(dr('b-later', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 50})}}) as O), metadata: {name: 'b-later', namespace: 'sample', creationTimestamp: '2024-02-01T00:00:00Z'}},
      ),
    },
    expect: [],
  },
];

describe('FO110 min-health-enables-panic', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysOf(fo110.run(snapshotFromYaml(c.contexts)))).toEqual(c.expect);
    });
  }

  it('patch removes minHealthPercent, replacing portLevelSettings whole', () => {
    const [f] = fo110.run(
      snapshotFromYaml({
        c1: y(
          ...base,
          dr('helloworld', 'sample', FQDN, {
            trafficPolicy: {portLevelSettings: [{port: {number: 5000}, outlierDetection: od({minHealthPercent: 30}), connectionPool: {tcp: {maxConnections: 10}}}]},
          }),
        ),
      }),
    );
    expect(f!.message).toContain('spec.trafficPolicy.portLevelSettings[0].outlierDetection.minHealthPercent: 30');
    expect(f!.remediation!.patch!.body).toEqual({
      spec: {trafficPolicy: {portLevelSettings: [{port: {number: 5000}, outlierDetection: {consecutive5xxErrors: 5}, connectionPool: {tcp: {maxConnections: 10}}}]}},
    });
    expect(f!.remediation!.commands[0]).toContain('kubectl --context c1 -n sample patch destinationrule helloworld --type merge');
  });

  it('top-level: patch sets the field to null', () => {
    const [f] = fo110.run(snapshotFromYaml({c1: y(...base, dr('helloworld', 'sample', FQDN, {trafficPolicy: {outlierDetection: od({minHealthPercent: 50})}}))}));
    expect(f!.remediation!.patch!.body).toEqual({spec: {trafficPolicy: {outlierDetection: {minHealthPercent: null}}}});
    expect((f!.details as {hosts: string[]}).hosts).toEqual([FQDN]);
  });
});
